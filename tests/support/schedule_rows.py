"""Schedules written straight into the table, as the product stores them, for tests of
listing and text search at a size; and migrating a test database to a revision."""

from __future__ import annotations

import json
import random
from typing import Any

from alembic import command
from sqlalchemy import create_engine, text

from core.api import Core
from core.catalog.scope import format_path
from core.schedules.service import ListQuery
from core.schedules.views import Page
from core.storage.engine import _alembic_config

# Names meant to trip a substring filter: wildcards, escapes, quotes, FTS5 syntax, unicode.
ODD = [
    "100% done", "under_score", "back\\slash", "it's quoted", 'say "hi"', 'a""b', "a AND b",
    "x OR y", "NOT this", "star*", "NEAR(a b)", "col:umn", "^caret", "{x y}", "(paren)",
    "Crème brûlée", "CRÈME", "Straße", "STRASSE", "İstanbul", "ıi", "\u212aelvin sign", "ſ long s",  # noqa: RUF001
    "日本語テーブル", "emoji 🎉 party", "tab\there", "naïve café", "%_\\", "'''", '"""',
    "ab", "a", "Ünïcödé", "ünïcödé", "MiXeD CaSe", "mixed case",
]  # fmt: skip
WORDS = ["orders", "users", "Nightly", "refunds", "eu-west", "sales", "ops", "finance"]


def fill_schedules(core: Core, count: int = 300, seed: int = 11) -> None:
    """`count` schedules with varied names and scopes, written as the product stores them."""
    rng = random.Random(seed)
    sqlite = core.db.is_sqlite
    rows: list[dict[str, Any]] = []
    for i in range(count):
        parts = [rng.choice(ODD), rng.choice(WORDS), f"#{i}"]
        rng.shuffle(parts)
        scope = [f"public.{rng.choice(WORDS).lower()}"]
        if i % 7 == 0:
            scope.append(format_path(("archive", rng.choice(ODD))))
        stamp = f"2026-11-{1 + i % 28:02d} 0{i % 10}:00:00"
        rows.append(
            {
                "name": " ".join(parts),
                # The JSON column writes with json.dumps: non-ASCII as \u escapes.
                "scope": json.dumps(scope, ensure_ascii=i % 2 == 0),
                "scenario": json.dumps(
                    {"steps": [{"kind": "analyze", "profile": "shop", "scope": ["public.users"]}]}
                ),
                "status": rng.choice(["pending", "paused", "failed", "completed"]),
                "due": None if i % 9 == 0 else (stamp if sqlite else stamp + "+00"),
                "now": stamp if sqlite else stamp + "+00",
                "deleted": (stamp if sqlite else stamp + "+00") if i % 13 == 0 else None,
                "kind": "analyze" if i % 11 else "cache_refresh",
            }
        )
    with core.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO schedules (name, name_key, kind, trigger, timezone, db_profile, "
                "scope, scenario, status, next_fire_at, missed_policy, misfire_grace_s, "
                "max_retries, retry_count, version, created_at, updated_at, deleted_at) VALUES "
                '(:name, :name, :kind, \'{"kind": "cron", "expr": "0 2 * * *"}\', \'UTC\', '
                "'shop', :scope, :scenario, :status, :due, 'ask', 60, 3, 0, 1, :now, :now, "
                ":deleted)"
            ),
            rows,
        )


def scanned(core: Core, query: ListQuery) -> Page:
    """`query`'s page as the full-scan path finds it."""
    service = core.schedules
    service._scan_text = True
    try:
        return service.list(query)
    finally:
        service._scan_text = False


def migrate_to(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or, `down`, downgrade) the database at `url` to `revision`."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            step = command.downgrade if down else command.upgrade
            step(_alembic_config(conn), revision)
            conn.commit()
    finally:
        engine.dispose()
