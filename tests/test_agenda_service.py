"""The agenda service on SQLite and PostgreSQL: what it reads from the queue and run history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.api import Core
from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus
from core.schedules.triggers import cron
from core.storage.tables import Run

JAKARTA = "Asia/Jakarta"


def add(core: Core, name: str, expr: str, **overrides: Any) -> int:
    fields: dict[str, Any] = {
        "name": name,
        "trigger": cron(expr),
        "timezone": JAKARTA,
        "db_profile": "shop",
        "scope": ["main"],
    }
    fields.update(overrides)
    return core.schedules.create(build_spec(**fields)).id


def history(core: Core, schedule_id: int, minutes: list[int], clock: FrozenClock) -> None:
    """Finished runs of these lengths, a day apart, before now."""
    with core.db.write() as session:
        for n, length in enumerate(minutes, start=1):
            began = clock.now() - timedelta(days=n)
            session.add(
                Run(
                    schedule_id=schedule_id,
                    scheduled_for=began,
                    trigger="schedule",
                    attempt=1,
                    status=RunStatus.SUCCEEDED,
                    started_at=began,
                    finished_at=began + timedelta(minutes=length),
                    created_at=began,
                )
            )


def test_typical_run_length_is_the_median_of_finished_runs(core: Core, clock: FrozenClock) -> None:
    long = add(core, "long", "0 2 * * *")
    add(core, "later", "20 2 * * *")
    history(core, long, [25, 30, 40], clock)
    sources = {s.name: s for s in core.agenda.sources()}
    assert sources["long"].typical_run == timedelta(minutes=30)
    assert sources["later"].typical_run is None
    agenda = core.agenda.upcoming(JAKARTA, days=2)
    assert {(x.name, x.clashes_with) for d in agenda.days for x in d.lines} == {
        ("long", (2,)),
        ("later", (1,)),
    }


def test_only_live_schedules_that_may_fire_are_read(core: Core) -> None:
    kept = add(core, "kept", "0 2 * * *")
    paused = add(core, "paused", "0 3 * * *")
    gone = add(core, "gone", "0 4 * * *")
    stopped = add(core, "stopped", "0 5 * * *")
    core.schedules.pause(paused)
    core.schedules.delete(gone)
    core.schedules.cancel(stopped)
    assert [(s.id, s.status) for s in core.agenda.sources()] == [
        (kept, "pending"),
        (paused, "paused"),
    ]
    agenda = core.agenda.upcoming(JAKARTA, days=2)
    assert agenda.fires == 1 and agenda.paused_fires == 1
