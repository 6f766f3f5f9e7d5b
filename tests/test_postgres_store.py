"""The store's password stays with libpq or the environment: `~/.pgpass`, a service file or an
`env:` reference work, and nothing of ours ever holds the password."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.schedules.service import ListQuery
from core.schedules.stored import SHOWN, stored_columns
from core.storage import engine as engine_module
from core.storage import prepared
from tests.support.cli import Amx
from tests.support.daemons import start, wait_until
from tests.support.pg import Cluster
from tests.support.shop import make_shop
from tests.test_service import spec

pytestmark = pytest.mark.postgres

PASSWORD = "s3cret-Tango-41"
ADD = ["schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--db-profile", "shop",
       "--scope", "public.users"]  # fmt: skip


@pytest.fixture
def team_db(pg_cluster: Cluster) -> tuple[Cluster, str]:
    """A database owned by the role `team`, which must give its password."""
    name = f"teamdb{os.getpid()}"
    pg_cluster.create_database(name)
    pg_cluster.add_password_role("team", PASSWORD, name)
    return pg_cluster, name


def socket_url(cluster: Cluster, name: str, userinfo: str = "team") -> str:
    return f"postgresql+psycopg://{userinfo}@/{name}?host={cluster.socket_dir}&port={cluster.port}"


def use(amx: Amx, tmp_path: Path) -> None:
    assert amx("profile", "db", "add", "shop", make_shop(tmp_path / "shop")) == 0, amx.err
    assert amx(*ADD) == 0, amx.err
    assert [s["name"] for s in amx.json("schedule", "list")["items"]] == ["nightly"]


def nothing_holds_the_password(*roots: Path) -> None:
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path


def test_without_a_password_the_refusal_is_one_sentence(
    team_db: tuple[Cluster, str], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, name = team_db
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    amx = Amx(socket_url(cluster, name), clock)
    assert amx("schedule", "list") == 1
    assert amx.err.startswith("error: cannot reach the database ") and amx.err.count("\n") == 1
    assert "password" in amx.err and "Traceback" not in amx.err


def test_pgpass_file(
    team_db: tuple[Cluster, str],
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster, name = team_db
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:team:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    amx = Amx(socket_url(cluster, name), clock)
    use(amx, tmp_path)
    nothing_holds_the_password(Path(os.environ["HOME"]))


def test_service_file(
    team_db: tuple[Cluster, str],
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster, name = team_db
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[amx]\nhost={cluster.socket_dir}\nport={cluster.port}\ndbname={name}\nuser=team\n"
        f"password={PASSWORD}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    amx = Amx("postgresql+psycopg:///?service=amx", clock)
    use(amx, tmp_path)
    assert amx("schedule", "install-daemon", "--print", "--platform", "linux") == 0, amx.err
    assert "service=amx" in amx.out and PASSWORD not in amx.out
    nothing_holds_the_password(Path(os.environ["HOME"]))


@pytest.fixture
def by_env(
    team_db: tuple[Cluster, str],
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, Amx]:
    """A URL whose password is `env:AMX_DB_PASSWORD`, and the command line on it, in use."""
    cluster, name = team_db
    monkeypatch.setenv("AMX_DB_PASSWORD", PASSWORD)
    url = socket_url(cluster, name, "team:env:AMX_DB_PASSWORD")
    amx = Amx(url, clock)
    use(amx, tmp_path)
    return url, amx


def test_env_reference_in_a_real_daemon_process(by_env: tuple[str, Amx]) -> None:
    url, amx = by_env
    assert amx("daemon", "health") == 1  # no daemon yet, but the store answered
    done = subprocess.run(
        [sys.executable, "-m", "studio_tui.cli", "--database-url", url, "daemon", "tick", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    nothing_holds_the_password(Path(os.environ["HOME"]))


def test_env_reference_reaches_the_job_process_but_never_a_command_line(
    by_env: tuple[str, Amx], tmp_path: Path
) -> None:
    url, amx = by_env
    [schedule] = amx.json("schedule", "list")["items"]
    assert amx("schedule", "run-now", str(schedule["id"])) == 0, amx.err
    daemon = start(url, tmp_path / "d.log", "--poll", "0.2")

    def log() -> str:
        return daemon.log.read_text() if daemon.log.exists() else ""

    try:
        assert wait_until(lambda: "job process" in log(), 30), log()
        job = int(re.findall(r"job process (\d+) started", log())[0])
        for pid in (daemon.process.pid, job):
            assert PASSWORD.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert wait_until(lambda: "succeeded" in log(), 30), log()
    finally:
        daemon.stop()
    nothing_holds_the_password(Path(os.environ["HOME"]), tmp_path)


def test_a_row_held_by_a_stalled_session_is_refused_after_five_seconds(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path
) -> None:
    name = f"stalled{os.getpid()}"
    url = pg_cluster.create_database(name)
    amx = Amx(url, clock)
    use(amx, tmp_path)
    [schedule] = amx.json("schedule", "list")["items"]
    with pg_cluster.connect(name, autocommit=False) as stalled:
        stalled.execute("SELECT id FROM schedules WHERE id = %s FOR UPDATE", (schedule["id"],))
        started = time.monotonic()
        assert amx("schedule", "pause", str(schedule["id"])) == 1
        waited = time.monotonic() - started
    assert 4.5 <= waited < 15, waited
    assert amx.err.startswith("error: the database ") and amx.err.count("\n") == 1
    assert "is busy: a row this needs stayed locked for 5 s by another session" in amx.err
    assert amx("schedule", "pause", str(schedule["id"])) == 0, "and it works once released"


def test_times_come_back_in_utc_whatever_zone_the_server_defaults_to(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path
) -> None:
    """The store keeps UTC and its sessions read in UTC, also from a server set to another zone
    (psycopg makes UTC times several times faster than ones in a named zone). A page's rows
    carry their times as UTC wall times with no zone at all, which psycopg makes faster still
    and which hash without asking a zone for its offset."""
    name = f"tokyo{os.getpid()}"
    url = pg_cluster.create_database(name)
    with pg_cluster.connect() as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Tokyo'")
    core = Core.open(url, clock)
    try:
        core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
        made = core.schedules.create(spec("Nightly orders"))
        [listed] = core.schedules.list(ListQuery()).items
        assert listed.next_fire_at == made.next_fire_at is not None
        assert listed.next_fire_at.utcoffset() == timedelta(0)
        with core.db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
            stored = conn.exec_driver_sql("SELECT next_fire_at FROM schedules").scalar()
        assert stored == made.next_fire_at and stored.tzinfo is not None
        assert stored.utcoffset() == timedelta(0)
        with core.db.read() as session:
            [row] = prepared.fetch(session, "one stored row", lambda: select(*stored_columns()), {})
        wall = row[SHOWN.index("next_fire_at")]
        assert wall.tzinfo is None and wall == made.next_fire_at.replace(tzinfo=None)
    finally:
        core.close()


# The protocol messages that end a round trip: an extended query's Sync, a simple Query.
ENDS = {"Sync", "Query"}


def sent_round_trips(core: Core, action: Callable[[], object]) -> list[str]:
    """The messages of ENDS the pooled connection sends while `action` runs (a Query as its
    SQL)."""
    raw = core.db.engine.raw_connection()
    connection = raw.driver_connection
    assert isinstance(connection, psycopg.Connection)
    raw.close()  # back to the pool, where `action` takes it again
    with tempfile.TemporaryFile("w+") as trace:
        connection.pgconn.trace(trace.fileno())
        connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            action()
        finally:
            connection.pgconn.untrace()
        trace.seek(0)
        lines = [line.split("\t") for line in trace.read().splitlines()]
    return [p[3] if p[2] == "Query" else p[2] for p in lines if p[0] == "F" and p[2] in ENDS]


def test_a_text_filtered_page_takes_one_round_trip_and_each_is_planned_for_its_text(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path
) -> None:
    """A page as the studio asks for it while one types: the text's matches estimated from the
    kept sample of the table (no statement), then the page; no ping of a connection used a
    moment ago, no BEGIN or ROLLBACK around a read. psycopg prepares a statement run five
    times, and each run is still planned for its own text."""
    name = f"trips{os.getpid()}"
    url = pg_cluster.create_database(name)
    core = Core.open(url, clock)
    try:
        core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
        for i in range(30):
            core.schedules.create(spec(f"{'risk oslo' if i % 3 else 'sales lima'} {i}"))
        with core.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE schedules")
        query = ListQuery(text="risk oslo", exact_total=False)
        for _ in range(6):
            assert core.schedules.list(query).total == 20
        trips = sent_round_trips(core, lambda: core.schedules.list(query))
        assert trips == ["Sync"], trips
        assert sent_round_trips(core, lambda: core.schedules.list(ListQuery())).count("Sync") == 2
        with core.db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
    finally:
        core.close()


def test_a_connection_the_server_ended_while_idle_is_replaced_unseen(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled connection idle past IDLE_PING_S is pinged before use; one the server ended
    (a restart, an idle-session timeout) is replaced without the caller seeing it."""
    name = f"ended{os.getpid()}"
    url = pg_cluster.create_database(name)
    core = Core.open(url, clock)
    try:
        core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
        core.schedules.create(spec("Nightly orders"))
        assert core.schedules.list(ListQuery()).total == 1
        with pg_cluster.connect() as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
        assert ended is not None and ended[0] >= 1
        monkeypatch.setattr(engine_module, "IDLE_PING_S", 0.0)
        assert [s.name for s in core.schedules.list(ListQuery()).items] == ["Nightly orders"]
    finally:
        core.close()
