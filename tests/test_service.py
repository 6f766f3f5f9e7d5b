"""The schedule service on SQLite and PostgreSQL: creating, editing, status changes, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from core.schedules.service import ListQuery
from core.schedules.spec import ScheduleSpec, build_spec
from core.schedules.triggers import cron, interval, once, trigger_to_data
from core.storage.tables import Run, Schedule

JAKARTA = "Asia/Jakarta"


def spec(name: str = "nightly", **overrides: Any) -> ScheduleSpec:
    fields: dict[str, Any] = {
        "name": name,
        "trigger": cron("0 9 * * *"),
        "timezone": JAKARTA,
        "db_profile": "shop",
        "scope": ["public.users"],
    }
    fields.update(overrides)
    return build_spec(**fields)


def snapshot(core: Core) -> list[tuple[Any, ...]]:
    with core.db.read() as s:
        rows = s.execute(select(Schedule).order_by(Schedule.id)).scalars().all()
        runs = s.scalar(select(func.count(Run.id)))
        return [(r.id, r.name, r.status, r.next_fire_at, r.version, r.deleted_at) for r in rows] + [
            ("runs", runs)
        ]


def test_create_cron_sets_next_local_fire(core: Core) -> None:
    info = core.schedules.create(spec())
    assert info.status == "pending"
    # now is 09:00 Jakarta; the next 09:00 is tomorrow.
    assert info.next_fire_at == datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    assert info.next_fire_local == "2026-11-22T09:00:00+07:00"
    assert info.rule == "cron 0 9 * * *"
    assert info.scope_summary == "public.users"
    assert info.llm_profile == "heuristic" and info.review_strategy == "manual"
    assert info.missed_policy == "ask" and info.misfire_grace_s == 60 and info.max_retries == 3


def test_create_once_and_interval(core: Core, clock: FrozenClock) -> None:
    one = core.schedules.create(spec("one", trigger=once("2026-11-21 10:30")))
    assert one.next_fire_at == datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
    every = core.schedules.create(spec("every", trigger=interval("15m")))
    assert every.next_fire_at == clock.now() + timedelta(minutes=15)
    assert trigger_to_data(every.trigger)["anchor"] is not None


def test_past_fire_at_is_refused_and_nothing_written(core: Core) -> None:
    before = snapshot(core)
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(spec(trigger=once("2026-11-21 08:59")))
    assert err.value.field == "fire_at" and "past" in str(err.value)
    assert snapshot(core) == before


def test_unknown_profiles_are_refused(core: Core) -> None:
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(spec(db_profile="nope"))
    assert err.value.field == "db_profile" and "shop" in str(err.value)
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(spec(llm_profile="gpt"))
    assert err.value.field == "llm_profile"


def test_duplicate_name_is_a_conflict(core: Core) -> None:
    core.schedules.create(spec())
    before = snapshot(core)
    with pytest.raises(Conflict):
        core.schedules.create(spec())
    assert snapshot(core) == before


def test_stale_edit_is_refused_and_nothing_overwritten(core: Core) -> None:
    info = core.schedules.create(spec())
    core.schedules.update(info.id, spec(scope=["public.orders"]), expected_version=info.version)
    before = snapshot(core)
    with pytest.raises(Conflict, match="changed since you opened it"):
        core.schedules.update(info.id, spec(scope=["sales"]), expected_version=info.version)
    assert snapshot(core) == before
    assert core.schedules.get(info.id).scope == ["public.orders"]


def test_edit_keeps_paused_and_recomputes_fire_time(core: Core) -> None:
    info = core.schedules.create(spec())
    paused = core.schedules.pause(info.id)
    edited = core.schedules.update(
        info.id, spec(trigger=cron("30 7 * * *")), expected_version=paused.version
    )
    assert edited.status == "paused"
    assert edited.next_fire_at == datetime(2026, 11, 22, 0, 30, tzinfo=UTC)
    assert edited.version == paused.version + 1


def test_pause_resume_and_illegal_transitions(core: Core) -> None:
    info = core.schedules.create(spec())
    assert core.schedules.pause(info.id).status == "paused"
    before = snapshot(core)
    with pytest.raises(IllegalTransition, match="it is Paused; only a Pending schedule"):
        core.schedules.pause(info.id)
    assert snapshot(core) == before
    assert core.schedules.resume(info.id).status == "pending"
    with pytest.raises(IllegalTransition):
        core.schedules.resume(info.id)


@pytest.mark.parametrize(
    ("policy", "status", "fires_now"),
    [("ask", "missed", False), ("skip", "pending", False), ("run_once", "pending", True)],
)
def test_resume_after_fire_time_applies_missed_policy(
    core: Core, clock: FrozenClock, policy: str, status: str, fires_now: bool
) -> None:
    info = core.schedules.create(spec(missed_policy=policy))
    core.schedules.pause(info.id)
    clock.advance(timedelta(days=3))
    resumed = core.schedules.resume(info.id)
    assert resumed.status == status
    assert resumed.note is not None and "3 occurrences missed" in resumed.note
    if fires_now:
        assert resumed.next_fire_at == clock.now()
    elif status == "pending":
        assert resumed.next_fire_at == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    runs = core.schedules.show(info.id).runs
    assert [r.status for r in runs] == ["missed"]


def test_detect_missed_respects_grace(core: Core, clock: FrozenClock) -> None:
    info = core.schedules.create(spec(trigger=once("2026-11-21 10:00")))
    clock.set(datetime(2026, 11, 21, 3, 0, 59, tzinfo=UTC))
    assert core.schedules.detect_missed() == []
    clock.advance(timedelta(seconds=2))
    [missed] = core.schedules.detect_missed()
    assert missed.id == info.id and missed.status == "missed"
    assert "no daemon" in (missed.note or "")
    assert core.schedules.detect_missed() == []


def test_missed_once_run_now_and_skip(core: Core, clock: FrozenClock) -> None:
    a = core.schedules.create(spec("a", trigger=once("2026-11-21 10:00")))
    b = core.schedules.create(spec("b", trigger=once("2026-11-21 10:00")))
    clock.advance(timedelta(hours=2))
    core.schedules.detect_missed()
    fired = core.schedules.run_now(a.id)
    assert fired.run is None
    assert fired.schedule.status == "pending" and fired.schedule.next_fire_at == clock.now()
    assert core.schedules.skip(b.id).status == "cancelled"
    with pytest.raises(IllegalTransition):
        core.schedules.skip(a.id)


def test_an_edit_leaving_a_passed_one_shot_time_as_it_was_keeps_where_it_stands(
    core: Core, clock: FrozenClock
) -> None:
    a = core.schedules.create(spec("a", trigger=once("2026-11-21 10:00")))
    b = core.schedules.create(spec("b", trigger=once("2026-11-21 10:00")))
    clock.advance(timedelta(hours=2))
    missed = {m.id: m for m in core.schedules.detect_missed()}
    was = missed[a.id]
    assert was.note is not None
    assert was.note.startswith("1 occurrence missed since 2026-11-21 10:00 Asia/Jakarta: ")
    edited = core.schedules.edit(
        a.id, {"name": "quarter-end", "scope": ["public.orders"]}, expected_version=was.version
    )
    assert (edited.status, edited.next_fire_at, edited.note) == (
        "missed",
        was.next_fire_at,
        was.note,
    )
    assert edited.name == "quarter-end" and edited.scope == ["public.orders"]
    assert edited.version == was.version + 1
    assert core.schedules.run_now(a.id).schedule.status == "pending"  # still its choice to make
    # Another past time is refused as ever; a later one arms it again.
    version = missed[b.id].version
    with pytest.raises(InvalidInput, match="is in the past"):
        core.schedules.edit(b.id, {"trigger": once("2026-11-21 10:30")}, expected_version=version)
    again = core.schedules.edit(
        b.id, {"trigger": once("2026-11-22 10:00")}, expected_version=version
    )
    assert again.status == "pending" and again.next_fire_at == datetime(2026, 11, 22, 3, tzinfo=UTC)


def test_skip_recurring_moves_to_next_occurrence(core: Core, clock: FrozenClock) -> None:
    info = core.schedules.create(spec())
    clock.advance(timedelta(days=1, hours=1))
    core.schedules.detect_missed()
    skipped = core.schedules.skip(info.id)
    assert skipped.status == "pending"
    assert skipped.next_fire_at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_run_now_queues_out_of_band_run(core: Core, clock: FrozenClock) -> None:
    info = core.schedules.create(spec())
    result = core.schedules.run_now(info.id)
    assert result.run is not None
    assert result.run.status == "queued" and result.run.trigger == "manual"
    assert result.run.scheduled_for == clock.now()
    # The regular trigger is untouched.
    assert core.schedules.get(info.id).next_fire_at == info.next_fire_at


def test_delete_keeps_history_and_frees_the_name(core: Core) -> None:
    info = core.schedules.create(spec())
    core.schedules.run_now(info.id)
    core.schedules.delete(info.id)
    with pytest.raises(NotFound):
        core.schedules.get(info.id)
    with core.db.read() as s:
        runs = s.scalars(select(Run).where(Run.schedule_id == info.id)).all()
        assert [r.status for r in runs] == ["cancelled"]
    again = core.schedules.create(spec())
    assert again.id != info.id


def test_unknown_id_is_not_found(core: Core) -> None:
    with pytest.raises(NotFound, match="no schedule with id 42"):
        core.schedules.pause(42)


def test_list_filters_sorts_pages_and_counts(core: Core) -> None:
    for i in range(12):
        core.schedules.create(spec(f"job-{i:02d}", trigger=cron(f"{i} 10 * * *")))
    core.schedules.create(spec("orders-audit", scope=["public.orders"]))
    for i in range(3):
        core.schedules.pause(i + 1)
    page = core.schedules.list(ListQuery(limit=5))
    assert page.total == 13 and len(page.items) == 5
    assert [s.name for s in page.items][:2] == ["job-00", "job-01"]
    paused = core.schedules.list(ListQuery(statuses=frozenset({"paused"})))
    assert paused.total == 3
    assert core.schedules.list(ListQuery(text="orders")).total == 1
    assert core.schedules.list(ListQuery(text="job-1")).total == 2
    by_name = core.schedules.list(ListQuery(sort="name", descending=True, offset=1, limit=2))
    assert [s.name for s in by_name.items] == ["job-11", "job-10"]
    counts = core.schedules.counts()
    assert counts["pending"] == 10 and counts["paused"] == 3 and counts["missed"] == 0


def test_text_filter_treats_wildcards_literally(core: Core) -> None:
    core.schedules.create(spec("a_b"))
    core.schedules.create(spec("axb"))
    assert [s.name for s in core.schedules.list(ListQuery(text="a_b")).items] == ["a_b"]


def test_show_returns_last_100_runs_newest_first(core: Core, clock: FrozenClock) -> None:
    info = core.schedules.create(spec())
    with core.db.write() as s:
        for i in range(130):
            s.add(
                Run(
                    schedule_id=info.id,
                    scheduled_for=clock.now() - timedelta(days=i),
                    trigger="schedule",
                    attempt=1,
                    status="succeeded",
                    created_at=clock.now(),
                )
            )
    detail = core.schedules.show(info.id)
    assert len(detail.runs) == 100 and detail.runs_total == 130
    assert detail.runs[0].id > detail.runs[-1].id


def test_one_occurrence_is_recorded_once(core: Core, clock: FrozenClock) -> None:
    info = core.schedules.create(spec())
    with core.db.write() as s:
        s.add(
            Run(
                schedule_id=info.id,
                scheduled_for=clock.now(),
                trigger="schedule",
                attempt=1,
                status="running",
                created_at=clock.now(),
            )
        )
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), core.db.write() as s:
        s.add(
            Run(
                schedule_id=info.id,
                scheduled_for=clock.now(),
                trigger="schedule",
                attempt=2,
                status="running",
                created_at=clock.now(),
            )
        )


def test_next_due_probe(core: Core) -> None:
    assert core.schedules.next_due() is None
    a = core.schedules.create(spec("a", trigger=cron("0 12 * * *")))
    core.schedules.create(spec("b", trigger=cron("0 13 * * *")))
    assert core.schedules.next_due() == (a.id, datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
    core.schedules.pause(a.id)
    due = core.schedules.next_due()
    assert due is not None and due[1] == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def test_long_outage_of_a_frequent_schedule_is_counted_up_to_a_cap(
    core: Core, clock: FrozenClock
) -> None:
    info = core.schedules.create(spec(trigger=cron("* * * * *"), missed_policy="skip"))
    clock.advance(timedelta(days=2))
    [missed] = core.schedules.detect_missed()
    assert missed.id == info.id and missed.status == "pending"
    assert missed.note is not None and missed.note.startswith("1000 or more occurrences missed")
    assert missed.next_fire_at == clock.now() + timedelta(minutes=1)


def test_interval_anchor_is_a_whole_minute_and_survives_unrelated_edits(
    core: Core, clock: FrozenClock
) -> None:
    clock.advance(timedelta(seconds=42, microseconds=5))
    info = core.schedules.create(spec(trigger=interval("6h")))
    assert trigger_to_data(info.trigger)["anchor"] == "2026-11-21T02:00:00Z"
    assert info.next_fire_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    clock.advance(timedelta(hours=1))
    edited = core.schedules.update(
        info.id, spec(trigger=interval("6h"), scope=["sales"]), expected_version=info.version
    )
    assert trigger_to_data(edited.trigger)["anchor"] == "2026-11-21T02:00:00Z"
