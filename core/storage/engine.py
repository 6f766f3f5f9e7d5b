"""Opening the product's own database: URL choice, SQLite tuning, migrations and the drift check."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import StorageError
from core.private_files import create_private_file, make_private_dir, tighten
from core.secrets import LIBPQ_WAY, is_credential_key, literal_secrets, resolve_secret
from core.storage.location import ENV_URL, default_url, resolve_url
from core.storage.revisions import MIGRATIONS, RETIRED_COLUMNS, known_revisions
from core.storage.sqlite_read import COUNTS_OBJECTS
from core.storage.tables import Base, Run, Schedule
from core.text import counted

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 5000
IDLE_IN_TX_MS = 60_000


HIDDEN = "***"


# The scheme many hosts hand out (postgres://…), which SQLAlchemy no longer reads.
_POSTGRES_SCHEME = re.compile(r"^postgres(?=[+:])", re.IGNORECASE)


def postgresql_spelled(url: str) -> str:
    """`url` (stripped), a postgres://… one spelt postgresql://…, as SQLAlchemy reads it."""
    return _POSTGRES_SCHEME.sub("postgresql", url.strip(), count=1)


def masked(url: str | URL) -> str:
    """The URL with every credential hidden, for messages and logs: the password, credential
    query parameters, and the user-info of an http(s) URL. The one way a URL is shown."""
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return _masked_http(url.strip())
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparseable URL>"
    query = {k: HIDDEN if is_credential_key(k) else v for k, v in parsed.query.items()}
    shown = parsed.set(query=query).render_as_string(hide_password=True)
    return shown.replace("=%2A%2A%2A", f"={HIDDEN}")


def _masked_http(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{HIDDEN}@{host}" if "@" in parts.netloc else host
    query = "&".join(
        f"{item.partition('=')[0]}={HIDDEN}"
        if is_credential_key(unquote_plus(item.partition("=")[0]))
        else item
        for item in parts.query.split("&")
        if item
    )
    # A fragment is never sent to a server; it is dropped rather than risk a token in it.
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # only needed to migrate; keeps the daemon small

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _sqlite_path(url: URL) -> Path | None:
    """The file a SQLite URL names, or None for an in-memory or URI database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _prepare_sqlite_file(path: Path) -> None:
    """Make the directory, check write access and create a new database file as 0600 before
    SQLite opens it (SQLite gives -wal and -shm the main file's mode), tightening existing ones.
    An existing file is never opened here: closing any descriptor of a SQLite file drops every
    POSIX lock this process holds on it, so only SQLite itself may open it (a file that is not
    a database is refused by SQLite's own read)."""
    fix = "choose a writable place for the database"
    if "\x00" in str(path):
        raise StorageError(f"the database path {str(path)!r} holds a NUL character; {fix}.")
    existed = path.parent.exists()
    try:
        make_private_dir(path.parent)
    except OSError as exc:
        raise StorageError(
            f"cannot create the database directory {path.parent}: {exc.strerror or exc}; {fix}."
        ) from None
    if path.is_dir():
        raise StorageError(
            f"the database at {path} is a directory, not a file; give a file's path, such as "
            f"{path / 'amx.db'}."
        )
    if path.exists() and not path.is_file():
        raise StorageError(
            f"the database at {path} is not a regular file; give the path of a regular file."
        )
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StorageError(f"the database at {path} is not writable; {fix}.")
    if existed and path.parent == Path(default_url().removeprefix("sqlite:///")).parent:
        tighten(path.parent)  # ours; a directory the person chose may be shared on purpose
    try:
        create_private_file(path)
    except OSError as exc:
        raise StorageError(
            f"cannot create the database {path}: {exc.strerror or exc}; {fix}."
        ) from None
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        tighten(file)


class _SharedEngines:
    """One engine per SQLite file in this process, however many handles open it; the last
    handle to let go closes it. Separate engines on one file would be safe for SQLite, but one
    pool keeps the connection count and the tuning in one place."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[Engine, int]] = {}

    def acquire(self, key: str, make: Callable[[], Engine]) -> Engine:
        with self._lock:
            engine, users = self._engines.get(key) or (make(), 0)
            self._engines[key] = (engine, users + 1)
            return engine

    def release(self, key: str) -> None:
        with self._lock:
            engine, users = self._engines.pop(key)
            if users > 1:
                self._engines[key] = (engine, users - 1)
            else:
                engine.dispose()


_SQLITE_ENGINES = _SharedEngines()


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    _tune_sqlite(engine)
    return engine


def _limit_postgres_sessions(engine: Engine) -> None:
    """No statement waits on a lock longer than SQLite's busy timeout, and a session left idle in
    a transaction (a stalled host, say) is ended by the server, so its row locks cannot hold up
    every other worker. Times come back in UTC, as the store keeps them, whatever zone the
    server defaults to: psycopg makes such a time several times faster than one in a named zone
    (a page of 200 schedules holds 600). Each statement is planned for its values: psycopg
    prepares one run five times on a connection, and a generic plan would take one path for
    every text filter, however common the text."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        dbapi_connection.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TX_MS}")
        dbapi_connection.execute("SET TimeZone = 'UTC'")
        dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.autocommit = autocommit


# A pooled connection idle for this long or longer is pinged before it is handed out.
IDLE_PING_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use when it has been idle for IDLE_PING_S or more, and
    replace it when the ping fails (a server restarted, a session ended by the server). One
    used a moment ago is handed out as it is: a ping on every checkout is one more round trip
    for each read, as long as the read itself on a busy server."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc


# How much of an SQLite file reads may map (a larger file maps its first part).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Reads map the file rather than copy each page into the connection's small cache (2 MB
        # by default): a page of a large queue reads rows spread over the whole file, and every
        # pooled connection shares the one mapping kept by the operating system.
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that later writes fails at once with "database is locked"
        # under contention; writers take the lock up front and wait for it instead.
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


QUEUE_CHANNEL = "amx_queue"


def _notify_queue(session: Session, _context: Any) -> None:
    # Only work that may now be due wakes the daemons: a pending schedule or a queued run.
    # Claims and outcomes stay quiet, or every claim would wake every worker.
    changed = (*session.new, *session.dirty)
    if any(
        (isinstance(row, Schedule) and row.status == "pending")
        or (isinstance(row, Run) and row.status == "queued")
        for row in changed
    ):
        session.connection().exec_driver_sql(f"NOTIFY {QUEUE_CHANNEL}")


# What libpq says when the server is gone, restarting or refusing connections.
_CONNECTION_LOST = (
    "could not connect",
    "connection is bad",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "the database system is",
)


# The SQLite objects that make an index usable: a table and the triggers that keep it in step.
_TEXT_INDEX = (
    "schedule_text",
    "schedule_text_insert",
    "schedule_text_update",
    "schedule_text_delete",
)
_COUNTS = COUNTS_OBJECTS


def _is_sqlite_locked(exc: DBAPIError | sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for a lock another connection holds (SQLITE_BUSY or
    SQLITE_LOCKED, after the busy timeout)."""
    text = str(exc.orig if isinstance(exc, DBAPIError) else exc).lower()
    return "database is locked" in text or "database table is locked" in text


class Database:
    """The product's database: one engine, read and write sessions, schema kept at head."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url_text = postgresql_spelled(resolve_url(url))
        origin = "the database URL" if url or not os.environ.get(ENV_URL) else ENV_URL
        try:
            self.url = make_url(self.url_text)
        except ArgumentError:
            raise StorageError(
                f"{origin} is not a valid SQLAlchemy URL; write it like "
                "sqlite:////path/amx.db or postgresql+psycopg://user@host/db."
            ) from None
        backend = self.url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StorageError(
                f"{origin} names a {backend} database, and amx keeps its schedules in SQLite "
                "or PostgreSQL; write it like sqlite:////path/amx.db or "
                "postgresql+psycopg://user@host/db."
            )
        secrets = literal_secrets(self.url)
        if secrets:
            raise StorageError(
                f"{origin} holds {secrets[0]}, which amx never accepts; {LIBPQ_WAY}."
            )
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        connect_url = self.connect_url()
        self._shared_key: str | None = None
        path = _sqlite_path(self.url) if self.is_sqlite else None
        self._owns_engine = path is None
        if path is not None:
            _prepare_sqlite_file(path)
            self._shared_key = os.path.realpath(path)
            self.engine = _SQLITE_ENGINES.acquire(
                self._shared_key, lambda: _sqlite_engine(self.url)
            )
        elif self.is_sqlite:
            self.engine = _sqlite_engine(self.url)
        else:
            try:
                self.engine = create_engine(connect_url)
            except (ArgumentError, ImportError, SQLAlchemyError) as exc:
                raise StorageError(
                    f"cannot use database URL {self.masked_url}: {exc}; check the driver name."
                ) from None
            _ping_when_idle(self.engine)
            if self.engine.dialect.name == "postgresql":
                _limit_postgres_sessions(self.engine)
        self._text_index: bool | None = None if self.is_sqlite else False
        self._counts: bool | None = None
        reading = self.engine
        if self.is_postgres:
            # Under READ COMMITTED each statement sees its own snapshot inside a transaction as
            # well; outside one, a read saves its BEGIN and ROLLBACK round trips.
            reading = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read = sessionmaker(reading, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        if self.is_postgres:
            # Daemons LISTEN on this channel: a new or changed schedule or run wakes them at
            # once (delivered on commit); polling stays as the fallback.
            event.listen(self._write, "after_flush", _notify_queue)
        if migrate:
            try:
                self.ensure_schema()
            except BaseException:
                self.dispose()
                raise

    @property
    def has_text_index(self) -> bool:
        """Whether SQLite's trigram table `schedule_text` is there with the triggers that keep it
        in step (an SQLite built without FTS5 upgrades without it; an upgrade that rebuilt the
        schedules table without its triggers leaves it stale); looked up once."""
        if self._text_index is None:
            with self._guard():
                self._text_index = self._sqlite_has(_TEXT_INDEX)
        return self._text_index

    @property
    def has_counts(self) -> bool:
        """Whether `schedule_counts` is there with the triggers that keep it in step (migration
        0017 on SQLite, 0019 on PostgreSQL); looked up once."""
        if self._counts is None:
            with self._guard():
                self._counts = (
                    self._sqlite_has(_COUNTS) if self.is_sqlite else self._postgres_has_counts()
                )
        return self._counts

    def _postgres_has_counts(self) -> bool:
        triggers = _COUNTS[1:]
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT to_regclass('schedule_counts') IS NOT NULL, (SELECT count(*) FROM "
                "pg_trigger WHERE tgrelid = 'schedules'::regclass AND tgname = ANY(%(names)s))",
                {"names": list(triggers)},
            ).one()
            conn.rollback()
        return bool(found[0]) and found[1] == len(triggers)

    def _sqlite_has(self, names: tuple[str, ...]) -> bool:
        marks = ", ".join("?" for _ in names)
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                f"SELECT count(*) FROM sqlite_master WHERE name IN ({marks})", names
            ).scalar()
            conn.rollback()
        return found == len(names)

    @property
    def is_postgres(self) -> bool:
        """Whether this is a PostgreSQL database (LISTEN/NOTIFY, SKIP LOCKED, its own clock)."""
        return self.url.get_backend_name() == "postgresql"

    def connect_url(self) -> URL:
        """The URL with any password reference resolved, for a driver-level connection."""
        return resolve_secret(self.url, "database_url")

    def server_now(self) -> datetime:
        """The database server's clock (PostgreSQL), or this machine's for SQLite."""
        if not self.is_postgres:
            return datetime.now(UTC)
        with self._guard(), self.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT now()").scalar()
        assert isinstance(found, datetime)
        return found.astimezone(UTC)

    @property
    def masked_url(self) -> str:
        """The URL with its password hidden."""
        return masked(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading: on SQLite one snapshot for all its statements, on PostgreSQL
        each statement reads what is committed as it runs (no transaction is opened)."""
        with self._guard(), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed when the block ends."""
        with self._guard(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def sqlite_write(self) -> Iterator[sqlite3.Connection]:
        """SQLite only: a `BEGIN IMMEDIATE` write transaction on a pooled driver connection,
        committed when the block ends and rolled back on any error. For the hottest writes,
        where a session's own bookkeeping would cost more than the statements; a lock held past
        the busy timeout is the same StorageError as from `write`."""
        if not self.is_sqlite:
            raise StorageError("a driver-level SQLite write was asked of a non-SQLite database.")
        try:
            pooled = self.engine.raw_connection()
        except DBAPIError as exc:
            if _is_sqlite_locked(exc):
                raise StorageError(self._locked(), field="busy") from None
            raise StorageError(self._unreachable(exc)) from None
        try:
            driver = pooled.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            try:
                driver.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                if _is_sqlite_locked(exc):
                    raise StorageError(self._locked(), field="busy") from None
                raise
            try:
                yield driver
                driver.execute("COMMIT")
            except BaseException as exc:
                if driver.in_transaction:
                    driver.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and _is_sqlite_locked(exc):
                    raise StorageError(self._locked(), field="busy") from None
                raise
        finally:
            pooled.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if exc.connection_invalidated or any(m in str(exc.orig) for m in _CONNECTION_LOST):
                raise StorageError(self._unreachable(exc)) from None
            if "lock timeout" in str(exc.orig):
                raise StorageError(
                    f"the database {self.masked_url} is busy: a row this needs stayed locked for "
                    f"{BUSY_TIMEOUT_MS // 1000} s by another session; try again.",
                    field="busy",
                ) from None
            if _is_sqlite_locked(exc):
                raise StorageError(self._locked(), field="busy") from None
            raise

    def _locked(self) -> str:
        return (
            f"the database {self.masked_url} is locked: another process holds its write lock and "
            f"kept it longer than {BUSY_TIMEOUT_MS // 1000} s; try again when it is done."
        )

    def _unreachable(self, exc: DBAPIError) -> str:
        cause = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        cause = cause.rstrip(".")
        if "password" in cause:
            cause += (
                "; give the password through ~/.pgpass (or $PGPASSFILE), a libpq service file, "
                "or as env:VAR in the URL"
            )
        return f"cannot reach the database {self.masked_url}: {cause}."

    def ensure_schema(self) -> None:
        """Create a new database, upgrade a known older one, refuse anything else."""
        known = known_revisions()
        head = known[-1]
        try:
            with self.engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                current = None
                if "alembic_version" in tables:
                    current = conn.exec_driver_sql(
                        "SELECT version_num FROM alembic_version"
                    ).scalar()
                tables.discard("alembic_version")
                conn.rollback()
            if current is None and tables:
                foreign = ", ".join(sorted(tables)[:3])
                raise StorageError(
                    f"{self.masked_url} holds tables that are not AMX Studio's ({foreign}); "
                    "use an empty or an AMX database instead."
                )
            if current is not None and current not in known:
                raise StorageError(
                    f"{self.masked_url} is at schema revision {current}, which this version of amx "
                    f"does not know (newest known: {head}); upgrade amx, or use another database."
                )
            if current != head:
                from alembic import command

                with self.engine.connect() as conn:
                    command.upgrade(_alembic_config(conn), "head")
                    conn.commit()
            self._check_tables()
            if self.is_sqlite:
                # WAL lets readers go on while a writer commits; it persists in the file, so it
                # is set only once the file is known to be ours.
                raw = self.engine.raw_connection()
                try:
                    raw.cursor().execute("PRAGMA journal_mode = WAL")
                except sqlite3.Error as exc:  # the driver's own error: no SQLAlchemy wrapper
                    if _is_sqlite_locked(exc):
                        raise StorageError(self._locked(), field="busy") from None
                    raise StorageError(
                        f"cannot reach the database {self.masked_url}: {exc}."
                    ) from None
                finally:
                    raw.close()
        except DBAPIError as exc:
            if _is_sqlite_locked(exc):
                raise StorageError(self._locked(), field="busy") from None
            if self.is_sqlite and "not a database" in str(exc.orig):
                raise StorageError(
                    f"{self.masked_url} is not an SQLite database; use an AMX database or a new "
                    "file instead."
                ) from None
            raise StorageError(self._unreachable(exc)) from None

    def _check_tables(self) -> None:
        with self.engine.connect() as conn:
            inspector = inspect(conn)
            present = set(inspector.get_table_names())
            for table in Base.metadata.sorted_tables:
                if table.name not in present:
                    missing = table.name
                else:
                    columns = {c["name"] for c in inspector.get_columns(table.name)}
                    absent = [c.name for c in table.columns if c.name not in columns]
                    retired = [c for c in RETIRED_COLUMNS.get(table.name, ()) if c in columns]
                    if retired:
                        raise StorageError(self._half_upgraded(conn, table.name, retired))
                    if not absent:
                        continue
                    missing = f"{table.name}.{absent[0]}"
                raise StorageError(
                    f"{self.masked_url} is marked as up to date but {missing} is missing, so it "
                    "looks half-migrated; restore it from a backup or use another database."
                )
            conn.rollback()

    def _half_upgraded(self, conn: Connection, table: str, retired: list[str]) -> str:
        left = f"{table}.{retired[0]}" + (f" and {len(retired) - 1} more" if retired[1:] else "")
        unfilled = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE scenario IS NULL"
        ).scalar()
        conn.rollback()
        if unfilled:
            return (
                f"{self.masked_url} is marked as upgraded to scenarios but {left} is still there "
                f"and {counted(unfilled, 'schedule')} {'has' if unfilled == 1 else 'have'} no "
                "scenario: the upgrade stopped half-way; "
                "restore the backup taken before it and open that with this version."
            )
        drops = "; ".join(f"ALTER TABLE {table} DROP COLUMN {c}" for c in retired)
        return (
            f"{self.masked_url} is marked as upgraded to scenarios but {left} is still there: "
            "the upgrade stopped before dropping the old columns, whose settings every "
            f"schedule's scenario now holds; finish it with {drops}."
        )

    def dispose(self) -> None:
        """Let go of the engine: closed here, or by the last handle on the same SQLite file."""
        key, self._shared_key = self._shared_key, None
        if key is not None:
            _SQLITE_ENGINES.release(key)
        elif self._owns_engine:
            self.engine.dispose()
