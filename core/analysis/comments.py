"""Writing accepted descriptions into the analysed database itself, as `COMMENT ON TABLE` and
`COMMENT ON COLUMN` (as dbt's persist_docs does), so every tool that reads the catalog sees them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Inspector, make_url
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from core.analysis.annotated import AnnotatedTable, group_tables
from core.analysis.review import ReviewService
from core.catalog.profiles import ProfileService
from core.catalog.targets import open_target, unreachable
from core.errors import AmxError, InvalidInput

COUNTS = ("tables", "columns", "unchanged", "missing")
_KIND_NAMES = {"sqlite": "SQLite", "mysql": "MySQL", "mariadb": "MariaDB", "mssql": "SQL Server"}


class CommentsFailed(AmxError):
    """The database refused a comment (no privilege, a lock, a lost connection)."""


def write_comments(
    profiles: ProfileService,
    review: ReviewService,
    profile: str,
    *,
    database: str | None = None,
    scope: Sequence[str] = (),
    say: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write the descriptions of a profile's annotated tables and columns (those in `database`
    and under `scope`, if given) as comments, each database in one transaction; comments that
    already read the same are left alone, and tables or columns gone from the database are
    counted as missing (and told through `say`)."""
    row = profiles.get_db(profile)
    _refuse_backend(profile, row.url)
    tables = [
        t
        for t in group_tables(review.current(profile), database=database, scope=scope)
        if t.fields.get("description") or any(c.get("description") for c in t.columns.values())
    ]
    counts = dict.fromkeys(COUNTS, 0)
    by_database: dict[str, list[AnnotatedTable]] = {}
    for table in tables:
        by_database.setdefault(table.database, []).append(table)
    for name, members in by_database.items():
        url = make_url(row.url).set(database=name)
        engine = open_target(url.render_as_string(hide_password=False), profile=profile)
        try:
            with engine.begin() as conn:
                for table in members:
                    _comment_table(conn, table, counts, say or (lambda _text: None))
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_connect_error(exc):
                raise unreachable(row.url, exc, profile=profile) from None
            cause = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise CommentsFailed(
                f"database {name!r} of DB profile {profile!r} refused the comments, so none "
                f"were written there: {cause}."
            ) from None
        finally:
            engine.dispose()
    return counts


def _refuse_backend(profile: str, url_text: str) -> None:
    url = make_url(url_text)
    backend = url.get_backend_name()
    if backend == "postgresql":
        return
    kind = _KIND_NAMES.get(backend, backend)
    try:
        keeps = url.get_dialect().supports_comments
    except (NoSuchModuleError, ImportError):
        keeps = False
    if not keeps:
        raise InvalidInput(
            "profile",
            f"DB profile {profile!r} is a {kind} database, which keeps no table or column "
            "comments; write_comments needs a PostgreSQL profile.",
        )
    raise InvalidInput(
        "profile",
        f"DB profile {profile!r} is a {kind} database; write_comments writes to PostgreSQL "
        "profiles only.",
    )


def _comment_table(
    conn: Connection, table: AnnotatedTable, counts: dict[str, int], say: Callable[[str], None]
) -> None:
    insp = inspect(conn)
    schema, name = table.schema, table.name
    kind = _kind(insp, schema, name)
    if kind is None:
        counts["missing"] += 1
        say(f"{table.path} is not in the database any more; its comments were not written")
        return
    quote = conn.dialect.identifier_preparer.quote_identifier
    target = f"{quote(schema)}.{quote(name)}"
    wanted = table.fields.get("description")
    if wanted:
        have = insp.get_table_comment(name, schema=schema).get("text")
        if have == wanted:
            counts["unchanged"] += 1
        else:
            _execute(conn, f"COMMENT ON {kind} {target} IS {_literal(wanted)}")
            counts["tables"] += 1
    present: dict[str, Any] = {c["name"]: c.get("comment") for c in insp.get_columns(name, schema)}
    for column, fields in sorted(table.columns.items()):
        wanted = fields.get("description")
        if not wanted:
            continue
        if column not in present:
            counts["missing"] += 1
            say(f"{table.path}.{column} is not in the database any more; not commented")
        elif present[column] == wanted:
            counts["unchanged"] += 1
        else:
            _execute(conn, f"COMMENT ON COLUMN {target}.{quote(column)} IS {_literal(wanted)}")
            counts["columns"] += 1


def _kind(insp: Inspector, schema: str, name: str) -> str | None:
    """What COMMENT ON calls the relation: TABLE, VIEW or MATERIALIZED VIEW (None: absent)."""
    if name in insp.get_table_names(schema=schema):
        return "TABLE"
    if name in insp.get_view_names(schema=schema):
        return "VIEW"
    if name in insp.get_materialized_view_names(schema=schema):
        return "MATERIALIZED VIEW"
    return None


def _literal(text: str) -> str:
    """A PostgreSQL string constant for `text`, read the same whatever
    standard_conforming_strings says (an E'' constant with backslashes doubled)."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _execute(conn: Connection, sql: str) -> None:
    # COMMENT takes no bind parameters; with none, the driver must not look for placeholders.
    conn.exec_driver_sql(sql, execution_options={"no_parameters": True})


def _is_connect_error(exc: DBAPIError) -> bool:
    return type(exc.orig).__name__ == "OperationalError" and "connect" in str(exc.orig).lower()
