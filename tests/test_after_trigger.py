"""The after trigger: a schedule fires once for each successful run of its upstream, exactly
once across workers; loops, unknown upstreams and itself are refused when saved."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Core
from core.clock import FrozenClock
from core.errors import AmxError, InvalidInput
from core.schedules.outcome import Outcome
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus
from core.schedules.triggers import (
    AfterTrigger,
    Trigger,
    after,
    describe,
    interval,
    next_fire_time,
    once,
    trigger_from_data,
    trigger_to_data,
)
from daemon.claim import Claimed
from daemon.execute import execute
from daemon.settle import finish_and_settle, release
from daemon.tick import tick
from tests.support.cli import Amx

PY = sys.executable


def append(path: Path, word: str) -> dict[str, Any]:
    """A run_command step that appends `word` to `path`."""
    code = f"open({str(path)!r}, 'a').write({word!r} + '\\n')"
    return {"kind": "run_command", "argv": [PY, "-c", code]}


FAIL = {"kind": "run_command", "argv": [PY, "-c", "raise SystemExit(5)"]}


def add(core: Core, name: str, trigger: Trigger, steps: list[dict[str, Any]], **kw: Any) -> int:
    spec = build_spec(name=name, trigger=trigger, timezone="UTC", steps=steps, **kw)
    return core.schedules.create(spec).id


def work(core: Core, clock: FrozenClock, ahead: timedelta = timedelta(seconds=1)) -> list[Any]:
    """One tick after `ahead`, and every unit it claimed run to its end."""
    clock.advance(ahead)
    return [execute(core, c) for c in tick(core, "w1", slots=10).claimed]


def runs_of(core: Core, schedule_id: int) -> list[Any]:
    return list(reversed(core.schedules.show(schedule_id).runs))


def test_the_trigger_is_stored_described_and_has_no_clock_time() -> None:
    trigger = AfterTrigger(upstream="nightly", upstream_id=3)
    data = trigger_to_data(trigger)
    assert data == {"kind": "after", "upstream": "nightly", "upstream_id": 3}
    assert trigger_from_data(data) == trigger
    assert describe(trigger, "UTC") == "after «nightly» succeeds"
    assert describe(AfterTrigger(upstream_id=7), "UTC") == "after «schedule 7» succeeds"
    assert next_fire_time(trigger, "UTC", datetime(2026, 12, 1, tzinfo=UTC)) is None
    with pytest.raises(InvalidInput, match="needs the name of the schedule"):
        after("  ")


def test_fires_once_for_each_upstream_success_and_not_on_failure(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    up = add(core, "nightly", interval("1h"), [append(log, "up")], max_retries=0)
    down = add(core, "report", after("nightly"), [append(log, "down")])
    shown = core.schedules.get(down)
    assert shown.rule == "after «nightly» succeeds"
    assert shown.status == "pending" and shown.next_fire_at is None
    assert shown.trigger == AfterTrigger(upstream="nightly", upstream_id=up)

    [first] = work(core, clock, timedelta(hours=1))
    assert first.status == "succeeded"
    [chained] = work(core, clock)
    assert chained.schedule_id == down and chained.trigger == "after"
    assert chained.status == "succeeded"
    assert chained.note == f"after run {first.id} of «nightly» succeeded"
    assert core.schedules.get(down).status == "pending"
    assert core.schedules.get(down).next_fire_at is None
    assert work(core, clock) == []  # nothing more until the upstream succeeds again

    core.schedules.run_now(up)  # a run now counts as a success too
    [again] = work(core, clock)
    assert again.trigger == "manual" and again.status == "succeeded"
    [chained_again] = work(core, clock)
    assert chained_again.schedule_id == down and chained_again.status == "succeeded"
    assert log.read_text().split() == ["up", "down", "up", "down"]

    core.schedules.edit(up, {"steps": [FAIL]}, expected_version=core.schedules.get(up).version)
    [failed] = work(core, clock, timedelta(hours=1))
    assert failed.schedule_id == up and failed.status == "failed"
    assert work(core, clock) == []
    assert len(runs_of(core, down)) == 2


def test_chains_and_paused_downstream(core: Core, clock: FrozenClock, tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    up = add(core, "a", interval("1h"), [append(log, "a")])
    b = add(core, "b", after("a"), [append(log, "b")])
    c = add(core, "c", after("b"), [append(log, "c")])
    skipped = add(core, "paused", after("a"), [append(log, "never")])
    core.schedules.pause(skipped)
    work(core, clock, timedelta(hours=1))
    work(core, clock)
    work(core, clock)
    assert log.read_text().split() == ["a", "b", "c"]
    assert [len(runs_of(core, s)) for s in (up, b, c, skipped)] == [1, 1, 1, 0]


def test_a_failed_after_run_is_retried_and_resumes_at_the_failed_step(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log, marker = tmp_path / "log.txt", tmp_path / "marker"
    flaky = (
        "import os, sys\n"
        f"m = {str(marker)!r}\n"
        "if not os.path.exists(m):\n"
        "    open(m, 'w').close(); sys.exit(3)\n"
        f"open({str(log)!r}, 'a').write('two\\n')\n"
    )
    add(core, "nightly", interval("1h"), [append(log, "up")])
    down = add(
        core,
        "report",
        after("nightly"),
        [append(log, "one"), {"kind": "run_command", "argv": [PY, "-c", flaky]}],
        max_retries=1,
    )
    work(core, clock, timedelta(hours=1))
    [failed] = work(core, clock)
    assert failed.status == "failed" and failed.trigger == "after"
    info = core.schedules.get(down)
    assert info.status == "pending"
    assert info.note is not None and info.note.startswith("attempt 1 failed: ")
    assert work(core, clock) == []  # the retry waits out its backoff
    [retried] = work(core, clock, timedelta(seconds=45))
    assert (retried.trigger, retried.attempt, retried.status) == ("retry", 2, "succeeded")
    steps = core.runs.steps.of_run(retried.id)
    assert [(s.status, s.carried_from) for s in steps] == [
        ("succeeded", failed.id),
        ("succeeded", None),
    ]
    assert log.read_text().split() == ["up", "one", "two"]
    assert core.schedules.get(down).note is None


def test_the_last_failure_waits_for_the_next_upstream_success(
    core: Core, clock: FrozenClock
) -> None:
    add(core, "nightly", interval("1h"), [{"kind": "run_command", "argv": ["true"]}])
    down = add(core, "report", after("nightly"), [FAIL], max_retries=0)
    work(core, clock, timedelta(hours=1))
    [failed] = work(core, clock)
    assert failed.status == "failed"
    info = core.schedules.get(down)
    assert info.status == "pending"
    assert info.note is not None and info.note.startswith("last run failed after 1 attempt:")
    assert work(core, clock, timedelta(minutes=5)) == []


def test_a_loop_is_refused_naming_it(core: Core) -> None:
    step = [{"kind": "run_command", "argv": ["true"]}]
    a = add(core, "a", interval("1h"), step)
    add(core, "b", after("a"), step)
    add(core, "c", after("b"), step)
    version = core.schedules.get(a).version
    with pytest.raises(InvalidInput) as refused:
        core.schedules.edit(a, {"trigger": after("c")}, expected_version=version)
    assert refused.value.field == "after"
    assert "a → b → c → a" in refused.value.message
    with pytest.raises(InvalidInput, match="cannot run after itself"):
        core.schedules.edit(a, {"trigger": after("a")}, expected_version=version)
    assert core.schedules.get(a).rule == "every 1h"  # nothing changed


def test_the_upstream_is_read_as_saving_would_find_it(core: Core) -> None:
    step = [{"kind": "run_command", "argv": ["true"]}]
    a = add(core, "Nightly", interval("1h"), step)
    b = add(core, "b", after("nightly"), step)
    assert core.schedules.upstream(after("NIGHTLY")).id == a
    assert core.schedules.upstream(after("b"), own_id=None).id == b
    for trigger, own, said in (
        (after("nope"), None, "no schedule named 'nope' to run after"),
        (after("b"), b, "cannot run after itself"),
        (after("b"), a, "would form a loop (Nightly → b → Nightly)"),
    ):
        with pytest.raises(InvalidInput, match=said.replace("(", r"\(").replace(")", r"\)")):
            core.schedules.upstream(trigger, own)


def test_an_unknown_upstream_is_refused(core: Core) -> None:
    step = [{"kind": "run_command", "argv": ["true"]}]
    with pytest.raises(InvalidInput) as refused:
        add(core, "report", after("nope"), step)
    assert refused.value.field == "after"
    assert refused.value.message == (
        "no schedule named 'nope' to run after; give the name of an existing schedule."
    )
    assert core.schedules.list().total == 0


def test_renaming_or_deleting_the_upstream(core: Core) -> None:
    step = [{"kind": "run_command", "argv": ["true"]}]
    up = add(core, "nightly", interval("1h"), step)
    down = add(core, "report", after("NIGHTLY"), step)  # names compare as names do
    assert core.schedules.get(down).rule == "after «nightly» succeeds"
    core.schedules.edit(up, {"name": "nightly-v2"}, expected_version=core.schedules.get(up).version)
    assert core.schedules.get(down).rule == "after «nightly-v2» succeeds"
    core.schedules.delete(up)
    kept = core.schedules.get(down)
    assert kept.status == "pending"
    assert kept.note == (
        "the schedule it runs after («nightly-v2») was deleted; it will not fire until you "
        "choose another upstream"
    )
    with pytest.raises(InvalidInput, match="was deleted; choose another upstream"):
        core.schedules.edit(down, {"name": "report-2"}, expected_version=kept.version)
    add(core, "weekly", once("2026-12-24 09:00"), step)
    moved = core.schedules.edit(down, {"trigger": after("weekly")}, expected_version=kept.version)
    assert moved.rule == "after «weekly» succeeds" and moved.note is None


def test_exactly_once_with_two_workers(core: Core, clock: FrozenClock) -> None:
    """Two workers tick at once: each downstream run is claimed by one of them; and an upstream
    run whose outcome two writers record queues its downstream runs once."""
    step = [{"kind": "run_command", "argv": ["true"]}]
    up = add(core, "nightly", interval("1h"), step)
    downs = [add(core, f"report-{i}", after("nightly"), step) for i in range(6)]
    clock.advance(timedelta(hours=1))
    [claimed] = tick(core, "w0", slots=1).claimed
    done = Outcome(RunStatus.SUCCEEDED, {})
    settled: list[str] = []

    def settle() -> None:
        try:
            finish_and_settle(core.db, clock.now(), claimed.run_id, done)
            settled.append("ok")
        except AmxError as exc:
            settled.append(type(exc).__name__)

    writers = [threading.Thread(target=settle) for _ in range(2)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    assert sorted(settled) == ["ClaimLost", "ok"]

    claims: dict[str, list[Claimed]] = {"w1": [], "w2": []}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        start.wait()
        for _ in range(4):
            claims[name] += tick(core, name, slots=2).claimed

    workers = [threading.Thread(target=worker, args=(n,)) for n in claims]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    every = claims["w1"] + claims["w2"]
    assert sorted(c.schedule_id for c in every) == downs
    assert len({c.run_id for c in every}) == len(downs)
    assert {c.trigger for c in every} == {"after"}
    assert all(len(runs_of(core, d)) == 1 for d in downs)
    assert up not in {c.schedule_id for c in every}


def test_cli_add_after(amx: Amx) -> None:
    common = ["--timezone", "UTC", "--db-profile", "shop", "--scope", "public.users"]
    assert amx("schedule", "add", "--name", "nightly", "--every", "1d", *common) == 0, amx.err
    assert amx("schedule", "add", "--name", "report", "--after", "nightly", *common) == 0, amx.err
    assert "added schedule 2 'report': Pending, next after «nightly» succeeds" in amx.out
    shown = amx.json("schedule", "show", "report")["schedule"]
    assert shown["trigger"] == {"kind": "after", "upstream": "nightly", "upstream_id": 1}
    assert shown["rule"] == "after «nightly» succeeds"
    assert amx("schedule", "show", "report") == 0
    assert "\nnext fire      when «nightly» next succeeds\n" in amx.out
    assert amx("schedule", "add", "--name", "x", "--after", "nope", *common) == 1
    assert amx.err == (
        "error: no schedule named 'nope' to run after; give the name of an existing schedule.\n"
    )
    assert amx("schedule", "edit", "nightly", "--after", "report") == 1
    assert "nightly → report → nightly" in amx.err


def test_cli_rm_names_what_ran_after_it_which_then_waits_on_nothing(amx: Amx) -> None:
    common = ["--timezone", "UTC", "--db-profile", "shop", "--scope", "public.users"]
    assert amx("schedule", "add", "--name", "nightly", "--every", "1d", *common) == 0, amx.err
    for name in ("report", "mail"):
        assert amx("schedule", "add", "--name", name, "--after", "nightly", *common) == 0
    assert amx("schedule", "rm", "nightly", "--yes") == 0, amx.err
    assert amx.out.splitlines() == [
        "deleted schedule 1 'nightly'; its run history is kept",
        "2 schedules that run after it will not fire until given another upstream: 'report' "
        "and 'mail'.",
    ]
    assert amx("schedule", "show", "report") == 0
    assert "\nnext fire      —\n" in amx.out
    assert "was deleted; it will not fire until you choose another upstream" in amx.out


def test_a_released_after_run_is_queued_again_and_a_lost_one_retried(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    add(core, "nightly", interval("1h"), [append(log, "up")])
    down = add(core, "report", after("nightly"), [append(log, "down")], max_retries=1)
    work(core, clock, timedelta(hours=1))
    clock.advance(timedelta(seconds=1))
    [claimed] = tick(core, "w1", slots=1).claimed
    assert claimed.trigger == "after"
    release(core.db, clock.now(), claimed.run_id, "released: the daemon stopped")
    [again] = tick(core, "w1", slots=1, lease=timedelta(seconds=5)).claimed
    assert (again.trigger, again.attempt) == ("after", 1)
    clock.advance(timedelta(seconds=10))  # its lease runs out: the worker is lost
    assert tick(core, "w2", slots=1).recovered == [again.run_id]
    assert core.runs.get(again.run_id).status == "failed"
    [retried] = work(core, clock, timedelta(seconds=45))
    assert (retried.trigger, retried.attempt, retried.status) == ("retry", 2, "succeeded")
    assert [r.status for r in runs_of(core, down)] == ["cancelled", "failed", "succeeded"]
    assert log.read_text().split() == ["up", "down"]
