"""`amx schedule list` on a plain SQLite file reads it with the standard library alone, and
prints exactly what the schedule service's list prints; whenever that could differ (a schedule
due for missed detection, another schema revision, another database, a secret to warn about)
it leaves the answer to the service."""

from __future__ import annotations

import io
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from core.api import Core
from core.clock import FrozenClock
from core.demo import create_demo
from core.schedules.quick_list import _rule, quick_list
from core.schedules.spec import build_spec
from core.schedules.triggers import after, cron, describe, interval, once, trigger_from_data
from core.secrets import literal_secrets, may_hold_literal_secret
from core.storage.engine import _alembic_config, _sqlite_path
from core.storage.location import plain_sqlite_file
from studio_tui.cli import run
from tests.support.child import python
from tests.support.shop import make_shop

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
ZONES = ("UTC", "Asia/Jakarta", "Europe/Berlin", "America/New_York")
STATUSES = ("pending", "paused", "running", "completed", "failed", "missed", "cancelled")


def _steps(i: int) -> dict[str, Any]:
    """A scenario of one of several shapes: one analyze step, a longer one, one that analyses
    nothing, and one that only refreshes the catalog (listed on another page)."""
    scope = [["main"], ["public.users", "public.orders"], ["*"], ["public.users.email"]][i % 4]
    analyze: dict[str, Any] = {"kind": "analyze", "profile": "shop", "scope": scope}
    if i % 3 == 0:
        analyze["review"] = "auto"
    if i % 5 == 0:
        analyze["llm_profile"] = "careful"
    notify = {"kind": "notify", "urls": ["env:AMX_NOTIFY_URL"], "message": "done"}
    export = {"kind": "export_docs", "profile": "shop", "path": "/tmp/docs.json"}
    shapes: list[list[dict[str, Any]]] = [
        [analyze],
        [analyze, export, notify],
        [{"kind": "run_command", "argv": ["true"]}, analyze],
        [notify],
        [{"kind": "cache_refresh", "profile": "shop"}],
    ]
    return {"steps": shapes[i % len(shapes)]}


def _name(i: int) -> str:
    return f"schedule {i:03d}" if i % 11 else f"Ünïcode 数据 {i:03d}"


def _deleted(i: int) -> bool:
    return i % 17 == 5


def _trigger(i: int) -> Any:
    if i % 6 == 0:
        return cron(["0 9 * * 1-5", "@daily", "*/15 * * * *"][i // 6 % 3])
    if i % 6 == 1:
        return interval(["15m", "6h", "1d"][i // 6 % 3])
    if i % 6 == 2 and i > 6 and not _deleted(i - 6):
        return after(_name(i - 6))
    return once((NOW + timedelta(days=1 + i % 40, minutes=i)).strftime("%Y-%m-%d %H:%M"))


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of 300 schedules of every status, trigger, scenario shape and zone, some
    deleted and some on the Catalog cache page; no Pending one is due at NOW."""
    folder = tmp_path_factory.mktemp("many")
    url = f"sqlite:///{folder / 'amx.db'}"
    core = Core.open(url, FrozenClock(NOW))
    core.profiles.add_db("shop", make_shop(folder / "shop"))
    core.profiles.add_llm("careful", "heuristic")
    for i in range(300):
        spec = build_spec(
            name=_name(i), trigger=_trigger(i), timezone=ZONES[i % len(ZONES)], **_steps(i)
        )
        created = core.schedules.create(spec)
        if _deleted(i):
            core.schedules.delete(created.id)
    core.close()
    with sqlite3.connect(folder / "amx.db") as conn:
        for i, status in enumerate(STATUSES[1:]):
            conn.execute(
                "UPDATE schedules SET status = ?, next_fire_at = CASE WHEN ? THEN NULL "
                "ELSE next_fire_at END WHERE id % 7 = ? AND deleted_at IS NULL",
                (status, status in ("completed", "failed"), i + 1),
            )
    yield url


def _listed(
    url: str, *argv: str, width: int | None = None, at: datetime = NOW
) -> tuple[int, str, str]:
    """`amx schedule list` as a shell runs it: it opens the database itself."""
    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["--database-url", url, "schedule", "list", *argv],
        out=out,
        err=err,
        clock=FrozenClock(at),
        width=width,
    )
    return code, out.getvalue(), err.getvalue()


def _listed_by_service(url: str, *argv: str, width: int | None = None) -> tuple[int, str, str]:
    """The same through the schedule service: on a core already open, as the studio runs it."""
    core = Core.open(url, FrozenClock(NOW))
    try:
        out, err = io.StringIO(), io.StringIO()
        code = run(
            ["schedule", "list", *argv], out=out, err=err, clock=core.clock, core=core, width=width
        )
        return code, out.getvalue(), err.getvalue()
    finally:
        core.close()


def _quick(url: str, argv: tuple[str, ...], at: datetime = NOW) -> Any:
    """What the quick read gives for these options (None: it leaves it to the service)."""
    options: dict[str, Any] = {}
    words = iter(argv)
    for word in words:
        if word == "--desc":
            options["descending"] = True
        elif word == "--status":
            options["statuses"] = next(words).split(",")
        else:
            key = word.removeprefix("--")
            value = next(words)
            options[key] = int(value) if key in ("offset", "limit") else value
    return quick_list(url, at, **options)


PAGES = [
    (),
    ("--status", "pending"),
    ("--status", "failed,missed"),
    ("--status", "PENDING, paused,running"),
    ("--offset", "5", "--limit", "7"),
    ("--offset", "150"),
    ("--status", "completed", "--offset", "1000"),
    ("--status", "cancelled", "--limit", "3"),
]


@pytest.mark.parametrize(
    "sort", ["next_fire_at", "name", "status", "id", "created_at", "updated_at"]
)
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("page", PAGES)
def test_the_quick_list_prints_what_the_service_prints(
    many: str, sort: str, desc: bool, page: tuple[str, ...]
) -> None:
    argv = ("--sort", sort, *(("--desc",) if desc else ()), *page)
    assert _quick(many, argv) is not None
    width = 160 if "--offset" in page else None  # the STEPS column from 120 columns
    quick = _listed(many, *argv, width=width)
    assert quick == _listed_by_service(many, *argv, width=width)
    assert quick[0] == 0 and quick[2] == ""


def test_the_many_database_has_every_case_the_comparison_needs(many: str) -> None:
    code, out, _ = _listed(many, "--limit", "1000", width=400)
    assert code == 0
    for word in ("Pending", "Paused", "Running", "Completed", "Failed", "Missed", "Cancelled"):
        assert f"  {word} " in out
    for rule in ("once", "every 15m", "cron 0 9 * * 1-5", "cron @daily", "after «schedule"):
        assert rule in out
    assert "careful" in out and "Auto" in out and "—" in out and "数据" in out
    assert "analyze → export_docs, +1" in out and "run_command → analyze" in out
    _, paged, _ = _listed(many)
    assert "\n1-200 of " in paged and "page on with --offset 200" in paged


def test_the_demo_database_lists_the_same_both_ways(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'amx.db'}"
    core = Core.open(url, FrozenClock(NOW))
    create_demo(core, tmp_path / "demo")
    core.close()
    for argv in [(), ("--sort", "status"), ("--status", "missed"), ("--sort", "name", "--desc")]:
        assert _quick(url, argv) is not None
        for width in (None, 200):
            assert _listed(url, *argv, width=width) == _listed_by_service(url, *argv, width=width)


def test_an_empty_list_says_so_the_same_both_ways(sqlite_url: str) -> None:
    Core.open(sqlite_url).close()
    for argv in [(), ("--status", "failed")]:
        assert _quick(sqlite_url, argv) is not None
        assert _listed(sqlite_url, *argv) == _listed_by_service(sqlite_url, *argv)
    assert "no schedules yet; add one with `amx schedule add`" in _listed(sqlite_url)[1]
    assert _listed(sqlite_url, "--status", "failed")[1] == "no schedules match\n"


def test_bad_status_or_paging_is_refused_by_the_service_with_its_sentence(many: str) -> None:
    assert _quick(many, ("--status", "sleeping")) is None
    code, out, err = _listed(many, "--status", "sleeping")
    assert (code, out) == (1, "")
    assert "status 'sleeping' is unknown; use any of pending" in err
    assert _quick(many, ("--limit", "0")) is None
    assert "limit must be at least 1" in _listed(many, "--limit", "0")[2]


def _one_schedule(url: str, fire_at: datetime) -> None:
    core = Core.open(url, FrozenClock(NOW))
    core.profiles.add_db("shop", make_shop(Path(url.removeprefix("sqlite:///")).parent / "shop"))
    spec = build_spec(
        name="nightly", trigger=once(fire_at.strftime("%Y-%m-%d %H:%M")), timezone="UTC",
        db_profile="shop", scope=["main"],
    )  # fmt: skip
    core.schedules.create(spec)
    core.close()


def test_a_schedule_due_for_missed_detection_is_listed_by_the_service_as_missed(
    sqlite_url: str,
) -> None:
    _one_schedule(sqlite_url, NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    assert _quick(sqlite_url, ()) is not None  # nothing is due yet at NOW
    assert _quick(sqlite_url, (), at=later) is None
    code, out, _ = _listed(sqlite_url, at=later)
    assert code == 0
    assert "nightly  Missed" in out
    # The service marked it; now that nothing is due, the quick read shows the same.
    assert _quick(sqlite_url, (), at=later) is not None
    assert _listed(sqlite_url, at=later) == (0, out, "")


def test_a_fire_time_still_within_its_grace_is_left_to_the_service_too(sqlite_url: str) -> None:
    _one_schedule(sqlite_url, NOW + timedelta(hours=1))
    within = NOW + timedelta(hours=1, seconds=30)
    assert _quick(sqlite_url, (), at=within) is None
    assert "nightly  Pending" in _listed(sqlite_url, at=within)[1]


def test_a_database_at_an_older_revision_is_upgraded_by_the_service(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'amx.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        command.upgrade(_alembic_config(conn), "0015")
        conn.commit()
    engine.dispose()
    assert _quick(url, ()) is None
    assert _listed(url)[1] == "no schedules yet; add one with `amx schedule add`\n"
    assert _quick(url, ()) is not None  # upgraded to the head revision


def test_a_database_without_a_revision_is_refused_by_the_service(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schedules (id INTEGER)")
    os.chmod(path, 0o600)
    url = f"sqlite:///{path}"
    assert _quick(url, ()) is None
    code, _, err = _listed(url)
    assert code == 1 and "holds tables that are not AMX Studio's (schedules)" in err


def test_a_missing_file_is_created_by_the_service(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'amx.db'}"
    assert _quick(url, ()) is None
    assert _listed(url)[1].startswith("no schedules yet")
    assert _quick(url, ()) is not None


def test_a_database_others_may_read_is_tightened_by_the_service(sqlite_url: str) -> None:
    Core.open(sqlite_url).close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    os.chmod(path, 0o644)
    assert _quick(sqlite_url, ()) is None
    assert _listed(sqlite_url)[0] == 0
    assert path.stat().st_mode & 0o077 == 0
    assert _quick(sqlite_url, ()) is not None


def test_a_stored_secret_is_warned_about_by_the_service(sqlite_url: str, tmp_path: Path) -> None:
    Core.open(sqlite_url).close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute(
            "INSERT INTO db_profiles (name, name_key, url, sample_size, created_at) VALUES "
            "('old', 'old', 'postgresql://amx:hunter2@db/x', 5, '2026-11-01 00:00:00')"
        )
    assert _quick(sqlite_url, ()) is None
    code, _, err = _listed(sqlite_url)
    assert code == 0 and "DB profile 'old' stores a password in its URL" in err


def test_json_and_the_text_filter_are_answered_by_the_service(many: str) -> None:
    code, out, _ = _listed(many, "--json", "--limit", "2")
    assert code == 0 and json.loads(out)["items"][0]["kind"] == "analyze"
    code, out, _ = _listed(many, "--filter", "数据", width=200)
    assert code == 0 and out.count("数据") == out.count("\n") - 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://amx@127.0.0.1:1/amx",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:amx.db?mode=ro&uri=true",
        "sqlite:///amx.db?timeout=3",
        "sqlite+aiosqlite:///amx.db",
        "sqlite:///data/%41.db",
    ],
)
def test_other_databases_are_left_to_the_service(url: str) -> None:
    assert quick_list(url, NOW) is None


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///amx.db",
        "sqlite:////var/lib/amx/amx.db",
        "sqlite+pysqlite:////srv/a b/amx.db",
        "sqlite:///~/amx.db",
        "sqlite:///data/%41.db",
        "sqlite:///data/100%.db",
        "sqlite:///:memory:",
        "sqlite://",
        "sqlite:///file:x.db",
    ],
)
def test_a_plain_sqlite_file_is_the_one_the_engine_opens(url: str) -> None:
    found = plain_sqlite_file(url)
    assert found is None or found == _sqlite_path(make_url(url))


@pytest.mark.parametrize(
    ("url", "screened"),
    [
        ("postgresql://amx:hunter2@db/x", True),
        ("postgresql://amx:@db/x", True),
        ("postgresql://amx:env:PGPASSWORD@db/x", True),  # a reference: the full check decides
        ("postgresql://amx@db/x?sslpassword=abc", True),
        ("postgresql://db/x?sslpassword=env:SSL", True),
        ("postgresql+psycopg://a:p/w@db:5432/x?application_name=amx", True),
        ("mysql://u@h/d?charset=utf8&api_key=1", True),
        ("postgresql://amx@db/x?sslmode=require", False),
        ("postgresql://amx@db:5432/x", False),
        ("sqlite:////tmp/shop.db?attach=sales:/tmp/sales.db", False),
        ("postgresql://db/x", False),
    ],
)
def test_the_secret_screen_passes_only_urls_the_full_check_passes(url: str, screened: bool) -> None:
    assert may_hold_literal_secret(url) is screened
    if literal_secrets(make_url(url)):
        assert screened


def test_listing_a_current_database_loads_no_database_layer_or_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'amx.db'}"
    core = Core.open(url)
    create_demo(core, tmp_path / "demo")
    core.close()
    code = (
        "import json, sys\n"
        "from studio_tui.cli import main\n"
        f"sys.argv = ['amx', '--database-url', {url!r}, 'schedule', 'list']\n"
        "code = main()\n"
        "heavy = ('sqlalchemy', 'pydantic', 'alembic', 'croniter', 'core.storage.engine',\n"
        "         'core.storage.tables', 'core.schedules.views', 'core.api')\n"
        "bad = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))\n"
        "print(json.dumps([code, bad]), file=sys.stderr)\n"
    )
    done = python(code)
    assert json.loads(done.stderr.splitlines()[-1]) == [0, []]
    assert "Quarter-end" in done.stdout
    assert done.stdout == _listed_by_service_now(url)


def _listed_by_service_now(url: str) -> str:
    core = Core.open(url)
    try:
        out = io.StringIO()
        assert run(["schedule", "list"], out=out, core=core) == 0
        return out.getvalue()
    finally:
        core.close()


def test_both_backends_list_the_same_through_the_command(db_url: str, tmp_path: Path) -> None:
    core = Core.open(db_url, FrozenClock(NOW))
    create_demo(core, tmp_path / "demo")
    core.close()
    for argv in [(), ("--sort", "status", "--desc"), ("--status", "pending,failed")]:
        assert _listed(db_url, *argv) == _listed_by_service(db_url, *argv)


def test_the_database_is_found_where_the_engine_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert quick_list(None, NOW) is None  # the default file is not there yet
    Core.open().close()  # the default file in the (isolated) user data directory
    assert quick_list(None, NOW) is not None
    other = tmp_path / "other.db"
    monkeypatch.setenv("AMX_DATABASE_URL", f"sqlite:///{other}")
    assert quick_list(None, NOW) is None
    out = io.StringIO()
    assert run(["schedule", "list"], out=out, clock=FrozenClock(NOW)) == 0
    assert other.exists() and out.getvalue().startswith("no schedules yet")
    assert quick_list(None, NOW) is not None


def test_a_database_not_in_wal_mode_is_switched_by_the_service(sqlite_url: str) -> None:
    Core.open(sqlite_url).close()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    assert _quick(sqlite_url, ()) is None
    assert _listed(sqlite_url)[0] == 0
    assert _quick(sqlite_url, ()) is not None


@pytest.mark.parametrize(
    "stored",
    [
        {"kind": "once", "fire_at": "2026-12-03T09:00:00"},
        {"kind": "cron", "expr": "0 9 * * 1-5"},
        {"kind": "cron", "expr": "  0   9 * *  1-5 "},
        {"kind": "cron", "expr": "@DAILY"},
        {"kind": "interval", "every_seconds": 5400, "anchor": "2026-11-21T02:00:00Z"},
        {"kind": "interval", "every_seconds": 604800 + 60},
        {"kind": "after", "upstream": "  nightly   sweep ", "upstream_id": 4},
        {"kind": "after", "upstream": "", "upstream_id": 4},
        {"kind": "after", "upstream": "nightly"},
    ],
)
def test_a_stored_rule_reads_as_the_trigger_describes_it(stored: dict[str, Any]) -> None:
    assert _rule(stored) == describe(trigger_from_data(stored), "UTC")


@pytest.mark.parametrize(
    "stored",
    [
        {"kind": "once"},
        {"kind": "cron", "expr": 5},
        {"kind": "interval", "every_seconds": True},
        {"kind": "after", "upstream": ""},
        {"kind": "after", "upstream": "x", "upstream_id": "4"},
        {"kind": "weekly"},
        ["once"],
    ],
)
def test_a_stored_rule_of_another_shape_is_left_to_the_trigger_models(stored: Any) -> None:
    assert _rule(stored) is None


def test_a_half_upgraded_database_is_refused_by_the_service(sqlite_url: str) -> None:
    Core.open(sqlite_url).close()
    with closing(sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))) as conn:
        conn.execute("ALTER TABLE schedules ADD COLUMN llm_profile VARCHAR(120)")
        conn.commit()
    assert _quick(sqlite_url, ()) is None
    code, _, err = _listed(sqlite_url)
    assert code == 1 and "schedules.llm_profile is still there" in err


def _file(url: str) -> Path:
    path = _sqlite_path(make_url(url))
    assert path is not None
    return path


def _copy(url: str, to: Path) -> str:
    """A copy of the SQLite file `url` names (through SQLite's backup, so WAL content too)."""
    target = to / "copy.db"
    with closing(sqlite3.connect(_file(url))) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with closing(sqlite3.connect(target)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    target.chmod(0o600)  # as the engine makes it: a looser file is the service's to tighten
    return f"sqlite:///{target}"


def test_where_the_counts_are_not_kept_the_quick_list_counts_its_rows(
    many: str, tmp_path: Path
) -> None:
    url = _copy(many, tmp_path)
    with closing(sqlite3.connect(_file(url))) as conn:
        conn.execute("DROP TRIGGER schedule_counts_update")  # as a table rebuild would
    for argv in [(), ("--status", "pending,failed"), ("--sort", "name", "--status", "missed")]:
        assert _quick(url, argv) is not None
        assert _listed(url, *argv) == _listed_by_service(url, *argv)


def test_without_statistics_a_common_page_walks_its_sort_index(
    many: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing runs ANALYZE on a user's file: a page of most schedules must still read its
    sort's index in order, not sort every row (and its total comes from the kept counts)."""
    import core.schedules.quick_list as quick_module

    url = _copy(many, tmp_path)
    path = _file(url)
    with closing(sqlite3.connect(path)) as conn:
        assert not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchall()
    run_sql: list[str] = []
    opened = quick_module.open_at_head

    def traced(given: str | None = None) -> sqlite3.Connection | None:
        conn = opened(given)
        if conn is not None:
            conn.set_trace_callback(run_sql.append)
        return conn

    monkeypatch.setattr(quick_module, "open_at_head", traced)
    for sort in ("next_fire_at", "name", "id"):
        run_sql.clear()
        assert _quick(url, ("--sort", sort)) is not None
        listing = [s for s in run_sql if " OFFSET " in s]
        assert len(listing) == 1 and not [s for s in run_sql if "count(id)" in s], run_sql
        with closing(sqlite3.connect(path)) as conn:
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + listing[0])]
        assert not [line for line in plan if "TEMP B-TREE" in line], (sort, plan)
