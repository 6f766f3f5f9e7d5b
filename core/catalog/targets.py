"""Connecting to a database that is analysed (a DB profile's target), read-only where possible.

SQLite targets may attach more files as schemas with `attach` query parameters:
`sqlite:////srv/shop.db?attach=sales:/srv/sales.db&attach=crm:crm.db` (relative paths are
relative to the main file's folder).

A SQLite file is only ever opened by SQLite itself (as a read-only URI, attachments bound as
parameters): Python's own open() and close() of the file would drop the POSIX locks that SQLite
connections of this process hold on it. Every connection reads each file's header through SQLite,
so a file that is not a database is an error naming the profile, never an empty catalog.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from core.catalog.profiles import resolve_db_url
from core.errors import AmxError, InvalidInput
from core.storage.engine import masked

CONNECT_TIMEOUT_S = 10.0
# SQLite's answers for a file that exists but holds no database it can read.
_NOT_A_DATABASE = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


class Unreachable(AmxError):
    """The analysed database cannot be reached; the message names the host and the cause."""


class WrongTarget(AmxError):
    """The profile points at something that is not a database (a picture, a folder, a text file).

    Unlike `Unreachable`, this is no passing outage: cached listings are not served instead.
    """


def _who(profile: str | None) -> str:
    return f"DB profile {profile!r}" if profile else "the DB profile"


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


def open_target(
    url_text: str, *, profile: str | None = None, connect_timeout: float = CONNECT_TIMEOUT_S
) -> Engine:
    """An engine on a profile's database: secrets resolved, SQLite read-only with attachments.

    Errors name `profile` when it is given.
    """
    url = resolve_db_url(url_text)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url, connect_timeout, profile)
        args: dict[str, Any] = {}
        if url.get_backend_name() in ("postgresql", "mysql", "mariadb"):
            args["connect_timeout"] = max(1, int(connect_timeout))
        return create_engine(url, connect_args=args, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InvalidInput("url", f"{_who(profile)} cannot use {masked(url)}: {exc}.") from None


def check_target(url_text: str, *, profile: str, create: bool = False) -> None:
    """Refuse a new profile's target that cannot be used.

    A SQLite file (and each attached file) must exist and be a SQLite database; with `create`,
    missing ones are created empty. A server is not contacted (it may be down for now, and its
    password may live in a variable that only the daemon has): only its dialect is checked.
    """
    url = make_url(url_text)
    if url.get_backend_name() != "sqlite":
        try:
            url.get_dialect()
        except (NoSuchModuleError, ImportError) as exc:
            raise InvalidInput(
                "url", f"{_who(profile)} names a database kind SQLAlchemy lacks: {exc}."
            ) from None
        return
    main = _sqlite_main(url)
    files = [(None, main)] + [(name, file) for name, file in sqlite_attachments(url)]
    for schema, file in files:
        if file.exists():
            continue
        if not create:
            raise InvalidInput(
                "create",
                f"{_who(profile)} {_role(schema)} {file}, which does not exist; correct the path, "
                "or ask for an empty SQLite database to be created there.",
            )
        _create_sqlite(file, profile)
    engine = open_target(url_text, profile=profile)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        raise unreachable(url_text, exc, profile=profile) from None
    finally:
        engine.dispose()


def _role(schema: str | None) -> str:
    return "points at" if schema is None else f"attaches as schema {schema!r}"


def _sqlite_main(url: URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:"):
        raise InvalidInput(
            "url", "a SQLite profile needs a file path, e.g. sqlite:////srv/shop.db."
        )
    return Path(database).expanduser()


def _file_uri(file: Path, mode: str) -> str:
    # as_uri() percent-encodes quotes, '?', '#' and '%', which SQLite decodes again.
    return f"{file.absolute().as_uri()}?mode={mode}"


def _create_sqlite(file: Path, profile: str | None) -> None:
    if not file.parent.is_dir():
        raise InvalidInput(
            "url",
            f"{_who(profile)} cannot create {file}: its folder {file.parent} does not exist; "
            "create the folder first or correct the path.",
        )
    try:
        conn = sqlite3.connect(_file_uri(file, "rwc"), uri=True)
        try:
            conn.execute("PRAGMA user_version = 0")  # writes the header: a real, empty database
            conn.commit()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise Unreachable(f"{_who(profile)} cannot create {file}: {exc}.") from None


def _refusal(profile: str | None, schema: str | None, file: Path, exc: sqlite3.Error) -> AmxError:
    """One sentence for a SQLite file that would not open, naming the profile and the file."""
    who, role = _who(profile), _role(schema)
    if not file.exists():
        return Unreachable(
            f"cannot open {file} for {who}: no such file; restore it or correct the profile's URL."
        )
    if file.is_dir():
        return WrongTarget(
            f"{who} {role} {file}, which is a folder, not a SQLite database file; "
            "point the profile's URL at a SQLite file."
        )
    cause = str(exc).strip() or type(exc).__name__
    if getattr(exc, "sqlite_errorname", None) in _NOT_A_DATABASE:
        return WrongTarget(
            f"{who} {role} {file}, which is not a SQLite database ({cause}); "
            "point the profile's URL at a SQLite file."
        )
    return Unreachable(f"cannot open {file} for {who}: {cause}; check that the file is readable.")


def _sqlite_engine(url: URL, timeout: float, profile: str | None) -> Engine:
    main = _sqlite_main(url)
    attachments = sqlite_attachments(url)

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                _file_uri(main, "ro"), uri=True, timeout=timeout, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise _refusal(profile, None, main, exc) from None
        try:
            _read_header(conn, "main", profile, None, main)
            for name, file in attachments:
                try:
                    conn.execute("ATTACH DATABASE ? AS ?", (_file_uri(file, "ro"), name))
                except sqlite3.Error as exc:
                    raise _refusal(profile, name, file, exc) from None
                _read_header(conn, name, profile, name, file)
        except BaseException:
            conn.close()
            raise
        return conn

    # A new connection per use: each one re-checks the files, and nothing pins them open.
    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _read_header(
    conn: sqlite3.Connection, alias: str, profile: str | None, schema: str | None, file: Path
) -> None:
    quoted = '"' + alias.replace('"', '""') + '"'
    try:
        conn.execute(f"SELECT count(*) FROM {quoted}.sqlite_master").fetchall()
    except sqlite3.Error as exc:
        raise _refusal(profile, schema, file, exc) from None


def unreachable(url_text: str, exc: BaseException, *, profile: str | None = None) -> AmxError:
    """One sentence naming where and why a connection failed, and the profile when given."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    try:
        url = resolve_db_url(url_text)
        where = url.host or url.database or "the database"
        if url.port:
            where = f"{where}:{url.port}"
    except AmxError:
        url, where = None, "the database"
    if (
        url is not None
        and url.get_backend_name() == "sqlite"
        and getattr(cause, "sqlite_errorname", None) in _NOT_A_DATABASE
    ):
        return WrongTarget(
            f"{_who(profile)} points at {where}, which is not a SQLite database ({text}); "
            "point the profile's URL at a SQLite file."
        )
    tail = f"; check the server and {_who(profile)}" if profile else ""
    return Unreachable(f"cannot reach {where}: {text.rstrip('.')}{tail}.")
