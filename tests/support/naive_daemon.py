"""A deliberately broken daemon for the negative control: it reads due work, then claims it
without a compare-and-set, and records runs by the time they ran. Never used by the product.

    python -m tests.support.naive_daemon URL LOGFILE
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from core.api import Core
from core.schedules.status import RunStatus
from core.storage.engine import Database
from core.storage.tables import Run, Schedule
from daemon import logs
from daemon.claim import Claimed
from daemon.worker import Worker, WorkerConfig


def naive_claim(
    db: Database, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    """Read, then write: nothing stops two workers from taking the same row."""
    with db.read() as session:
        due = session.execute(
            select(Schedule.id, Schedule.next_fire_at)
            .where(Schedule.status == "pending", Schedule.next_fire_at <= now)
            .order_by(Schedule.next_fire_at)
            .limit(limit)
        ).all()
    claimed = []
    for sid, _due in due:
        with db.write() as session:
            session.execute(
                update(Schedule)
                .where(Schedule.id == sid)
                .values(status="running", claimed_by=worker_id)
            )
            run = Run(schedule_id=sid, scheduled_for=datetime.now().astimezone(), trigger="schedule",
                      attempt=1, status=RunStatus.RUNNING, worker_id=worker_id, started_at=now,
                      lease_until=now + lease, created_at=now)  # fmt: skip
            session.add(run)
            session.flush()
            claimed.append(Claimed(run.id, sid, run.scheduled_for, "schedule", 1))
    return claimed


def main() -> None:
    url, log_file = sys.argv[1], Path(sys.argv[2])
    logs.setup(log_file)
    worker = Worker(Core.open(url), WorkerConfig(concurrency=2, poll=0.2), claim=naive_claim)
    worker.install_signal_handlers()
    worker.run()


if __name__ == "__main__":
    main()
