"""Every run records its log as it goes, under its claim; a scope whose tables are all gone fails
the run in one sentence naming the DB profile and the scope."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.analysis.job import Progress
from core.api import Core
from core.clock import FrozenClock
from core.schedules.outcome import ClaimLost
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus
from core.schedules.triggers import cron
from daemon.claim import claim_due
from daemon.tick import tick
from tests.support.fake_llm import FakeLlm, add_profile, malformed


def _make(core: Core, name: str, scope: list[str], **kw: object) -> int:
    spec = build_spec(name=name, trigger=cron("*/5 * * * *"), timezone="UTC",
                      db_profile="shop", scope=scope, **kw)  # fmt: skip
    return core.schedules.create(spec).id


def _texts(core: Core, run_id: int) -> list[tuple[str, str]]:
    return [(line.level, line.text) for line in core.runs.log.lines(run_id)]


def test_a_run_writes_its_log_table_by_table_as_it_goes(core: Core, db_url: str) -> None:
    sid = _make(core, "logged", ["public"])
    run = core.runs.start_here(sid)
    seen_by_another_process: list[tuple[int, int]] = []
    other = Core.open(db_url)

    def watch(p: Progress) -> None:  # what a follower sees while the run is still going
        seen_by_another_process.append((p.done, len(other.runs.log.lines(run.id))))

    try:
        done = core.job.execute(sid, run.id, progress=watch)
    finally:
        other.close()
    assert done.status == "succeeded"
    lines = _texts(core, run.id)
    print("\n".join(f"{level}: {text}" for level, text in lines))
    assert lines[0] == (
        "info",
        "analysing 2 tables of public in DB profile 'shop' with LLM profile 'heuristic' "
        "(manual review)",
    )
    # The tables are analysed two at a time: either may come first, but the counts go up.
    heads = [text.split(": ")[0] for _, text in lines[1:3]]
    assert [h[:5] for h in heads] == ["[1/2]", "[2/2]"]
    assert sorted(h[6:] for h in heads) == ["public.orders", "public.users"]
    assert lines[-1][0] == "info" and lines[-1][1].startswith("succeeded: 2 tables, 10 columns")
    # Once a table is done, its line is there for others to read.
    assert all(count >= 1 + done for done, count in seen_by_another_process)
    later = core.runs.log.lines(run.id, after=core.runs.log.lines(run.id)[1].id)
    assert [line.text for line in later] == [text for _, text in lines[2:]]


def test_dropped_tables_fail_the_run_naming_the_profile_and_the_scope(
    core: Core, tmp_path: Path
) -> None:
    sid = _make(core, "orders only", ["public.orders"])
    with sqlite3.connect(tmp_path / "shop" / "public.db") as conn:
        conn.execute("DROP TABLE orders")
    conn.close()
    run = core.runs.start_here(sid)
    done = core.job.execute(sid, run.id)
    print(done.status, done.error)
    assert done.status == RunStatus.FAILED
    assert done.error == (
        "the scope public.orders matches no table in DB profile 'shop' now; the tables were "
        "dropped or renamed since the schedule was saved: edit its scope."
    )
    assert ("warning", "no longer in the database: public.orders") in _texts(core, run.id)
    assert _texts(core, run.id)[-1] == ("error", f"failed: {done.error}")


def test_the_llms_refusals_are_in_the_log(core: Core) -> None:
    with FakeLlm() as llm:
        llm.script(malformed(), malformed())
        sid = _make(core, "refused", ["public.orders"], llm_profile=add_profile(core, llm))
        run = core.runs.start_here(sid)
        done = core.job.execute(sid, run.id)
    assert done.status == RunStatus.FAILED
    errors = [text for level, text in _texts(core, run.id) if level == "error"]
    print(errors)
    assert errors[0].startswith("[1/1] public.orders the LLM gave no annotation: ")


def test_a_writer_that_lost_its_claim_writes_no_log_line(core: Core, clock: FrozenClock) -> None:
    sid = _make(core, "stalled", ["public"])
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    [claimed] = claim_due(core.db, clock.now(), "stalled:1:x", 1, timedelta(seconds=90))
    core.runs.log.write(claimed.run_id, "info", "written while the claim holds")
    clock.advance(timedelta(seconds=91))
    with pytest.raises(ClaimLost, match="lease ran out"):
        core.runs.log.write(claimed.run_id, "info", "written after the lease ran out")
    assert tick(core, "w2", slots=0).recovered == [claimed.run_id]
    ended = core.job.analyse(sid, claimed.run_id)  # the frozen worker wakes and carries on
    assert ended.status == RunStatus.FAILED and "lost its claim" in (ended.error or "")
    assert _texts(core, claimed.run_id) == [("info", "written while the claim holds")]


def test_a_long_line_is_cut(core: Core) -> None:
    run = core.runs.start_here(_make(core, "long", ["public"]))
    core.runs.log.write(run.id, "warning", "x" * 5000)
    [line] = core.runs.log.lines(run.id)
    assert len(line.text) == 2000 and line.text.endswith("…")
