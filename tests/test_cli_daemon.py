"""`amx daemon …` and the daemon verbs of `amx schedule`: health, tick, status, the hook preview."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from daemon.health import HealthServer
from daemon.heartbeat import register
from tests.support.cli import Amx
from tests.support.daemons import start, wait_until
from tests.support.workers import add_worker
from tests.test_cli import ADD


def test_health_before_and_after_a_heartbeat(amx: Amx, clock: FrozenClock) -> None:
    assert amx("daemon", "health") == 1 and "no daemon has run" in amx.out
    from core.api import Core

    core = Core.open(amx.url, clock)
    register(core.db, "host:1:abc", clock.now())
    assert amx("daemon", "health") == 0 and "daemon alive" in amx.out
    report = amx.json("daemon", "health")
    assert report["alive"] is True and report["workers"][0]["id"] == "host:1:abc"
    clock.advance(timedelta(seconds=91))
    assert amx("daemon", "health") == 1 and "silent" in amx.out
    lines = amx.out.splitlines()  # times as people read them, in this machine's zone
    assert lines[0] == "daemon not alive; last heartbeat 1 m 31 s ago (2026-11-21 09:00 WIB)"
    version = report["workers"][0]["version"]
    assert lines[1] == f"  host:1:abc  silent  last seen 1 m 31 s ago  version {version}"
    core.close()


def test_health_and_status_name_a_host_whose_clock_is_off(amx: Amx, clock: FrozenClock) -> None:
    from core.api import Core

    core = Core.open(amx.url, clock)
    add_worker(core.db, "etl-01", clock.now(), skew=0.3)
    add_worker(core.db, "etl-02", clock.now(), skew=-7.25)
    add_worker(core.db, "etl-03", clock.now() - timedelta(minutes=5), skew=30.0)  # not alive
    core.close()
    assert amx("daemon", "health") == 0
    lines = {line.split()[0]: line for line in amx.out.splitlines()[1:]}
    assert lines["etl-02:4242:a1b2c3"].endswith("clock -7.2 s off the database")
    assert "off the database" not in lines["etl-01:4242:a1b2c3"]
    assert "off the database" not in lines["etl-03:4242:a1b2c3"], "only live workers warn"
    report = amx.json("daemon", "health")
    assert [w["skewed"] for w in report["workers"]] == [False, True, False]
    assert amx("schedule", "status") == 0
    assert "alive, 2 workers" in amx.out
    assert "clock         etl-02 is -7.2 s off the database clock" in amx.out
    assert amx.json("schedule", "status")["skewed"] == [
        {"worker": "etl-02:4242:a1b2c3", "host": "etl-02", "skew_s": -7.25}
    ]


def test_health_lists_the_last_day_and_forgets_after_thirty_days(
    amx: Amx, clock: FrozenClock
) -> None:
    from core.api import Core

    core = Core.open(amx.url, clock)
    add_worker(core.db, "old-host", clock.now() - timedelta(days=31))
    add_worker(core.db, "last-week", clock.now() - timedelta(days=6))
    add_worker(core.db, "etl-01", clock.now() - timedelta(hours=3))
    assert amx("daemon", "health") == 1
    assert "etl-01" in amx.out and "last-week" not in amx.out
    assert "… and 2 seen more than a day ago (--all lists them)" in amx.out
    assert amx("daemon", "health", "--all") == 1 and "last-week" in amx.out
    register(core.db, "etl-02:7:abc", clock.now())
    listed = [w["host"] for w in amx.json("daemon", "health", "--all")["workers"]]
    assert "old-host" not in listed and "last-week" in listed
    core.close()


def test_tick_runs_due_work_once(amx: Amx, clock: FrozenClock) -> None:
    assert amx(*ADD) == 0
    clock.advance(timedelta(hours=17))  # 02:00 Jakarta the next day, within the grace
    result = amx.json("daemon", "tick")
    assert [r["status"] for r in result["runs"]] == ["succeeded"]
    assert amx.json("daemon", "tick")["runs"] == []
    assert amx.json("schedule", "show", "1")["schedule"]["status"] == "pending"


def test_tick_max_zero_runs_nothing_and_a_negative_max_is_refused(
    amx: Amx, clock: FrozenClock
) -> None:
    assert amx(*ADD) == 0
    clock.advance(timedelta(hours=17))
    assert amx("daemon", "tick", "--max", "-1") == 2
    assert "argument --max: number '-1' must be 0 or more" in amx.err
    assert amx.json("daemon", "tick", "--max", "0")["runs"] == []
    assert [r["status"] for r in amx.json("daemon", "tick", "--max", "1")["runs"]] == ["succeeded"]


def test_status_says_when_nothing_will_fire(amx: Amx) -> None:
    assert amx(*ADD) == 0
    data = amx.json("schedule", "status")
    assert data["alive"] is False and data["counts"]["pending"] == 1
    assert data["next"]["name"] == "nightly" and data["next"]["in_seconds"] == 61200
    assert data["warning"].startswith("schedules are queued but nothing will fire them")
    assert amx("schedule", "status") == 0
    assert "next fire     'nightly' at Sun 2026-11-22 02:00 Asia/Jakarta — in 17 h 0 m" in amx.out
    assert "warning: schedules are queued" in amx.err


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", ["amx-daemon.service", "Restart=on-failure", "systemctl --user enable --now"]),
        ("macos", ["com.amx-studio.daemon.plist", "<key>RunAtLoad</key>", "launchctl bootstrap"]),
        ("windows", ["amx-daemon-task.xml", "<StartWhenAvailable>true", "schtasks /Create"]),
    ],
)
def test_install_print_shows_each_platform_and_installs_nothing(
    amx: Amx, platform: str, expected: list[str], tmp_path: Path
) -> None:
    assert amx("schedule", "install-daemon", "--print", "--platform", platform) == 0, amx.err
    for text in expected:
        assert text in amx.out
    assert re.search(r"-m(</string>\s*<string>| )daemon\b", amx.out)  # python -m daemon
    home = Path.home()
    assert not (home / ".config" / "systemd").exists()
    assert not (home / "Library").exists()


def test_daemon_run_and_python_m_daemon_take_the_same_options(
    amx: Amx, capsys: pytest.CaptureFixture[str]
) -> None:
    from daemon.main import build_parser

    assert amx("daemon", "run", "--help") == 0
    theirs = capsys.readouterr().out  # argparse prints help itself
    ours = build_parser().format_help()
    for flag in ("--concurrency", "--poll", "--lease", "--jobs-idle-exit", "--health-port"):
        assert flag in theirs and flag in ours
    assert "--database-url URL" in ours


def test_daemon_run_refuses_settings_that_cannot_work_before_starting(amx: Amx) -> None:
    assert amx("daemon", "run", "--heartbeat", "30", "--lease", "20") == 1
    assert amx.err.startswith("error: lease must be longer than heartbeat")
    assert amx("daemon", "run", "--jobs-idle-exit", "0") == 1
    assert amx.err.startswith("error: jobs_idle_exit must be more than 0")


def test_python_m_daemon_refuses_in_one_sentence(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "daemon", "--poll", "0", "--log-file", str(tmp_path / "d.log")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr == "error: poll must be more than 0 seconds.\n"
    assert not (tmp_path / "d.log").exists(), "refused before it set anything up"


def test_install_refuses_a_literal_password(amx: Amx) -> None:
    code = amx("--database-url", "postgresql+psycopg://amx:hunter2@db/amx", "schedule",
               "install-daemon", "--print")  # fmt: skip
    assert code == 1 and "hunter2" not in amx.err and amx.err.startswith("error: ")


def test_health_server_answers_200_or_503() -> None:
    state = {"alive": False, "last_seen": None, "workers": []}
    server = HealthServer(lambda: state, 0)
    server.start()
    url = f"http://127.0.0.1:{server.port}/health"
    try:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=5)
        assert err.value.code == 503
        state["alive"] = True
        with urllib.request.urlopen(url, timeout=5) as reply:
            assert reply.status == 200 and json.loads(reply.read())["alive"] is True
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url.replace("/health", "/other"), timeout=5)
        assert err.value.code == 404
    finally:
        server.close()


@pytest.mark.slow
def test_daemon_serves_health_on_loopback(db_url: str, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    daemon = start(db_url, tmp_path / "d.log", "--health-port", str(port))

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as reply:
                return bool(reply.status == 200 and json.loads(reply.read())["alive"])
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        assert wait_until(answers, 20, every=0.2)
    finally:
        daemon.stop()
    assert daemon.process.returncode == 0
