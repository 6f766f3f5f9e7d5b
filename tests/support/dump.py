"""Every row of every table, on either backend: to prove a refused command changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, sorted, keyed by table name."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table: sorted(
                    (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr
                )
                for table in inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()
