"""The agenda service: reads what fires from the queue and its run history, then builds the
agenda with the pure `build_agenda`."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.choices import DEFAULT_DAYS
from core.clock import Clock
from core.schedules.agenda import FIRING, Agenda, AgendaSource, build_agenda
from core.schedules.status import RunStatus
from core.schedules.triggers import default_zone_name
from core.storage.engine import Database
from core.storage.tables import Run, Schedule

# A schedule's typical run length is the median of this many of its latest finished runs.
HISTORY_RUNS = 20


class AgendaService:
    """The fires of the coming days, as front ends show them."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def sources(self) -> list[AgendaSource]:
        """Every live schedule that may fire, with its typical run length."""
        columns = (
            Schedule.id,
            Schedule.name,
            Schedule.status,
            Schedule.trigger,
            Schedule.timezone,
            Schedule.db_profile,
            Schedule.next_fire_at,
            Schedule.kind,
        )
        with self.db.read() as session:
            rows = session.execute(
                select(*columns)
                .where(Schedule.deleted_at.is_(None), Schedule.status.in_(sorted(FIRING)))
                .order_by(Schedule.id)
            ).all()
            typical = self._typical_runs(session)
        return [
            AgendaSource(
                id=row.id,
                name=row.name,
                status=row.status,
                trigger=row.trigger,
                timezone=row.timezone,
                db_profile=row.db_profile,
                next_fire_at=row.next_fire_at,
                kind=row.kind,
                typical_run=typical.get(row.id),
            )
            for row in rows
        ]

    @staticmethod
    def _typical_runs(session: Session) -> dict[int, timedelta]:
        latest = (
            select(
                Run.schedule_id,
                Run.started_at,
                Run.finished_at,
                func.row_number()
                .over(partition_by=Run.schedule_id, order_by=Run.id.desc())
                .label("nth"),
            )
            .where(
                Run.status.in_([RunStatus.SUCCEEDED, RunStatus.FAILED]),
                Run.started_at.is_not(None),
                Run.finished_at.is_not(None),
            )
            .subquery()
        )
        found = session.execute(
            select(latest.c.schedule_id, latest.c.started_at, latest.c.finished_at).where(
                latest.c.nth <= HISTORY_RUNS
            )
        ).all()
        seconds: dict[int, list[float]] = defaultdict(list)
        for schedule_id, started, finished in found:
            seconds[schedule_id].append((finished - started).total_seconds())
        return {key: timedelta(seconds=median(values)) for key, values in seconds.items()}

    def upcoming(self, viewer_zone: str | None = None, days: int = DEFAULT_DAYS) -> Agenda:
        """Every fire from now over `days` calendar days in `viewer_zone` (default: this
        machine's zone)."""
        return build_agenda(
            self.sources(), viewer_zone or default_zone_name(), self.clock.now(), days
        )
