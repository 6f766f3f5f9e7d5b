"""Heartbeat rows for daemons on other hosts, as a team's shared database holds them."""

from __future__ import annotations

from datetime import datetime

from core.storage.engine import Database
from core.storage.tables import Worker


def add_worker(
    db: Database, host: str, seen: datetime, skew: float | None = None, pid: int = 4242
) -> str:
    """A running worker on `host` last seen at `seen`, `skew` seconds off the database clock."""
    worker_id = f"{host}:{pid}:a1b2c3"
    with db.write() as session:
        row = Worker(id=worker_id, host=host, pid=pid, started_at=seen, last_seen_at=seen,
                     version="1.0.0", clock_skew_s=skew)  # fmt: skip
        session.add(row)
    return worker_id
