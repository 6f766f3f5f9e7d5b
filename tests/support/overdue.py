"""Many overdue schedules at once, inserted in bulk (creating them one by one takes minutes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from core.schedules.triggers import cron
from core.storage.engine import Database
from core.storage.tables import Schedule


def fill_overdue(db: Database, count: int, now: datetime, *, prefix: str = "late") -> None:
    """`count` Pending daily schedules (missed policy ask) whose fire times passed 1 to 50 hours
    before `now`, one a minute apart."""
    rows = [
        {
            "name": f"{prefix}-{i:06d}",
            "kind": "analyze",
            "trigger": cron("0 2 * * *"),
            "timezone": "UTC",
            "db_profile": "shop",
            "scope": ["public.users"],
            "scenario": {
                "steps": [{"kind": "analyze", "profile": "shop", "scope": ["public.users"]}]
            },
            "status": "pending",
            "next_fire_at": now - timedelta(hours=1, minutes=i % 3000),
            "missed_policy": "ask",
            "misfire_grace_s": 60,
            "created_at": now - timedelta(days=3),
            "updated_at": now - timedelta(days=3),
        }
        for i in range(count)
    ]
    with db.write() as session:
        session.execute(insert(Schedule), rows)
