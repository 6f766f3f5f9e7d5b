"""Connecting to a database that is analysed (a DB profile's target), read-only where possible.

SQLite targets may attach more files as schemas with `attach` query parameters:
`sqlite:////srv/shop.db?attach=sales:/srv/sales.db&attach=crm:crm.db` (relative paths are
relative to the main file's folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from core.catalog.profiles import resolve_db_url
from core.errors import AmxError, InvalidInput
from core.storage.engine import masked

CONNECT_TIMEOUT_S = 10.0


class Unreachable(AmxError):
    """The analysed database cannot be reached; the message names the host and the cause."""


def sqlite_attachments(url: URL) -> list[tuple[str, Path]]:
    """The (schema, file) pairs named by `attach` query parameters of a SQLite URL."""
    raw = url.query.get("attach", ())
    items = [raw] if isinstance(raw, str) else list(raw)
    main = Path(url.database or ".").expanduser()
    pairs = []
    for item in items:
        name, sep, path = item.partition(":")
        if not sep or not name.isidentifier() or not path:
            raise InvalidInput(
                "url", f"attach={item!r} is not usable; write attach=SCHEMA:/path/file.db."
            )
        file = Path(path).expanduser()
        pairs.append((name, file if file.is_absolute() else main.parent / file))
    return pairs


def open_target(url_text: str, *, connect_timeout: float = CONNECT_TIMEOUT_S) -> Engine:
    """An engine on a profile's database: secrets resolved, SQLite read-only with attachments."""
    url = resolve_db_url(url_text)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url, connect_timeout)
        args: dict[str, Any] = {}
        if url.get_backend_name() in ("postgresql", "mysql", "mariadb"):
            args["connect_timeout"] = max(1, int(connect_timeout))
        return create_engine(url, connect_args=args, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InvalidInput("url", f"cannot use {masked(url)}: {exc}.") from None


def _sqlite_engine(url: URL, timeout: float) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise InvalidInput(
            "url", "a SQLite profile needs a file path, e.g. sqlite:////srv/shop.db."
        )
    main = Path(database).expanduser()
    if not main.exists():
        raise Unreachable(f"cannot open {main}: no such file.")
    attachments = sqlite_attachments(url)
    for _name, file in attachments:
        if not file.exists():
            raise Unreachable(f"cannot attach {file}: no such file.")
    engine = create_engine(
        f"sqlite:///file:{main}?mode=ro&uri=true", connect_args={"timeout": timeout}
    )

    @event.listens_for(engine, "connect")
    def _attach(dbapi_connection: Any, _record: Any) -> None:
        for name, file in attachments:
            dbapi_connection.execute(f"ATTACH DATABASE 'file:{file}?mode=ro' AS \"{name}\"")

    return engine


def unreachable(url_text: str, exc: BaseException) -> Unreachable:
    """One sentence naming where and why a connection failed."""
    try:
        url = resolve_db_url(url_text)
        where = url.host or url.database or "the database"
        if url.port:
            where = f"{where}:{url.port}"
    except AmxError:
        where = "the database"
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return Unreachable(f"cannot reach {where}: {text}.")
