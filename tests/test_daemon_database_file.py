"""The SQLite file deleted or replaced under a running daemon: the daemon and its job process say
so and stop (so the OS hook restarts them on the real file), and nothing creates a new file."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from tests.support.daemons import start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, timeout
from tests.support.shop import make_shop

pytestmark = pytest.mark.slow


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_deleting_the_database_files_stops_the_daemon_and_its_job_process(
    tmp_path: Path,
) -> None:
    path = tmp_path / "amx.db"
    url = f"sqlite:///{path}"
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(60))  # the job waits on the LLM while the file goes
        due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0, tzinfo=None)
        core.schedules.create(
            build_spec(
                name="long",
                trigger=once(due),
                timezone="UTC",
                db_profile="shop",
                scope=["public.users.email"],
                llm_profile="slow",
            )
        )
        core.close()
        daemon = start(
            url, tmp_path / "d.log", "--poll", "0.2", "--heartbeat", "0.5", "--lease", "2"
        )
        assert wait_until(lambda: len(llm.requests) == 1, 30)
        [job] = [int(p) for p in re.findall(r"job process (\d+) started", daemon.log.read_text())]
        for name in ("amx.db", "amx.db-wal", "amx.db-shm"):  # rm amx.db*
            (tmp_path / name).unlink(missing_ok=True)
        assert wait_until(lambda: daemon.process.poll() is not None, 30), "the daemon kept on"
        assert wait_until(lambda: not _running(job), 10), "its job process kept on"
    log = daemon.log.read_text()
    print(f"daemon exit {daemon.process.returncode}; log tail:\n{log[-600:]}")
    assert daemon.process.returncode != 0, "a non-zero exit, so the OS hook restarts it"
    said = [line for line in log.splitlines() if "was deleted while in use" in line]
    assert said and "stopping, so the daemon restarts" in said[0]
    assert not any(tmp_path.glob("amx.db*")), "no new database file was created"
    assert "Traceback" not in log


def test_replacing_the_database_file_stops_the_daemon(tmp_path: Path) -> None:
    path = tmp_path / "amx.db"
    url = f"sqlite:///{path}"
    Core.open(url).close()
    Core.open(f"sqlite:///{tmp_path / 'backup.db'}").close()
    daemon = start(url, tmp_path / "d.log", "--poll", "0.2")
    assert wait_until(
        lambda: "started" in (daemon.log.read_text() if daemon.log.exists() else ""), 30
    )
    inode = os.stat(path).st_ino
    shutil.copy(tmp_path / "backup.db", tmp_path / "restored.db")
    os.replace(tmp_path / "restored.db", path)  # a restore from a backup
    assert os.stat(path).st_ino != inode
    assert wait_until(lambda: daemon.process.poll() is not None, 30), "the daemon kept on"
    log = daemon.log.read_text()
    assert daemon.process.returncode != 0
    assert len([ln for ln in log.splitlines() if "was replaced by another file" in ln]) == 1
