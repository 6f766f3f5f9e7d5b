"""What the product writes to disk only its owner may read, whatever the umask: the database and
its -wal/-shm (0600) in a 0700 directory, the config, the daemon's logs; looser ones left by an
earlier version are tightened with one line saying so."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.daemons import start, wait_until

ROOT = Path(__file__).resolve().parents[1]
UMASKS = [0o022, 0o000]


def mode(path: Path) -> str:
    return f"{stat.S_IMODE(path.stat().st_mode):o}"


def run(umask: int, *argv: str) -> subprocess.CompletedProcess[str]:
    """`argv` as a child process started with `umask`, in the test's isolated home."""
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=lambda: os.umask(umask),
    )  # fmt: skip


def amx(umask: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return run(umask, sys.executable, "-m", "studio_tui.cli", *argv)


def data_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "amx-studio"


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_amx_creates_a_private_database_in_a_private_directory(umask: int) -> None:
    done = amx(umask, "schedule", "list")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert mode(data_dir()) == "700"
    assert mode(data_dir() / "amx.db") == "600"
    assert mode(Path(os.environ["XDG_DATA_HOME"])) == "700"


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_a_daemon_keeps_wal_shm_and_its_log_private(umask: int, tmp_path: Path) -> None:
    db = tmp_path / "store" / "amx.db"
    log = tmp_path / "logs" / "daemon.log"
    old = os.umask(umask)
    try:
        daemon = start(f"sqlite:///{db}", log, "--poll", "0.2")
    finally:
        os.umask(old)
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    try:
        assert wait_until(lambda: wal.exists() and shm.exists() and log.exists(), 30)
        assert wait_until(lambda: "amx daemon" in log.read_text() or log.stat().st_size, 30)
        modes = {p.name: mode(p) for p in (db.parent, db, wal, shm, log.parent, log)}
    finally:
        daemon.stop()
    assert modes == {"store": "700", "amx.db": "600", "amx.db-wal": "600",
                     "amx.db-shm": "600", "logs": "700", "daemon.log": "600"}  # fmt: skip


def test_the_default_log_of_a_daemon_is_private(tmp_path: Path) -> None:
    from daemon.logs import default_log_file

    done = run(
        0o022, sys.executable, "-c",
        "import logging; from daemon import logs; logs.setup(); "
        "logging.getLogger('amx.test').info('hello')",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = default_log_file()
    assert "hello" in path.read_text()
    assert (mode(path.parent.parent), mode(path.parent), mode(path)) == ("700", "700", "600")


@pytest.mark.parametrize("umask", UMASKS, ids=["umask022", "umask000"])
def test_the_config_is_private(umask: int) -> None:
    done = run(umask, sys.executable, "-c",
               "from studio_tui import config; config.save(theme='nord'); config.save(x=1)")  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "amx-studio" / "config.json"
    assert (mode(path.parent), mode(path)) == ("700", "600")
    assert not path.with_suffix(".tmp").exists()


def test_loose_files_of_an_earlier_version_are_tightened_with_one_line_each() -> None:
    assert amx(0o022, "schedule", "list").returncode == 0
    db = data_dir() / "amx.db"
    shm = Path(f"{db}-shm")
    shm.touch()
    for path, loose in ((data_dir(), 0o755), (db, 0o644), (shm, 0o666)):
        path.chmod(loose)
    done = amx(0o022, "schedule", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    assert all(line.startswith("tightened ") for line in lines)
    assert any(str(db) in line and "0644 to 0600" in line for line in lines)
    assert (mode(data_dir()), mode(db)) == ("700", "600")
    again = amx(0o022, "schedule", "list")
    assert again.returncode == 0 and again.stderr == ""


def test_a_loose_log_and_config_are_tightened_and_said_so(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "daemon.log"
    log.parent.mkdir()
    log.write_text("old\n")
    log.chmod(0o644)
    Path(f"{log}.1").write_text("older\n")
    Path(f"{log}.1").chmod(0o664)
    done = run(0o022, sys.executable, "-c",
               f"from daemon import logs; logs.setup(__import__('pathlib').Path({str(log)!r}))")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (mode(log), mode(Path(f"{log}.1"))) == ("600", "600")
    assert log.read_text().count("tightened") == 2 and done.stderr.count("tightened") == 2

    config = Path(os.environ["XDG_CONFIG_HOME"]) / "amx-studio" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"theme": "nord"}')
    config.chmod(0o644)
    done = run(0o022, sys.executable, "-c",
               "from studio_tui import config; assert config.load() == {'theme': 'nord'}")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert mode(config) == "600" and done.stderr.count("tightened") == 2  # the file and its folder


def test_a_database_in_a_folder_the_person_chose_leaves_the_folder_alone(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    done = amx(0o022, "--database-url", f"sqlite:///{folder / 'amx.db'}", "schedule", "list")
    assert done.returncode == 0, done.stderr
    assert (mode(folder), mode(folder / "amx.db")) == ("755", "600")
