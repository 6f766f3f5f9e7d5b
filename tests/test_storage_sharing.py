"""One SQLite file, several handles and processes: only SQLite ever opens the file, so no process
drops another's locks and no `-wal` is unlinked while in use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from core.storage.engine import Database
from tests.support.daemons import ROOT
from tests.support.shop import make_shop

# A process that holds a Core, opens a second one on the same file and drops it, then answers
# one command a line: `status ID`, `pause ID`, `resume ID`.
HOLDER = """
import sys
from core.api import Core
core = Core.open(sys.argv[1])
Core.open(sys.argv[1]).close()
print("ready", flush=True)
for line in sys.stdin:
    verb, sid = line.split()
    if verb == "status":
        print(core.schedules.get(int(sid)).status, flush=True)
    else:
        getattr(core.schedules, verb)(int(sid))
        print("done", flush=True)
"""


class Holder:
    """The holding process and its line protocol."""

    def __init__(self, url: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == "ready"

    def read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def ask(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()

    def open_files(self, stem: Path) -> list[str]:
        """The files named `stem…` (the database, its `-wal`, its `-shm`) this process has open;
        one unlinked under it ends in `(deleted)`."""
        fd_dir = Path(f"/proc/{self.process.pid}/fd")
        targets = [os.readlink(fd_dir / fd) for fd in os.listdir(fd_dir)]
        return sorted({t for t in targets if t.startswith(str(stem))})

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def amx(url: str, *argv: str) -> str:
    """`amx` as a separate process; its standard output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "studio_tui.cli", "--database-url", url, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def holder(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Holder, int]]:
    core = Core.open(sqlite_url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    spec = build_spec(
        name="nightly", trigger=cron("0 2 * * *"), timezone="UTC", db_profile="shop",
        scope=["main"],
    )  # fmt: skip
    sid = core.schedules.create(spec).id
    core.close()
    held = Holder(sqlite_url)
    yield held, sid
    held.stop()


def test_a_second_core_in_a_process_keeps_it_in_step_with_others(
    holder: tuple[Holder, int], sqlite_url: str, tmp_path: Path
) -> None:
    held, sid = holder
    wal = tmp_path / "amx.db-wal"
    amx(sqlite_url, "schedule", "pause", str(sid))
    assert held.ask(f"status {sid}") == "paused"
    assert held.ask(f"resume {sid}") == "done"
    shown = json.loads(amx(sqlite_url, "schedule", "show", str(sid), "--json"))
    assert shown["schedule"]["status"] == "pending"
    assert wal.exists()
    db = tmp_path / "amx.db"
    assert held.open_files(db) == [str(db), f"{db}-shm", f"{db}-wal"]


def test_one_engine_per_file_however_many_handles(sqlite_url: str) -> None:
    first, second = Database(sqlite_url), Database(sqlite_url)
    assert first.engine is second.engine
    second.dispose()
    with first.read() as session:  # the first handle's engine survives the second's dispose
        assert session.connection().exec_driver_sql("SELECT 1").scalar() == 1
    first.dispose()
    third = Database(sqlite_url)
    assert third.engine is not first.engine  # the last dispose really closed it
    third.dispose()
