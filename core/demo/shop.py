"""The demo shop: three SQLite files built from the DDL and rows shipped in `core/demo/data`.

A file is replaced atomically (built beside it, flushed, renamed) and only when its rows differ,
so running the demo again leaves an unchanged shop untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["MAIN_FILE", "SCHEMA_FILES", "shop_size", "shop_url", "write_shop"]

MAIN_FILE = "shop.db"
# Schema name -> file; "main" is the file the profile URL names, the others are attached.
SCHEMA_FILES: tuple[tuple[str, str], ...] = (("sales", "sales.db"), ("crm", "crm.db"))
STALE_TEMP_S = 3600

Row = dict[str, Any]


def _data(name: str) -> str:
    return (resources.files("core.demo") / "data" / name).read_text(encoding="utf-8")


def _statements(script: str) -> tuple[str, ...]:
    """The script's statements without their closing semicolons, as SQLite stores them."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";"))
            pending = ""
    if pending.strip():
        raise ValueError(f"unfinished statement in the demo DDL: {pending.strip()[:60]!r}")
    return tuple(statements)


def _rows(schema: str) -> dict[str, list[Row]]:
    """The rows of a schema's tables, in insertion order; stored as columns plus value lists."""
    tables: dict[str, dict[str, Any]] = json.loads(_data(f"{schema}.json"))
    return {
        name: [dict(zip(table["columns"], values, strict=True)) for values in table["rows"]]
        for name, table in tables.items()
    }


def _build(path: Path, ddl: tuple[str, ...], tables: dict[str, list[Row]]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # No journal: the file is private until it is renamed into place.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("BEGIN")
        for statement in ddl:
            connection.execute(statement)
        for table, rows in tables.items():
            columns = list(rows[0])
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                [tuple(row[c] for c in columns) for row in rows],
            )
        connection.execute("COMMIT")
    finally:
        connection.close()


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _same_rows(path: Path, temp: Path) -> bool:
    """Whether the shop file at `path` already holds what `temp` holds. Read through SQLite, as a
    studio of this process may have `path` open: closing a plain descriptor of it would drop
    that connection's locks."""
    try:
        return _dump(path) == _dump(temp)
    except sqlite3.DatabaseError:
        return False


def _fsync(path: Path, directory: bool = False) -> None:
    if directory and os.name != "posix":
        return  # Windows cannot open a directory to flush it
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, ddl: tuple[str, ...], tables: dict[str, list[Row]]) -> bool:
    """Build the file beside `path` and rename it into place; False when it was already so."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    temp = Path(name)
    try:
        _build(temp, ddl, tables)
        if path.is_file() and _same_rows(path, temp):
            temp.unlink()
            return False
        os.chmod(temp, 0o644)  # mkstemp makes it private; the demo is ordinary data
        _fsync(temp)
        os.replace(temp, path)
        _fsync(path.parent, directory=True)
        return True
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_shop(folder: Path) -> dict[str, Path]:
    """Write the shop's files into `folder` where they differ; each schema's file by name."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"main": folder / MAIN_FILE, **{s: folder / f for s, f in SCHEMA_FILES}}
    for leftover in folder.glob(".*.db.*.tmp"):
        # From a run that crashed mid-build; a young one may belong to a run still going.
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > STALE_TEMP_S:
                leftover.unlink()
    for schema, path in files.items():
        _write_atomic(path, _statements(_data(f"{schema}.sql")), _rows(schema))
    return files


def shop_size(files: dict[str, Path]) -> tuple[int, int]:
    """How many tables and columns the shop's files hold (views not counted)."""
    tables = columns = 0
    for path in files.values():
        connection = sqlite3.connect(path)
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            tables += len(names)
            for name in names:
                columns += len(connection.execute(f'PRAGMA table_info("{name}")').fetchall())
        finally:
            connection.close()
    return tables, columns


def shop_url(files: dict[str, Path]) -> str:
    """The SQLAlchemy URL of the main file with the other schemas attached."""

    def q(path: Path) -> str:
        return quote(str(path.resolve()), safe="/\\:")

    attach = "&".join(f"attach={schema}:{q(files[schema])}" for schema, _ in SCHEMA_FILES)
    return f"sqlite:///{q(files['main'])}?{attach}"
