"""The notify step against a real loopback HTTP receiver (Apprise json:// URLs), env:VAR URLs,
failures named with credentials hidden, and on_failure / on_missed steps reaching people."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import cron, once
from core.storage.tables import Run
from daemon.claim import claim_due
from daemon.execute import execute
from daemon.heartbeat import register
from daemon.steps.notify import shown
from daemon.tick import tick
from tests.support.receivers import http_receiver

PY = sys.executable
REFRESH = {"kind": "cache_refresh", "profile": "shop"}
BAD = {"kind": "run_command", "argv": [PY, "-c", "print('boom'); raise SystemExit(4)"]}


def schedule(core: Core, steps: list[dict[str, Any]], **kw: Any) -> int:
    spec = build_spec(
        name=kw.pop("name", "nightly"),
        trigger=kw.pop("trigger", once("2026-11-21 09:05")),
        timezone="Asia/Jakarta",
        steps=steps,
        **kw,
    )
    return core.schedules.create(spec).id


def fire(core: Core, clock: FrozenClock, ahead: timedelta = timedelta(minutes=5)) -> list[Any]:
    clock.advance(ahead)
    return [execute(core, c) for c in tick(core, "w1", slots=10).claimed]


def notify(*urls: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "notify", "urls": list(urls), **kw}


def test_the_message_reaches_a_json_receiver(core: Core, clock: FrozenClock) -> None:
    with http_receiver() as (port, inbox):
        sid = schedule(core, [REFRESH, notify(f"json://127.0.0.1:{port}/hook")])
        [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    [(path, body)] = inbox.posts
    assert path == "/hook"
    assert body["title"] == "AMX: nightly succeeded"
    assert body["message"] == f"Schedule 'nightly' (id {sid}), run {run.id}: succeeded."
    assert body["type"] == "success"
    [_, told] = core.runs.steps.of_run(run.id)
    assert told.summary == {"sent": 1}


def test_an_env_url_is_read_at_run_time_and_a_missing_one_fails_naming_it(
    core: Core, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_receiver() as (port, inbox):
        monkeypatch.setenv("AMX_TEST_HOOK", f"json://127.0.0.1:{port}/from-env")
        steps = [REFRESH, notify("env:AMX_TEST_HOOK", title="Hello", message="<b>done</b>")]
        schedule(core, steps, trigger=cron("*/5 * * * *"), max_retries=0)
        [run] = fire(core, clock)
        assert run.status == "succeeded", run.error
        [(path, body)] = inbox.posts
        assert path == "/from-env"
        assert (body["title"], body["message"], body["type"]) == ("Hello", "<b>done</b>", "success")
        monkeypatch.delenv("AMX_TEST_HOOK")
        [run] = fire(core, clock)
    assert run.status == "failed"
    assert run.error == (
        "step 2/2 notify: 1 of 1 notification URL failed: env:AMX_TEST_HOOK (the variable "
        "is not set in the daemon's environment)."
    )


def test_every_url_is_tried_and_the_failed_ones_are_named_without_their_secrets(
    core: Core, clock: FrozenClock
) -> None:
    with http_receiver() as (port, inbox):
        failing = f"json://bot:hunter2@127.0.0.1:{port}/fail/TOKENabc123456"
        steps = [REFRESH, notify(failing, f"json://127.0.0.1:{port}/ok")]
        schedule(core, steps, max_retries=0)
        [run] = fire(core, clock)
    assert [path for path, _ in inbox.posts] == ["/fail/TOKENabc123456", "/ok"]
    assert run.status == "failed"
    assert run.error.startswith(
        f"step 2/2 notify: 1 of 2 notification URLs failed: json://***@127.0.0.1:{port}/… ("
    )
    said = run.error + " ".join(line.text for line in core.runs.log.lines(run.id))
    assert "hunter2" not in said and "TOKENabc123456" not in said
    [_, told] = core.runs.steps.of_run(run.id)
    assert told.summary == {"sent": 1, "failed": 1}


def test_on_failure_tells_after_the_last_attempt_only(core: Core, clock: FrozenClock) -> None:
    with http_receiver() as (port, inbox):
        sid = schedule(
            core, [BAD], on_failure=[notify(f"json://127.0.0.1:{port}/alerts")], max_retries=1
        )
        [first] = fire(core, clock)
        assert first.status == "failed"
        assert inbox.posts == []  # a retry follows: nobody is told yet
        [second] = fire(core, clock, timedelta(seconds=45))
        assert second.status == "failed" and second.trigger == "retry"
    [(path, body)] = inbox.posts
    assert path == "/alerts"
    assert body["title"] == "AMX: nightly failed"
    assert body["type"] == "failure"
    assert body["message"] == (
        f"Schedule 'nightly' (id {sid}), run {second.id}: failed.\nError: {second.error}"
    )
    assert "exited with code 4: boom" in body["message"]
    sections = [(s.section, s.status) for s in core.runs.steps.of_run(second.id)]
    assert sections == [("steps", "failed"), ("on_failure", "succeeded")]
    assert core.schedules.get(sid).status == "failed"


def _lose_the_attempt(core: Core, clock: FrozenClock) -> tuple[Any, Any]:
    """Fire the schedule on a worker that then dies; let its lease run out and tick: the lost
    claim, and the tick that found it."""
    clock.advance(timedelta(minutes=5))
    register(core.db, "dead:1:x", clock.now())
    [lost] = claim_due(core.db, clock.now(), "dead:1:x", 5, timedelta(seconds=90))
    clock.advance(timedelta(seconds=91))
    return lost, tick(core, "w1", slots=10)


def test_a_last_attempt_its_worker_lost_still_tells_on_failure(
    core: Core, clock: FrozenClock
) -> None:
    """The worker that held the last attempt died: nobody ran its on_failure steps, so the
    daemon that finds the run lost queues them as a run of their own, once."""
    with http_receiver() as (port, inbox):
        sid = schedule(core, [REFRESH], on_failure=[notify(f"json://127.0.0.1:{port}/alerts")],
                       max_retries=0)  # fmt: skip
        lost, report = _lose_the_attempt(core, clock)
        assert report.recovered == [lost.run_id]
        [told] = [execute(core, c) for c in report.claimed]
        assert told.trigger == "failure" and told.status == "succeeded", told.error
        assert fire(core, clock) == [] and fire(core, clock, timedelta(hours=1)) == []
    [(path, body)] = inbox.posts
    assert path == "/alerts" and body["type"] == "failure"
    assert body["title"] == "AMX: nightly failed"
    assert f"Error: run {lost.run_id} failed: worker lost on " in body["message"]
    assert [s.section for s in core.runs.steps.of_run(told.id)] == ["on_failure"]
    assert core.schedules.get(sid).status == "failed"
    with core.db.read() as session:
        runs = session.execute(
            select(Run.trigger, Run.status).where(Run.schedule_id == sid).order_by(Run.id)
        ).all()
    assert [tuple(r) for r in runs] == [("schedule", "failed"), ("failure", "succeeded")]


def test_a_lost_attempt_that_is_retried_tells_nobody_yet(core: Core, clock: FrozenClock) -> None:
    with http_receiver() as (port, inbox):
        schedule(core, [REFRESH], on_failure=[notify(f"json://127.0.0.1:{port}/alerts")],
                 max_retries=1)  # fmt: skip
        lost, report = _lose_the_attempt(core, clock)
        assert report.recovered == [lost.run_id] and report.claimed == []
    assert inbox.posts == []


def test_on_missed_is_queued_once_and_run_and_the_schedule_stays_missed(
    core: Core, clock: FrozenClock
) -> None:
    with http_receiver() as (port, inbox):
        sid = schedule(core, [REFRESH], on_missed=[notify(f"json://127.0.0.1:{port}/missed")])
        [run] = fire(core, clock, timedelta(hours=3))  # nothing fired it in time
        assert run.trigger == "missed" and run.status == "succeeded", run.error
        assert core.schedules.get(sid).status == "missed"
        assert fire(core, clock) == []  # once per missed occurrence
        assert fire(core, clock, timedelta(hours=1)) == []
    [(path, body)] = inbox.posts
    assert path == "/missed" and body["type"] == "warning"
    assert body["title"] == "AMX: nightly missed"
    assert body["message"].startswith(f"Schedule 'nightly' (id {sid}), run {run.id}: missed.\n")
    assert "1 occurrence missed since" in body["message"]
    with core.db.read() as session:
        runs = session.execute(
            select(Run.trigger, Run.status).where(Run.schedule_id == sid).order_by(Run.id)
        ).all()
    assert [tuple(r) for r in runs] == [("schedule", "missed"), ("missed", "succeeded")]
    assert [s.section for s in core.runs.steps.of_run(run.id)] == ["on_missed"]
    # The person still decides: Run now fires the occurrence itself.
    core.schedules.run_now(sid)
    [ran] = fire(core, clock, timedelta(seconds=1))
    assert ran.trigger == "schedule" and ran.status == "succeeded"
    assert core.schedules.get(sid).status == "completed"


def test_a_schedule_without_on_missed_steps_queues_nothing(core: Core, clock: FrozenClock) -> None:
    sid = schedule(core, [REFRESH])
    assert fire(core, clock, timedelta(hours=3)) == []
    assert core.schedules.get(sid).status == "missed"


def test_resuming_past_the_fire_time_queues_the_on_missed_steps(
    core: Core, clock: FrozenClock
) -> None:
    with http_receiver() as (port, inbox):
        sid = schedule(core, [REFRESH], on_missed=[notify(f"json://127.0.0.1:{port}/missed")])
        core.schedules.pause(sid)
        clock.advance(timedelta(hours=3))
        assert core.schedules.resume(sid).status == "missed"
        [run] = fire(core, clock, timedelta(seconds=1))
    assert run.trigger == "missed" and run.status == "succeeded"
    assert len(inbox.posts) == 1


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("json://bot:hunter2@127.0.0.1:8080/hook/TOKEN", "json://***@127.0.0.1:8080/…"),
        ("mailto://amx:hunter2@mail.example.com", "mailto://***@mail.example.com"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://…"),
    ],
)
def test_urls_are_named_without_their_credentials(url: str, said: str) -> None:
    assert shown(url) == said
