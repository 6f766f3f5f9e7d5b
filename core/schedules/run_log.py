"""A run's log: lines written as the run goes, each under the run's claim, and read back by id
so that a front end can follow a running run. No pydantic here: the daemon writes lines too."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from core.clock import Clock
from core.errors import StorageError
from core.schedules.outcome import ClaimLost, hold_claim
from core.storage.engine import Database
from core.storage.tables import RunLogLine

Level = Literal["info", "warning", "error"]
LINE_MAX = 2000  # characters kept of one line; a longer one ends in "…"
PAGE_MAX = 5000

_log = logging.getLogger("amx.runs")


@dataclass(frozen=True)
class LogLine:
    """One line of a run's log. `text` is stored as written: escape it where it is printed."""

    id: int
    run_id: int
    at: datetime
    level: Level
    text: str
    step_run_id: int | None = None  # the step that wrote it; None for the run's own lines

    def as_data(self) -> dict[str, Any]:
        """The line as JSON-ready data."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


class RunLog:
    """Write and read the lines of runs' logs."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def write(self, run_id: int, level: Level, text: str, step_run_id: int | None = None) -> None:
        """Append one line while the run's claim holds; ClaimLost, writing nothing, once the
        run has ended or its lease ran out (see `hold_claim`)."""
        if len(text) > LINE_MAX:
            text = text[: LINE_MAX - 1] + "…"
        with self.db.write() as session:
            now = self.clock.now()
            hold_claim(session, run_id, now)
            session.add(
                RunLogLine(run_id=run_id, at=now, level=level, text=text, step_run_id=step_run_id)
            )

    def lines(
        self,
        run_id: int,
        *,
        after: int = 0,
        limit: int = PAGE_MAX,
        step_run_id: int | None = None,
    ) -> list[LogLine]:
        """The run's lines with an id above `after`, oldest first (at most `limit`); only one
        step's lines when `step_run_id` is given."""
        query = select(RunLogLine).where(RunLogLine.run_id == run_id, RunLogLine.id > after)
        if step_run_id is not None:
            query = query.where(RunLogLine.step_run_id == step_run_id)
        with self.db.read() as session:
            rows = session.scalars(
                query.order_by(RunLogLine.id).limit(max(1, min(limit, PAGE_MAX)))
            ).all()
            return [
                LogLine(r.id, r.run_id, r.at, _level(r.level), r.text, r.step_run_id) for r in rows
            ]

    def writer(self, run_id: int, step_run_id: int | None = None) -> RunLogWriter:
        """A writer of one run's lines (of one of its steps), for the code doing the run."""
        return RunLogWriter(self, run_id, step_run_id)


def _level(text: str) -> Level:
    return "warning" if text == "warning" else "error" if text == "error" else "info"


class RunLogWriter:
    """Writes one run's lines. Once the run's claim is lost it writes nothing more and every
    call raises ClaimLost, so the run stops too; a database that is briefly away costs a line,
    never the run."""

    def __init__(self, log: RunLog, run_id: int, step_run_id: int | None = None) -> None:
        self.log = log
        self.run_id = run_id
        self.step_run_id = step_run_id
        self.lost: ClaimLost | None = None

    def info(self, text: str) -> None:
        """Progress."""
        self.write("info", text)

    def warning(self, text: str) -> None:
        """Something the person should know that did not fail the run."""
        self.write("warning", text)

    def error(self, text: str) -> None:
        """Something that failed (a table, or the whole run)."""
        self.write("error", text)

    def write(self, level: Level, text: str) -> None:
        """Append one line (see the class)."""
        if self.lost is not None:
            raise self.lost
        try:
            self.log.write(self.run_id, level, text, self.step_run_id)
        except ClaimLost as exc:
            self.lost = exc
            raise
        except StorageError as exc:
            _log.warning("run %s: a log line was not written: %s", self.run_id, exc)
