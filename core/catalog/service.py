"""Catalog introspection of a DB profile's database, one level at a time, cached with its age.

Levels under a profile: databases → schemas → tables and views → columns. Each listing is read
on demand with SQLAlchemy's Inspector and cached in `catalog_cache`; `refresh` re-reads them.
When the database cannot be reached, cached listings are still served, with their age and
the reason. A target that is not a database at all (`WrongTarget`), a schema or table that is not
there, and any error reading a level are errors naming the profile, never an empty listing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.engine import Inspector, make_url
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.catalog.metadata import ColumnMeta, TableMeta
from core.catalog.profiles import ProfileService
from core.catalog.scope import ScopePath, effective, format_path
from core.catalog.targets import Unreachable, open_target, unreachable
from core.clock import Clock
from core.errors import AmxError, InvalidInput
from core.storage.engine import Database
from core.storage.tables import CatalogEntry, DbProfile

NodeKind = Literal["database", "schema", "table", "view", "column"]
LEVELS: tuple[NodeKind, ...] = ("database", "schema", "table", "column")
SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"}
)


class CatalogNode(BaseModel):
    """One database, schema, table, view or column."""

    model_config = ConfigDict(frozen=True)
    name: str
    kind: NodeKind
    type: str | None = None
    nullable: bool | None = None
    default: str | None = None
    primary_key: bool = False
    foreign_key: str | None = None
    comment: str | None = None
    children: list[CatalogNode] | None = None


class Listing(BaseModel):
    """The children of one node, when they were read, and whether that read is current."""

    model_config = ConfigDict(frozen=True)
    profile: str
    parent: tuple[str, ...]
    nodes: list[CatalogNode]
    fetched_at: datetime
    from_cache: bool
    error: str | None = None


class CatalogService:
    """Lazy, cached introspection of DB profiles; also resolves scopes for the analysis job."""

    def __init__(self, db: Database, clock: Clock, profiles: ProfileService) -> None:
        self.db = db
        self.clock = clock
        self.profiles = profiles

    # -- reading one level ------------------------------------------------------------------

    def default_database(self, profile: str) -> str:
        """The database a profile's URL points at (SQLite: the main file's name)."""
        return _default_database(self.profiles.get_db(profile).url)

    def children(
        self,
        profile: str,
        parent: Sequence[str] = (),
        *,
        refresh: bool = False,
        live: bool = False,
    ) -> Listing:
        """The children of `parent` (() → databases), from the cache unless `refresh`; a failed
        read falls back to the cache with the error beside it, unless `live` asks for the
        database itself (a connection test must not pass on what was read earlier)."""
        parent = tuple(parent)
        if len(parent) > 3:
            raise InvalidInput(
                "path", "a column has no children; give at most database.schema.table."
            )
        row = self.profiles.get_db(profile)
        cached = None if refresh or live else self._cached(profile, parent)
        if cached is not None:
            return cached
        try:
            nodes = self._read(row, parent)
        except Unreachable as exc:
            stale = None if live else self._cached(profile, parent)
            if stale is None:
                raise
            return stale.model_copy(update={"error": str(exc)})
        now = self.clock.now()
        self._store(profile, parent, nodes, now)
        return Listing(
            profile=profile, parent=parent, nodes=nodes, fetched_at=now, from_cache=False
        )

    def refresh(self, profile: str, schemas: Sequence[str] = ()) -> dict[str, int]:
        """Re-read the profile's default database (only `schemas`, if given) and replace its
        cached listings."""
        counts, store = self.read_catalog(profile, schemas)
        with self.db.write() as session:
            store(session)
        return counts

    def read_catalog(
        self, profile: str, schemas: Sequence[str] = ()
    ) -> tuple[dict[str, int], Callable[[Session], None]]:
        """Read the profile's catalog (only `schemas`, if given) now, and return its counts and
        the write that replaces the cached listings with it, for the caller's transaction."""
        row = self.profiles.get_db(profile)
        database = _default_database(row.url)
        counts = {"databases": 0, "schemas": 0, "tables": 0, "columns": 0}
        listings: list[tuple[tuple[str, ...], list[CatalogNode]]] = []
        databases = self._read(row, ())
        listings.append(((), databases))
        counts["databases"] = len(databases)
        wanted = set(schemas)
        with self._inspector(row, database) as insp:
            every = _schemas(insp)
            unknown = sorted(wanted - {s.name for s in every})
            if unknown:
                raise _absent(profile, "schema", unknown[0], f"database {database!r}")
            listings.append(((database,), every))
            chosen = [s for s in every if not wanted or s.name in wanted]
            for schema in chosen:
                tables = _tables(insp, schema.name)
                listings.append(((database, schema.name), tables))
                columns = _columns_multi(insp, schema.name, [t.name for t in tables])
                for table in tables:
                    cols = columns.get(table.name, [])
                    listings.append(((database, schema.name, table.name), cols))
                    counts["columns"] += len(cols)
                counts["tables"] += len(tables)
            counts["schemas"] = len(chosen)
        now = self.clock.now()

        def store(session: Session) -> None:
            stale = delete(CatalogEntry).where(CatalogEntry.profile == profile)
            if wanted:
                parents = [_key(parent) for parent, _ in listings]
                stale = stale.where(CatalogEntry.parent.in_(parents))
            session.execute(stale)
            for parent, nodes in listings:
                session.add(_entry(profile, parent, nodes, now))

        return counts, store

    def cache_ages(self) -> dict[str, datetime | None]:
        """When each DB profile's catalog was last read into the cache (its newest listing),
        None for a profile never read; every profile is named, in name order."""
        with self.db.read() as session:
            newest = dict(
                session.execute(
                    select(CatalogEntry.profile, func.max(CatalogEntry.fetched_at)).group_by(
                        CatalogEntry.profile
                    )
                ).all()
            )
        names = sorted(p.name for p in self.profiles.list_db())
        return {name: newest.get(name) for name in names}

    def tree(self, profile: str, path: Sequence[str] = (), *, depth: int = 2) -> CatalogNode:
        """A nested tree under `path`, `depth` levels deep (lazy reads, cache first)."""
        path = tuple(path)
        kind = LEVELS[len(path) - 1] if path else "database"
        root = CatalogNode(name=path[-1] if path else profile, kind=kind)
        return root.model_copy(update={"children": self._subtree(profile, path, depth)})

    def _subtree(self, profile: str, path: tuple[str, ...], depth: int) -> list[CatalogNode]:
        if depth <= 0 or len(path) > 3:
            return []
        listing = self.children(profile, path)
        nodes = []
        for node in listing.nodes:
            if node.kind == "column":
                nodes.append(node)
                continue
            below = self._subtree(profile, (*path, node.name), depth - 1) if depth > 1 else None
            nodes.append(node.model_copy(update={"children": below}))
        return nodes

    # -- scope checks and resolution --------------------------------------------------------

    def check_scope(self, profile: str, database: str | None, paths: Sequence[ScopePath]) -> None:
        """Refuse scope paths that do not exist in the profile's catalog (one sentence).

        Names missing from the cache are looked up live; what was read is cached only when the
        whole scope is accepted, so a refused scope leaves the cache as it was.
        """
        database = database or self.default_database(profile)
        fresh: dict[tuple[str, ...], list[CatalogNode]] = {}
        for path in paths:
            for depth in range(1, len(path) + 1):
                parent, name = (database, *path[: depth - 1]), path[depth - 1]
                if self._has(profile, parent, name, fresh):
                    continue
                where = format_path(path[: depth - 1]) if depth > 1 else f"database {database}"
                what = LEVELS[depth]
                raise InvalidInput(
                    "scope",
                    f"scope {format_path(path)}: no {what} named {name!r} in {where} of profile "
                    f"{profile!r}; choose a path that the profile's catalog holds.",
                )
        now = self.clock.now()
        for parent, nodes in fresh.items():
            self._store(profile, parent, nodes, now)

    def _has(
        self,
        profile: str,
        parent: tuple[str, ...],
        name: str,
        fresh: dict[tuple[str, ...], list[CatalogNode]],
    ) -> bool:
        if parent not in fresh:
            cached = self._cached(profile, parent)
            if cached is not None and any(node.name == name for node in cached.nodes):
                return True
            try:
                fresh[parent] = self._read(self.profiles.get_db(profile), parent)
            except InvalidInput as exc:
                if exc.field != "path":
                    raise
                raise InvalidInput("scope", exc.message) from None
        return any(node.name == name for node in fresh[parent])

    def resolve(
        self, profile: str, database: str | None, ticked: frozenset[ScopePath]
    ) -> tuple[list[TableMeta], list[str]]:
        """The tables and columns a scope covers, read live; plus paths that no longer exist."""
        row = self.profiles.get_db(profile)
        database = database or _default_database(row.url)
        wanted: dict[str, dict[str, set[str] | None] | None] = {}
        for path in effective(ticked):
            if not path:
                wanted = {}
                wanted_all = True
                break
            schema = path[0]
            if len(path) == 1:
                wanted[schema] = None
                continue
            tables = wanted.setdefault(schema, {})
            if tables is None:
                continue
            if len(path) == 2:
                tables[path[1]] = None
            else:
                cols = tables.setdefault(path[1], set())
                if cols is not None:
                    cols.add(path[2])
        else:
            wanted_all = False
        metas: list[TableMeta] = []
        missing: list[str] = []
        with self._inspector(row, database) as insp:
            schema_names = {s.name for s in _schemas(insp)}
            if wanted_all:
                wanted = dict.fromkeys(sorted(schema_names))
            for schema, tables in wanted.items():
                if schema not in schema_names:
                    missing.append(schema)
                    continue
                present = {t.name: t for t in _tables(insp, schema)}
                names = sorted(present) if tables is None else sorted(tables)
                gone = [n for n in names if n not in present]
                missing += [f"{schema}.{n}" for n in gone]
                names = [n for n in names if n in present]
                columns = _columns_multi(insp, schema, names)
                for name in names:
                    nodes = columns.get(name, [])
                    only = None if tables is None else tables.get(name)
                    if only is not None:
                        present_cols = {node.name for node in nodes}
                        missing += [f"{schema}.{name}.{c}" for c in sorted(only - present_cols)]
                        nodes = [node for node in nodes if node.name in only]
                    metas.append(
                        TableMeta(
                            schema=schema,
                            name=name,
                            kind="view" if present[name].kind == "view" else "table",
                            comment=present[name].comment,
                            columns=tuple(_column_meta(node) for node in nodes),
                            database=database,
                        )
                    )
        metas.sort(key=lambda m: (m.schema, m.name))
        return metas, missing

    def samples(
        self, profile: str, database: str | None, table: TableMeta, per_column: int
    ) -> dict[str, tuple[str, ...]]:
        """Up to `per_column` distinct non-null values per column, from one bounded query."""
        if per_column <= 0 or not table.columns:
            return {}
        row = self.profiles.get_db(profile)
        database = database or _default_database(row.url)
        with self._engine(row, database) as engine:
            preparer = engine.dialect.identifier_preparer
            cols = ", ".join(preparer.quote(c.name) for c in table.columns)
            source = f"{preparer.quote_schema(table.schema)}.{preparer.quote(table.name)}"
            found: dict[str, list[str]] = {c.name: [] for c in table.columns}
            try:
                with engine.connect() as conn:
                    rows = conn.execute(
                        text(f"SELECT {cols} FROM {source} LIMIT {per_column * 20}")
                    )
                    for values in rows:
                        for column, value in zip(table.columns, values, strict=True):
                            bucket = found[column.name]
                            shown = _sample_text(value)
                            if (
                                shown is not None
                                and shown not in bucket
                                and len(bucket) < per_column
                            ):
                                bucket.append(shown)
            except DBAPIError as exc:
                raise unreachable(row.url, exc, profile=row.name) from None
        return {name: tuple(values) for name, values in found.items()}

    # -- plumbing -------------------------------------------------------------------------------

    def _cached(self, profile: str, parent: tuple[str, ...]) -> Listing | None:
        with self.db.read() as session:
            entry = session.scalar(
                select(CatalogEntry).where(
                    CatalogEntry.profile == profile, CatalogEntry.parent == _key(parent)
                )
            )
            if entry is None:
                return None
            return Listing(
                profile=profile,
                parent=parent,
                nodes=[CatalogNode.model_validate(n) for n in entry.nodes],
                fetched_at=entry.fetched_at,
                from_cache=True,
            )

    def _store(
        self, profile: str, parent: tuple[str, ...], nodes: list[CatalogNode], now: datetime
    ) -> None:
        with self.db.write() as session:
            session.execute(
                delete(CatalogEntry).where(
                    CatalogEntry.profile == profile, CatalogEntry.parent == _key(parent)
                )
            )
            session.add(_entry(profile, parent, nodes, now))

    def _read(self, row: DbProfile, parent: tuple[str, ...]) -> list[CatalogNode]:
        if not parent:
            return [CatalogNode(name=n, kind="database") for n in self._databases(row)]
        with self._inspector(row, parent[0]) as insp:
            schemas = _schemas(insp)
            if len(parent) == 1:
                return schemas
            if parent[1] not in {s.name for s in schemas}:
                raise _absent(row.name, "schema", parent[1], f"database {parent[0]!r}")
            tables = _tables(insp, parent[1])
            if len(parent) == 2:
                return tables
            if parent[2] not in {t.name for t in tables}:
                raise _absent(row.name, "table", parent[2], f"schema {parent[1]!r}")
            return _columns_multi(insp, parent[1], [parent[2]]).get(parent[2], [])

    def _databases(self, row: DbProfile) -> list[str]:
        url = make_url(row.url)
        backend = url.get_backend_name()
        if backend == "postgresql":
            sql = (
                "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn "
                "ORDER BY datname"
            )
        elif backend in ("mysql", "mariadb"):
            sql = "SHOW DATABASES"
        else:
            return [_default_database(row.url)]
        with self._engine(row, _default_database(row.url)) as engine:
            try:
                with engine.connect() as conn:
                    names = [str(r[0]) for r in conn.exec_driver_sql(sql)]
            except DBAPIError as exc:
                raise unreachable(row.url, exc, profile=row.name) from None
        return [n for n in names if n not in SYSTEM_SCHEMAS]

    @contextmanager
    def _engine(self, row: DbProfile, database: str) -> Iterator[Engine]:
        url = make_url(row.url)
        if url.get_backend_name() not in ("sqlite",) and database and database != url.database:
            url = url.set(database=database)
        engine = open_target(url.render_as_string(hide_password=False), profile=row.name)
        try:
            yield engine
        finally:
            engine.dispose()

    @contextmanager
    def _inspector(self, row: DbProfile, database: str) -> Iterator[Inspector]:
        with self._engine(row, database) as engine:
            try:
                with engine.connect() as conn:
                    yield inspect(conn)
            except DBAPIError as exc:
                raise unreachable(row.url, exc, profile=row.name) from None


def _absent(profile: str, kind: str, name: str, where: str) -> InvalidInput:
    return InvalidInput(
        "path",
        f"DB profile {profile!r} has no {kind} named {name!r} in {where}; "
        "refresh its catalog and choose one it holds.",
    )


def _key(parent: tuple[str, ...]) -> str:
    return json.dumps(list(parent))


def _entry(
    profile: str, parent: tuple[str, ...], nodes: list[CatalogNode], now: datetime
) -> CatalogEntry:
    return CatalogEntry(
        profile=profile,
        parent=_key(parent),
        nodes=[n.model_dump(exclude_none=True, exclude={"children"}) for n in nodes],
        fetched_at=now,
    )


def _default_database(url_text: str) -> str:
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "main").stem or "main"
    return url.database or ("postgres" if url.get_backend_name() == "postgresql" else "default")


def _schemas(insp: Inspector) -> list[CatalogNode]:
    names = [n for n in insp.get_schema_names() if n not in SYSTEM_SCHEMAS]
    names = [n for n in names if not n.startswith("pg_temp") and not n.startswith("pg_toast")]
    return [CatalogNode(name=n, kind="schema") for n in sorted(names)]


def _schema_arg(insp: Inspector, schema: str) -> str | None:
    # SQLite's inspector wants None, not "main", for the main file.
    return None if insp.dialect.name == "sqlite" and schema == "main" else schema


def _tables(insp: Inspector, schema: str) -> list[CatalogNode]:
    arg = _schema_arg(insp, schema)
    tables = insp.get_table_names(schema=arg)
    views = insp.get_view_names(schema=arg)
    comments: dict[str, str | None] = {}
    with contextlib.suppress(NotImplementedError):  # SQLite keeps no table comments
        for (_s, name), comment in insp.get_multi_table_comment(
            schema=arg, kind=ObjectKind.ANY
        ).items():
            comments[name] = comment.get("text")  # type: ignore[call-overload,unused-ignore]
    nodes = [CatalogNode(name=t, kind="table", comment=comments.get(t)) for t in tables]
    nodes += [CatalogNode(name=v, kind="view", comment=comments.get(v)) for v in views]
    return sorted(nodes, key=lambda n: n.name)


def _columns_multi(
    insp: Inspector, schema: str, names: Sequence[str]
) -> dict[str, list[CatalogNode]]:
    if not names:
        return {}
    arg = _schema_arg(insp, schema)
    kind = ObjectKind.ANY
    filter_names = list(names)
    columns = insp.get_multi_columns(schema=arg, filter_names=filter_names, kind=kind)
    pks = insp.get_multi_pk_constraint(schema=arg, filter_names=filter_names, kind=kind)
    fks = insp.get_multi_foreign_keys(schema=arg, filter_names=filter_names, kind=kind)
    found: dict[str, list[CatalogNode]] = {}
    for (_s, table), cols in columns.items():
        constraint = pks.get((_s, table))
        pk = set(constraint["constrained_columns"] or []) if constraint else set()
        refs: dict[str, str] = {}
        for fk in fks.get((_s, table), []):
            # No referred schema means the default one (PostgreSQL) or the same file (SQLite).
            same = schema if insp.dialect.name == "sqlite" else insp.default_schema_name
            target_schema = fk.get("referred_schema") or same or schema
            for local, remote in zip(
                fk["constrained_columns"], fk["referred_columns"], strict=False
            ):
                refs[local] = f"{target_schema}.{fk['referred_table']}.{remote}"
        found[table] = [
            CatalogNode(
                name=c["name"],
                kind="column",
                type=_type_text(c["type"], insp),
                nullable=bool(c.get("nullable", True)),
                default=None if c.get("default") is None else str(c.get("default")),
                primary_key=c["name"] in pk,
                foreign_key=refs.get(c["name"]),
                comment=c.get("comment"),
            )
            for c in cols
        ]
    return found


def _type_text(type_: Any, insp: Inspector) -> str:
    try:
        return str(type_.compile(dialect=insp.dialect))
    except Exception:  # some reflected types cannot compile on their own dialect
        return type(type_).__name__.upper()


def _column_meta(node: CatalogNode) -> ColumnMeta:
    return ColumnMeta(
        name=node.name,
        type=node.type or "",
        nullable=bool(node.nullable),
        default=node.default,
        primary_key=node.primary_key,
        foreign_key=node.foreign_key,
        comment=node.comment,
    )


def _sample_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    shown = str(value)
    return shown if len(shown) <= 200 else shown[:197] + "…"


__all__ = ["AmxError", "CatalogNode", "CatalogService", "Listing"]
