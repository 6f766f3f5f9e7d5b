"""`amx schedule logs ID|NAME [--run N] [--follow]`: a run's log, in process and with a real
daemon and its job process writing it while `--follow` prints it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from tests.support.cli import Amx
from tests.support.daemons import ROOT, start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, timeout
from tests.support.shop import make_shop

ADD = ("schedule", "add", "--db-profile", "shop", "--scope", "public", "--timezone", "UTC",
       "--cron", "0 2 * * *")  # fmt: skip


def test_logs_prints_the_latest_run_line_by_line(amx: Amx) -> None:
    assert amx(*ADD, "--name", "nightly") == 0, amx.err
    assert amx("schedule", "run-now", "nightly", "--here") == 0, amx.err
    assert amx("schedule", "logs", "nightly") == 0, amx.err
    print(amx.out)
    lines = amx.out.splitlines()
    assert lines[0] == (
        "2026-11-21 02:00:00  info     analysing 2 tables of public in DB profile 'shop' with "
        "LLM profile 'heuristic' (manual review)"
    )
    assert lines[-1].startswith("2026-11-21 02:00:00  info     succeeded: 2 tables, 10 columns")
    assert len(lines) == 4
    assert amx.err.startswith("run 1 of schedule 1 'nightly': succeeded, 2026-11-21 02:00 UTC")
    assert amx("schedule", "logs", "1", "--json") == 0, amx.err
    first = json.loads(amx.out.splitlines()[0])
    assert first["level"] == "info" and first["run_id"] == 1 and first["at"].startswith("2026")


def test_logs_of_a_missed_run_say_it_never_started_and_why(amx: Amx) -> None:
    assert amx(*ADD, "--name", "nightly") == 0, amx.err
    amx.clock.advance(timedelta(days=1, hours=1))  # past its grace, and asked what to do
    assert amx("daemon", "tick") == 0, amx.err
    assert amx("schedule", "logs", "nightly") == 0, amx.err
    assert amx.out == ""
    said = amx.err.splitlines()
    assert said[0] == "run 1 of schedule 1 'nightly': missed, 2026-11-22 02:00 UTC"
    assert said[1].startswith("run 1 never started, so it has no log: 1 occurrence missed since")
    assert "runs before this version" not in amx.err


def test_stored_text_cannot_steer_the_terminal_or_forge_lines(amx: Amx, db_url: str) -> None:
    assert amx(*ADD, "--name", "nightly") == 0, amx.err
    core = Core.open(db_url, amx.clock)
    try:
        run = core.runs.start_here(1)
        core.runs.log.write(
            run.id, "error", "bad \x1b[31mred\x1b[0m\n2026-11-21 02:00:00  info  ok"
        )
    finally:
        core.close()
    assert amx("schedule", "logs", "nightly") == 0, amx.err
    assert amx.out == (
        "2026-11-21 02:00:00  error    bad \\x1b[31mred\\x1b[0m\\x0a2026-11-21 02:00:00  info  ok\n"
    )


def test_logs_refusals_are_one_sentence(amx: Amx) -> None:
    assert amx(*ADD, "--name", "nightly") == 0, amx.err
    assert amx(*ADD, "--name", "other") == 0, amx.err
    assert amx("schedule", "logs", "nightly") == 1
    assert amx.err == ("error: schedule 1 has not run yet, so it has no log.\n")
    assert amx("schedule", "run-now", "other", "--here") == 0, amx.err
    assert amx("schedule", "logs", "nightly", "--run", "1") == 1
    assert amx.err == "error: run 1 is a run of schedule 2, not of schedule 1.\n"
    assert amx("schedule", "logs", "nightly", "--run", "0") == 2
    assert amx("schedule", "logs", "nobody") == 1
    assert "no schedule has the id or name 'nobody'" in amx.err


def _amx(url: str, *argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "studio_tui.cli", "--database-url", url, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_follow_prints_the_daemons_lines_while_the_run_goes(
    sqlite_url: str, tmp_path: Path
) -> None:
    core = Core.open(sqlite_url)
    try:
        core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
        with FakeLlm() as llm:
            add_profile(core, llm)
            # Each table's answer takes a while, so the run is followed while it goes.
            llm.script(timeout(1.5), timeout(1.5), timeout(1.5))
            due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0, tzinfo=None)
            spec = build_spec(name="followed", trigger=once(due), timezone="UTC",
                              db_profile="shop", scope=["public", "sales"],
                              llm_profile="slow")  # fmt: skip
            sid = core.schedules.create(spec).id
            daemon = start(sqlite_url, tmp_path / "d.log", "--poll", "0.2")
            try:
                assert wait_until(lambda: core.runs.latest(sid) is not None, 30)
                follower = _amx(sqlite_url, "schedule", "logs", "followed", "--follow")
                quitter = _amx(sqlite_url, "schedule", "logs", "followed", "-f")
                assert follower.stdout is not None and quitter.stdout is not None
                first = follower.stdout.readline()
                run = core.runs.latest(sid)
                assert run is not None
                print(f"first line {first!r} while the run is {run.status}")
                assert "analysing 3 tables" in first and run.status == "running"
                # Ctrl-C stops following quietly.
                assert "analysing" in quitter.stdout.readline()
                quitter.send_signal(signal.SIGINT)
                _, said = quitter.communicate(timeout=15)
                assert quitter.returncode == 0 and "Traceback" not in said, said
                rest, said = follower.communicate(timeout=60)
            finally:
                daemon.stop()
        print(first + rest, said)
        assert follower.returncode == 0, said
        lines = (first + rest).splitlines()
        assert [line.split()[3] for line in lines[1:4]] == ["[1/3]", "[2/3]", "[3/3]"]
        assert "succeeded: 3 tables" in lines[-1]
        assert said.splitlines()[-1] == f"run {run.id} succeeded"
    finally:
        core.close()
