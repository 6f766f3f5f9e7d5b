"""The schema revisions this version ships, read from the migration files without alembic."""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
# Columns that upgrades moved elsewhere and dropped: one still there means an upgrade stopped
# half-way, and this version would leave what it holds behind.
RETIRED_COLUMNS = {"schedules": ("llm_profile", "review_strategy")}
_REVISION = re.compile(r"^revision = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision = (?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def known_revisions() -> list[str]:
    """The shipped migration revisions, oldest first."""
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found and down:
            parents[found[1]] = down[1]
    ordered, current = [], None
    children = {parent: rev for rev, parent in parents.items()}
    while current in children:
        current = children[current]
        ordered.append(current)
    return ordered


def head_revision() -> str:
    """The newest schema revision this version knows."""
    return known_revisions()[-1]
