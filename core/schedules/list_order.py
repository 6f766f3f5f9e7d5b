"""The schedule list's sort keys and the order each gives, free of SQLAlchemy: the service
orders through SQLAlchemy's expressions, a direct SQLite read through `order_by_sql`, and both
follow these definitions."""

from __future__ import annotations

from typing import Literal

from core.schedules.status import Status

# The status sort: what needs a person first.
SEVERITY = (
    Status.FAILED,
    Status.MISSED,
    Status.RUNNING,
    Status.PENDING,
    Status.PAUSED,
    Status.COMPLETED,
    Status.CANCELLED,
)
SortKey = Literal["next_fire_at", "name", "status", "id", "created_at", "updated_at"]
SORT_KEYS: tuple[SortKey, ...] = (
    "next_fire_at",
    "name",
    "status",
    "id",
    "created_at",
    "updated_at",
)

# Sorts an index serves in order: a page of common statuses walks it rather than sorting.
WALKED: frozenset[SortKey] = frozenset({"next_fire_at", "name", "id"})
# Sorts with an index of their own for each kind and status (migrations 0018 and 0024): a page
# of rarer statuses merges the first entries of each.
MERGED: frozenset[SortKey] = frozenset({"next_fire_at", "name"})


def order_by_sql(sort: SortKey, descending: bool) -> str:
    """The ORDER BY terms over the schedules table's columns: the key (statuses by SEVERITY),
    then the id; by next fire time, schedules without one come last either way."""
    column: str = sort
    if sort == "status":
        ranks = " ".join(f"WHEN '{s.value}' THEN {rank}" for rank, s in enumerate(SEVERITY))
        column = f"CASE status {ranks} ELSE {len(SEVERITY)} END"
    terms = [f"{column} {'DESC' if descending else 'ASC'}", "id"]
    if sort == "next_fire_at":
        terms.insert(0, "next_fire_at IS NULL")
    return ", ".join(terms)
