"""Where the product's database is: the URL a front end was given, `AMX_DATABASE_URL`, or the
SQLite file in the user data directory. Free of SQLAlchemy, so quick read paths can use it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

ENV_URL = "AMX_DATABASE_URL"
# A SQLite URL on the default driver whose database part is a plain path: no query, and no
# %-escape (SQLAlchemy decodes those).
_PLAIN_SQLITE = re.compile(r"^sqlite(?:\+pysqlite)?:///(?P<database>[^?%]*)$")


def default_url() -> str:
    """The embedded default: a SQLite file in the user data directory."""
    return f"sqlite:///{Path(platformdirs.user_data_dir('amx-studio')) / 'amx.db'}"


def resolve_url(explicit: str | None = None) -> str:
    """The URL a front end was given, else `AMX_DATABASE_URL`, else the embedded default."""
    return explicit or os.environ.get(ENV_URL) or default_url()


def plain_sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL names (`sqlite:///rel.db`, `sqlite:////abs/amx.db`, `~`
    expanded), as the engine opens it; None for any other URL: another database, another
    driver, query options, %-escapes, an in-memory or URI database."""
    found = _PLAIN_SQLITE.match(url)
    if found is None:
        return None
    database = found["database"]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()
