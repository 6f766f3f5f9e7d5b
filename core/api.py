"""One handle on the core for a front end: the database and the services over it."""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import Clock, SystemClock
from core.db import Database
from core.profiles import ProfileService
from core.service import ScheduleService


@dataclass(frozen=True)
class Core:
    """The database plus the service objects every front end calls."""

    db: Database
    clock: Clock
    schedules: ScheduleService
    profiles: ProfileService

    @classmethod
    def open(cls, url: str | None = None, clock: Clock | None = None) -> Core:
        """Open (creating or migrating) the database at `url` or the configured default."""
        clock = clock or SystemClock()
        db = Database(url)
        return cls(db, clock, ScheduleService(db, clock), ProfileService(db, clock))

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()
