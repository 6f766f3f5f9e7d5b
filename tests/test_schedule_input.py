"""The core owns schedule input: typed text becomes a trigger in one place, an edit is a patch,
views are typed, and refusals are told apart by type, not by wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from core.api import Core
from core.clock import FrozenClock
from core.errors import InvalidInput, NameTaken, NotFound, StaleEdit
from core.schedules.service import ListQuery
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus, Status
from core.schedules.triggers import (
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    cron,
    parse_trigger,
)
from core.storage.engine import _alembic_config
from core.storage.tables import Schedule
from studio_tui.commands.hints import explain

JAKARTA = "Asia/Jakarta"


def add(core: Core, name: str = "nightly", **overrides: Any) -> int:
    fields: dict[str, Any] = {
        "name": name,
        "trigger": cron("0 2 * * *"),
        "timezone": JAKARTA,
        "db_profile": "shop",
        "scope": ["public.users"],
        "max_retries": 7,
        "misfire_grace_s": 300,
    }
    return core.schedules.create(build_spec(**{**fields, **overrides})).id


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        ("once", "2026-11-22 09:30", OnceTrigger(fire_at=datetime(2026, 11, 22, 9, 30))),
        ("once", "+1h", OnceTrigger(fire_at=datetime(2026, 11, 21, 10, 0))),
        ("once", "tomorrow 07:15", OnceTrigger(fire_at=datetime(2026, 11, 22, 7, 15))),
        ("cron", "  0  9 * * 1-5 ", CronTrigger(expr="0 9 * * 1-5")),
        ("cron", "@DAILY", CronTrigger(expr="@daily")),
        ("interval", "1h30m", IntervalTrigger(every_seconds=5400)),
    ],
)
def test_parse_trigger_reads_what_people_type(kind: str, typed: str, expected: object) -> None:
    now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta
    assert parse_trigger(kind, typed, JAKARTA, now) == expected


def test_parse_trigger_refuses_an_unknown_kind_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_trigger("weekly", "mon", "UTC", datetime(2026, 1, 1, tzinfo=UTC))
    assert caught.value.field == "trigger" and "once, cron, interval or after" in str(caught.value)


def test_an_edit_is_a_patch_and_keeps_what_it_does_not_name(core: Core) -> None:
    sid = add(core, missed_policy="skip", review_strategy="auto")
    edited = core.schedules.edit(sid, {"name": "renamed"}, expected_version=1)
    assert edited.name == "renamed" and edited.version == 2
    assert (edited.max_retries, edited.misfire_grace_s) == (7, 300)
    assert (edited.missed_policy, edited.review_strategy) == ("skip", "auto")
    assert edited.trigger == CronTrigger(expr="0 2 * * *")
    moved = core.schedules.edit(sid, {"trigger": cron("30 4 * * *")}, expected_version=2)
    assert moved.rule == "cron 30 4 * * *" and moved.name == "renamed"


def test_an_edit_naming_no_setting_of_a_schedule_is_refused(core: Core) -> None:
    sid = add(core)
    with pytest.raises(InvalidInput) as caught:
        core.schedules.edit(sid, {"colour": "blue"}, expected_version=1)
    assert caught.value.field == "colour"
    assert core.schedules.get(sid).version == 1


def test_stale_edit_and_taken_name_are_different_errors(core: Core) -> None:
    first = add(core)
    second = add(core, "weekly")
    core.schedules.edit(first, {"max_retries": 1}, expected_version=1)
    with pytest.raises(StaleEdit) as stale:
        core.schedules.edit(first, {"max_retries": 2}, expected_version=1)
    assert stale.value.current_version == 2
    with pytest.raises(NameTaken) as taken:
        core.schedules.edit(second, {"name": "nightly"}, expected_version=1)
    assert taken.value.field == "name"


def test_views_carry_typed_triggers_and_statuses(core: Core) -> None:
    sid = add(core)
    info = core.schedules.get(sid)
    assert isinstance(info.trigger, CronTrigger) and info.status is Status.PENDING
    dumped = info.model_dump(mode="json")
    assert dumped["trigger"] == {"kind": "cron", "expr": "0 2 * * *"}
    assert dumped["status"] == "pending"
    run = core.schedules.run_now(sid).run
    assert run is not None and run.status is RunStatus.QUEUED
    with core.db.read() as session:
        row = session.get(Schedule, sid)
        assert row is not None and isinstance(row.trigger, CronTrigger)


def test_list_query_checks_its_own_statuses() -> None:
    assert ListQuery(statuses=frozenset({" Failed", "missed"})).statuses == {
        Status.FAILED,
        Status.MISSED,
    }
    with pytest.raises(InvalidInput) as caught:
        ListQuery(statuses=frozenset({"broken"}))
    assert caught.value.field == "status" and "pending" in str(caught.value)


def test_a_missed_schedule_carries_its_reason(core: Core, clock: FrozenClock) -> None:
    sid = add(core, trigger=cron("30 9 * * *"))
    clock.advance(timedelta(hours=1))
    core.schedules.detect_missed()
    missed = core.schedules.get(sid)
    assert missed.status is Status.MISSED
    assert missed.missed_reason == "no daemon has ever run here"
    skipped = core.schedules.skip(sid)
    assert skipped.missed_reason is None


def test_core_messages_name_no_option_and_the_command_line_adds_its_own(core: Core) -> None:
    with pytest.raises(NotFound) as caught:
        core.schedules.get(404)
    assert str(caught.value) == "no schedule with id 404."
    assert explain(caught.value) == "no schedule with id 404; list them with `amx schedule list`."
    with pytest.raises(InvalidInput) as refused:
        add(core, db_profile="nope")
    assert "amx" not in str(refused.value) and "--" not in str(refused.value)
    assert "`amx profile db add NAME URL` adds one" in explain(refused.value)


def test_migration_keeps_the_reason_of_a_schedule_missed_before(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:  # a database as the previous version left it
        command.upgrade(_alembic_config(conn), "0004")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO schedules (name, kind, trigger, timezone, db_profile, scope, llm_profile, "
            "review_strategy, status, missed_policy, misfire_grace_s, max_retries, retry_count, "
            "note, version, created_at, updated_at) VALUES ('old', 'analyze', "
            "'{\"kind\": \"cron\", \"expr\": \"0 2 * * *\"}', 'UTC', 'shop', '[\"main\"]', "
            "'heuristic', 'manual', 'missed', 'ask', 60, 3, 0, "
            "'1 occurrence missed since 2026-11-20T02:00:00+00:00: daemon not running "
            "(asleep/stopped); waiting for Run now or Skip', 1, '2026-11-01 00:00:00', "
            "'2026-11-01 00:00:00')"
        ))  # fmt: skip
    engine.dispose()
    core = Core.open(sqlite_url, FrozenClock(datetime(2026, 11, 21, tzinfo=UTC)))
    (old,) = core.schedules.list(ListQuery(statuses=frozenset({"missed"}))).items
    assert old.missed_reason == "daemon not running (asleep/stopped)"
    with core.db.engine.connect() as conn:
        indexes = conn.exec_driver_sql("PRAGMA index_list('schedules')").all()
    assert {"ix_schedules_due", "ix_schedules_next_text", "uq_schedules_live_name"} <= {
        row[1] for row in indexes
    }
    core.close()
