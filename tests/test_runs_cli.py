"""`amx runs …`: run history paged newest first with each run's steps, filtered by schedule,
step kind and status; a run shown with its step runs and their logs; and the history of a
deleted schedule kept readable. Runs are fired in-process by the real tick, with real child
processes for the steps."""

from __future__ import annotations

import json
import shlex
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Core
from core.clock import FrozenClock
from core.schedules.run_history import RunQuery
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from daemon.execute import execute
from daemon.tick import tick
from tests.support.cli import Amx

PY = sys.executable


def say(word: str) -> dict[str, Any]:
    return {"kind": "run_command", "argv": [PY, "-c", f"print({word!r})"]}


def fail(word: str) -> dict[str, Any]:
    return {"kind": "run_command", "argv": [PY, "-c", f"print({word!r}); raise SystemExit(3)"]}


def add(core: Core, name: str, steps: list[dict[str, Any]], at: str = "2026-11-21 09:05") -> int:
    spec = build_spec(
        name=name, trigger=once(at), timezone="Asia/Jakarta", steps=steps, max_retries=0
    )
    return core.schedules.create(spec).id


def fire(core: Core, clock: FrozenClock, minutes: int = 5) -> list[Any]:
    clock.advance(timedelta(minutes=minutes))
    report = tick(core, "w1", slots=10)
    return [execute(core, claimed) for claimed in report.claimed]


@pytest.fixture
def amx(core: Core, db_url: str, clock: FrozenClock) -> Amx:
    """`amx` on the database of `core` (which has the DB profile `shop` already)."""
    return Amx(db_url, clock)


@pytest.fixture
def history(core: Core, clock: FrozenClock, tmp_path: Path) -> dict[str, int]:
    """Three runs: `alpha` (two commands), `beta` (a command and a Python file, which
    fails), `gamma` (one command); run ids 1, 2, 3 in that order."""
    script = tmp_path / "job.py"
    script.write_text("print('python says hi')\nraise SystemExit(4)\n")
    ids = {
        "alpha": add(core, "alpha", [say("alpha one"), say("alpha two")]),
        "beta": add(core, "beta", [say("beta one"), {"kind": "run_python", "file": str(script)}],
                    at="2026-11-21 09:10"),
        "gamma": add(core, "gamma", [say("gamma one")], at="2026-11-21 09:15"),
    }  # fmt: skip
    for _ in ids:
        [run] = fire(core, clock)
        assert run.status in ("succeeded", "failed"), run.error
    return ids


def test_runs_list_pages_newest_first_with_each_runs_steps(
    amx: Amx, history: dict[str, int]
) -> None:
    page = amx.json("runs", "list", "--limit", "2")
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 2)
    assert [r["schedule"]["name"] for r in page["items"]] == ["gamma", "beta"]
    assert page["items"][1]["steps_summary"] == "run_command ✓ → run_python ✗"
    assert page["items"][1]["run"]["status"] == "failed"
    rest = amx.json("runs", "list", "--limit", "2", "--offset", "2")
    assert [r["schedule"]["name"] for r in rest["items"]] == ["alpha"]

    assert amx("runs", "list", "--limit", "2") == 0, amx.err
    lines = amx.out.splitlines()
    assert lines[0].split()[:2] == ["RUN", "SCHEDULE"]
    assert "gamma" in lines[1] and "run_command ✓" in lines[1]
    assert "1-2 of 3; page on with --offset 2" in amx.out
    # Runs of schedules in different zones: each time says its zone.
    assert "2026-11-21 09:15 WIB" in lines[1]


def test_runs_list_filters_by_step_kind_status_and_schedule(
    amx: Amx, history: dict[str, int]
) -> None:
    found = amx.json("runs", "list", "--step-kind", "run_python")
    assert [r["schedule"]["name"] for r in found["items"]] == ["beta"]
    found = amx.json("runs", "list", "--status", "succeeded")
    assert [r["schedule"]["name"] for r in found["items"]] == ["gamma", "alpha"]
    found = amx.json("runs", "list", "--schedule", "alpha")
    assert [r["run"]["schedule_id"] for r in found["items"]] == [history["alpha"]]
    assert amx("runs", "list", "--step-kind", "send_report") == 0
    assert amx.out.strip() == "no runs match"

    assert amx("runs", "list", "--step-kind", "bake") == 1
    assert "step kind 'bake' is unknown; use one of analyze," in amx.err
    assert amx("runs", "list", "--status", "done") == 1
    assert "run status 'done' is unknown" in amx.err
    assert amx("runs", "list", "--schedule", "nope") == 1
    assert "no schedule, live or deleted, is named 'nope'" in amx.err


def test_a_deleted_schedules_history_stays_readable(amx: Amx, history: dict[str, int]) -> None:
    alpha = history["alpha"]
    assert amx("schedule", "rm", str(alpha), "--yes") == 0, amx.err

    assert amx("schedule", "show", str(alpha)) == 1
    assert f"schedule {alpha} 'alpha' was deleted on 2026-11-21" in amx.err
    assert f"`amx runs list --schedule {alpha}` lists them" in amx.err
    assert amx("schedule", "show", "alpha") == 1 and "was deleted" in amx.err

    for ref in (str(alpha), "alpha"):
        assert amx("runs", "list", "--schedule", ref) == 0, amx.err
        first, *rows = amx.out.splitlines()
        assert first.startswith(f"schedule {alpha} 'alpha' (deleted 2026-11-21")
        assert "alpha (deleted)" in rows[1]
    [item] = amx.json("runs", "list", "--schedule", str(alpha))["items"]
    assert item["schedule"]["deleted_at"] is not None

    assert amx("runs", "show", str(item["run"]["id"])) == 0, amx.err
    assert "'alpha' (deleted" in amx.out


def test_runs_show_lists_step_runs_and_each_steps_log(amx: Amx, history: dict[str, int]) -> None:
    [beta] = amx.json("runs", "list", "--schedule", "beta")["items"]
    run_id = beta["run"]["id"]
    shown = amx.json("runs", "show", str(run_id))
    assert [(s["step"]["kind"], s["step"]["status"]) for s in shown["steps"]] == [
        ("run_command", "succeeded"),
        ("run_python", "failed"),
    ]
    assert [line["text"] for line in shown["steps"][0]["log"]] == ["beta one"]
    assert "python says hi" in [line["text"] for line in shown["steps"][1]["log"]]

    assert amx("runs", "show", str(run_id)) == 0, amx.err
    out = amx.out
    assert "status         failed" in out
    assert "log of step 1 (run_command, succeeded):" in out
    assert "log of step 2 (run_python, failed):" in out
    step_one = out.index("log of step 1")
    assert step_one < out.index("beta one", step_one) < out.index("log of step 2")
    assert amx("runs", "show", "999") == 1 and "no run with id 999" in amx.err


def test_schedule_show_prints_steps_and_the_latest_runs_step_runs(
    amx: Amx, history: dict[str, int]
) -> None:
    assert amx("schedule", "show", "beta") == 0, amx.err
    out = amx.out
    assert f"steps:\n  1.   run_command  {shlex.quote(PY)} -c " in out
    assert "  2.   run_python  file=" in out and "db profile" not in out
    assert f"run {2} (failed), its steps:" in out
    step_lines = [line for line in out.splitlines() if "run_python" in line and "failed" in line]
    assert step_lines, out
    data = amx.json("schedule", "show", "beta")
    [steps] = data["step_runs"].values()
    assert [s["status"] for s in steps] == ["succeeded", "failed"]


def test_schedule_list_has_a_steps_column_where_it_fits(
    amx: Amx, history: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert amx("schedule", "list", "--status", "completed,failed", "--sort", "id") == 0, amx.err
    header, *rows = amx.out.splitlines()
    assert header.split()[-1] == "STEPS"
    assert rows[1].endswith("run_command → run_python")
    monkeypatch.setenv("COLUMNS", "80")
    assert amx("schedule", "list", "--status", "completed,failed") == 0
    assert "STEPS" not in amx.out and max(len(line) for line in amx.out.splitlines()) <= 80


def test_the_history_query_checks_its_paging(core: Core) -> None:
    with pytest.raises(Exception, match="limit must be from 1 to 1000"):
        RunQuery(limit=0)
    assert core.runs.history().items == []
    assert json.loads(core.runs.history().model_dump_json())["total"] == 0
