"""Wrong targets are errors naming the profile, never an empty catalog; `attach=` paths are bound."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core.api import Core
from core.catalog.scope import from_texts
from core.catalog.targets import open_target
from core.clock import FrozenClock
from core.errors import AmxError, InvalidInput
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from tests.support.cli import Amx
from tests.support.shop import make_shop

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def junk(kind: str) -> bytes:
    """Bytes of a file that is not a SQLite database."""
    if kind == "png":
        return PNG
    if kind == "passwd":
        return Path("/etc/passwd").read_bytes() if Path("/etc/passwd").exists() else b"root:x:0:0\n"
    return os.urandom(5000)


def spoil(file: Path, kind: str = "png") -> None:
    """Replace a database file with bytes that are not a SQLite database."""
    file.write_bytes(junk(kind))


def one_sentence(error: BaseException, profile: str) -> str:
    message = str(error)
    assert f"{profile!r}" in message, message
    assert "\n" not in message and "Traceback" not in message, message
    return message


def single(core: Core, tmp_path: Path, name: str = "one") -> Path:
    """A DB profile on one SQLite file (no attachments) holding `orders` and `users`."""
    file = tmp_path / f"{name}.db"
    with sqlite3.connect(file) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)")
    conn.close()
    core.profiles.add_db(name, f"sqlite:///{file}")
    return file


def schedule(core: Core, name: str, scope: list[str], profile: str = "shop") -> int:
    spec = build_spec(
        name=name,
        trigger=cron("0 2 * * *"),
        timezone="Asia/Jakarta",
        db_profile=profile,
        scope=scope,
        review_strategy="manual",
    )
    return core.schedules.create(spec).id


# -- a target that is not a database --------------------------------------------------------


@pytest.mark.parametrize("kind", ["png", "passwd", "random"])
def test_a_main_file_that_is_not_sqlite_is_an_error_naming_the_profile(
    core: Core, tmp_path: Path, kind: str
) -> None:
    spoil(tmp_path / "shop" / "main.db", kind)
    with pytest.raises(AmxError) as err:
        core.catalog.children("shop", ("main",))
    message = one_sentence(err.value, "shop")
    assert "main.db" in message and "not a SQLite database" in message
    with pytest.raises(AmxError) as err:
        core.catalog.refresh("shop")
    one_sentence(err.value, "shop")


@pytest.mark.parametrize("kind", ["png", "passwd", "random"])
def test_a_single_file_profile_on_junk_lists_nothing_but_an_error(
    core: Core, tmp_path: Path, kind: str
) -> None:
    spoil(single(core, tmp_path), kind)
    for parent in [("one",), ("one", "main")]:
        with pytest.raises(AmxError) as err:
            core.catalog.children("one", parent)
        message = one_sentence(err.value, "one")
        assert "one.db" in message and "not a SQLite database" in message
    with pytest.raises(AmxError) as err:
        core.catalog.refresh("one")
    one_sentence(err.value, "one")


def test_an_attached_file_that_is_not_sqlite_is_an_error_not_an_empty_schema(
    core: Core, tmp_path: Path
) -> None:
    spoil(tmp_path / "shop" / "sales.db")
    with pytest.raises(AmxError) as err:
        core.catalog.children("shop", ("main", "sales"))
    message = one_sentence(err.value, "shop")
    assert "sales.db" in message and "not a SQLite database" in message


def test_refresh_of_a_spoiled_target_keeps_the_cache(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    file = single(core, tmp_path)
    core.catalog.refresh("one")
    before = core.catalog.children("one", ("one", "main"))
    clock.advance(timedelta(hours=1))
    spoil(file)
    with pytest.raises(AmxError):
        core.catalog.refresh("one")
    after = core.catalog.children("one", ("one", "main"))
    assert after.from_cache and after.fetched_at == before.fetched_at
    assert [n.name for n in after.nodes] == ["orders", "users"]


def test_a_refused_scope_does_not_rewrite_the_cache(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    file = single(core, tmp_path)
    cached = core.catalog.children("one", ("one", "main"))
    clock.advance(timedelta(hours=1))
    spoil(file)
    with pytest.raises(AmxError) as err:
        core.catalog.check_scope("one", None, [("main", "nope")])
    one_sentence(err.value, "one")
    kept = core.catalog.children("one", ("one", "main"))
    assert kept.fetched_at == cached.fetched_at and [n.name for n in kept.nodes] == [
        "orders",
        "users",
    ]


def test_a_scope_refused_for_a_missing_table_leaves_the_cache_as_it_was(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    cached = core.catalog.children("shop", ("main", "public"))
    clock.advance(timedelta(hours=1))
    with sqlite3.connect(tmp_path / "shop" / "public.db") as conn:
        conn.execute("CREATE TABLE carts (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(InvalidInput, match="no table named 'nope'"):
        core.catalog.check_scope("shop", None, [("public", "nope")])
    kept = core.catalog.children("shop", ("main", "public"))
    assert kept.fetched_at == cached.fetched_at and "carts" not in [n.name for n in kept.nodes]
    # An accepted scope stores what it read.
    core.catalog.check_scope("shop", None, [("public", "carts")])
    assert "carts" in [n.name for n in core.catalog.children("shop", ("main", "public")).nodes]


def test_an_unknown_schema_is_an_error_not_an_empty_listing(core: Core) -> None:
    with pytest.raises(AmxError, match="no schema named 'nope'") as err:
        core.catalog.children("shop", ("main", "nope"))
    one_sentence(err.value, "shop")


@pytest.mark.parametrize("scope", [["*"], ["main"], ["main.users"]])
def test_an_analysis_run_over_a_spoiled_target_fails(
    core: Core, tmp_path: Path, scope: list[str]
) -> None:
    file = single(core, tmp_path)
    sid = schedule(core, "whole", scope, profile="one")
    spoil(file)
    started = core.runs.start_here(sid)
    done = core.job.execute(sid, started.id)
    assert done.status == "failed", done
    assert done.error is not None and "'one'" in done.error
    assert "not a SQLite database" in done.error


def test_resolve_of_a_spoiled_attachment_fails(core: Core, tmp_path: Path) -> None:
    spoil(tmp_path / "shop" / "public.db", "random")
    with pytest.raises(AmxError) as err:
        core.catalog.resolve("shop", None, from_texts(["public"]))
    one_sentence(err.value, "shop")


# -- the command line ---------------------------------------------------------------------


def test_profile_db_test_and_catalog_fail_on_a_png(amx: Amx, tmp_path: Path) -> None:
    file = tmp_path / "one.db"
    with sqlite3.connect(file) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    conn.close()
    assert amx("profile", "db", "add", "one", f"sqlite:///{file}") == 0, amx.err
    assert amx("profile", "db", "test", "one") == 0, amx.err  # the cache now holds it
    spoil(file)
    for argv in (
        ("profile", "db", "test", "one"),
        ("catalog", "refresh", "one"),
        ("catalog", "show", "one", "one.main"),
    ):
        assert amx(*argv) != 0, (argv, amx.out)
        assert amx.err.startswith("error: ") and amx.err.count("\n") == 1, amx.err
        assert "'one'" in amx.err and "not a SQLite database" in amx.err


def test_catalog_show_of_a_png_profile_fails(amx: Amx, tmp_path: Path) -> None:
    spoil(tmp_path / "shop" / "main.db")
    assert amx("catalog", "show", "shop") != 0, amx.out
    assert amx.err.startswith("error: ") and amx.err.count("\n") == 1, amx.err
    assert "'shop'" in amx.err and "not a SQLite database" in amx.err


def test_profile_db_add_checks_the_sqlite_target(amx: Amx, tmp_path: Path) -> None:
    png = tmp_path / "picture.png"
    png.write_bytes(PNG)
    assert amx("profile", "db", "add", "pic", f"sqlite:///{png}") != 0
    assert "'pic'" in amx.err and "not a SQLite database" in amx.err and amx.err.count("\n") == 1
    missing = tmp_path / "new" / "fresh.db"
    missing.parent.mkdir()
    assert amx("profile", "db", "add", "fresh", f"sqlite:///{missing}") != 0
    assert "'fresh'" in amx.err and "does not exist" in amx.err and "--create" in amx.err
    assert not missing.exists()
    assert amx("profile", "db", "list", "--json") == 0
    assert "pic" not in amx.out and "fresh" not in amx.out
    assert amx("profile", "db", "add", "fresh", f"sqlite:///{missing}", "--create") == 0, amx.err
    assert missing.exists()
    assert amx("profile", "db", "test", "fresh") == 0, amx.err


def test_profile_db_add_checks_attached_files(core: Core, tmp_path: Path) -> None:
    url = make_shop(tmp_path / "other")
    (tmp_path / "other" / "sales.db").unlink()
    with pytest.raises(AmxError, match=r"sales\.db") as err:
        core.profiles.add_db("other", url)
    one_sentence(err.value, "other")
    assert "other" not in [p.name for p in core.profiles.list_db()]
    core.profiles.add_db("other", url, create=True)
    assert [n.name for n in core.catalog.children("other", ("main",)).nodes] == [
        "main",
        "public",
        "sales",
    ]


# -- attach= paths and names ----------------------------------------------------------------


@pytest.mark.parametrize("folder", ["it's here", "50% off #1", 'say "x"'])
def test_attach_paths_with_quotes_and_url_characters_open(
    core: Core, tmp_path: Path, folder: str
) -> None:
    shop = tmp_path / folder
    make_shop(shop)
    url = f"sqlite:///{shop / 'main.db'}?attach=public:public.db&attach=sales:{shop / 'sales.db'}"
    core.profiles.add_db("quoted", url)
    assert [n.name for n in core.catalog.children("quoted", ("main",)).nodes] == [
        "main",
        "public",
        "sales",
    ]
    assert [n.name for n in core.catalog.children("quoted", ("main", "public")).nodes] == [
        "orders",
        "users",
    ]


def test_a_quote_in_an_attach_path_is_part_of_the_name_not_sql(core: Core, tmp_path: Path) -> None:
    make_shop(tmp_path / "shop2")
    evil = tmp_path / "x' AS s; DETACH main; --.db"
    with sqlite3.connect(evil) as conn:
        conn.execute("CREATE TABLE evil (id INTEGER PRIMARY KEY)")
    conn.close()
    url = f"sqlite:///{tmp_path / 'shop2' / 'main.db'}?attach=public:{evil}"
    core.profiles.add_db("evil", url)
    assert [n.name for n in core.catalog.children("evil", ("main",)).nodes] == ["main", "public"]
    assert [n.name for n in core.catalog.children("evil", ("main", "public")).nodes] == ["evil"]


# -- never open() the file in Python ----------------------------------------------------------

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0)
try:
    conn.execute("BEGIN IMMEDIATE")
except sqlite3.OperationalError as exc:
    print(exc)
else:
    print("got the lock")
"""


def test_checking_a_target_keeps_this_process_sqlite_locks(core: Core, tmp_path: Path) -> None:
    target = tmp_path / "locked"
    url = make_shop(target)
    holder = sqlite3.connect(target / "main.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a RESERVED lock, held by this process
    try:
        core.profiles.add_db("locked", url)
        core.catalog.refresh("locked")
        engine = open_target(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1").all()
        engine.dispose()
        probe = subprocess.run(
            [sys.executable, "-c", HOLDER, str(target / "main.db")],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        assert probe.stdout.strip() == "database is locked"
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_directory_is_not_a_database(core: Core, tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    with pytest.raises(AmxError) as err:
        core.profiles.add_db("dir", f"sqlite:///{folder}")
    one_sentence(err.value, "dir")


def test_profile_db_test_fails_when_the_database_is_gone_though_its_catalog_is_cached(
    amx: Amx, tmp_path: Path
) -> None:
    file = tmp_path / "gone.db"
    with sqlite3.connect(file) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    conn.close()
    assert amx("profile", "db", "add", "gone", f"sqlite:///{file}") == 0, amx.err
    assert amx("profile", "db", "test", "gone") == 0, amx.err  # the cache now holds it
    assert amx("catalog", "show", "gone") == 0, amx.err
    file.unlink()
    assert amx("profile", "db", "test", "gone") == 1, amx.out
    assert "reached" not in amx.out
    assert amx.err.startswith("error: ") and amx.err.count("\n") == 1, amx.err
    assert "'gone'" in amx.err and "gone.db" in amx.err
