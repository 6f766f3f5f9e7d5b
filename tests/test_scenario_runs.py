"""Scenarios run by the tick: steps in order, parallel groups, transactional commits, step runs,
and a retry that resumes at the failed step; with real child processes for the steps."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.errors import InvalidInput
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from core.storage.tables import CatalogEntry
from daemon.execute import execute
from daemon.tick import tick

PY = sys.executable


def add(core: Core, steps: list[dict[str, Any]], **kw: Any) -> int:
    spec = build_spec(
        name=kw.pop("name", "scenario"),
        trigger=once("2026-11-21 09:05"),
        timezone="Asia/Jakarta",
        steps=steps,
        **kw,
    )
    return core.schedules.create(spec).id


def fire(core: Core, clock: FrozenClock, ahead: timedelta = timedelta(minutes=5)) -> list[Any]:
    clock.advance(ahead)
    report = tick(core, "w1", slots=10)
    return [execute(core, c) for c in report.claimed]


def append(path: Path, word: str) -> dict[str, Any]:
    """A run_command step that appends `word` to `path`."""
    code = f"open({str(path)!r}, 'a').write({word!r} + '\\n')"
    return {"kind": "run_command", "argv": [PY, "-c", code]}


def fails_once(marker: Path, log: Path, word: str) -> dict[str, Any]:
    """A step that fails the first time (leaving `marker`) and appends `word` once it passes."""
    code = (
        "import os, sys\n"
        f"m = {str(marker)!r}\n"
        "if not os.path.exists(m):\n"
        "    open(m, 'w').close(); print('not yet'); sys.exit(3)\n"
        f"open({str(log)!r}, 'a').write({word!r} + '\\n')\n"
    )
    return {"kind": "run_command", "argv": [PY, "-c", code]}


def test_steps_run_in_order_and_each_records_a_step_run(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    sid = add(core, [append(log, "one"), append(log, "two"), append(log, "three")])
    [run] = fire(core, clock)
    assert run.status == "succeeded"
    assert log.read_text().split() == ["one", "two", "three"]
    steps = core.runs.steps.of_run(run.id)
    assert [(s.position, s.kind, s.status, s.attempt) for s in steps] == [
        (0, "run_command", "succeeded", 1),
        (1, "run_command", "succeeded", 1),
        (2, "run_command", "succeeded", 1),
    ]
    assert [s["status"] for s in run.summary["steps"]] == ["succeeded"] * 3
    assert core.schedules.get(sid).status == "completed"
    lines = [line.text for line in core.runs.log.lines(run.id)]
    assert "step 2/3 run_command: started" in lines


def test_a_failed_step_fails_the_run_and_the_steps_after_it_do_not_start(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    bad = {"kind": "run_command", "argv": [PY, "-c", "print('boom'); raise SystemExit(4)"]}
    add(core, [append(log, "one"), bad, append(log, "three")], max_retries=0)
    [run] = fire(core, clock)
    assert run.status == "failed"
    assert run.error.startswith("step 2/3 run_command: ")
    assert "exited with code 4: boom" in run.error
    assert log.read_text().split() == ["one"]
    assert [s.status for s in core.runs.steps.of_run(run.id)] == ["succeeded", "failed"]


def test_a_retry_starts_again_at_the_failed_step(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log, marker = tmp_path / "order.txt", tmp_path / "marker"
    sid = add(core, [append(log, "one"), fails_once(marker, log, "two"), append(log, "three")])
    [first] = fire(core, clock)
    assert first.status == "failed"
    [second] = fire(core, clock, timedelta(seconds=45))  # past the 30 s backoff
    assert second.status == "succeeded" and second.trigger == "retry"
    assert log.read_text().split() == ["one", "two", "three"]  # "one" ran exactly once
    steps = core.runs.steps.of_run(second.id)
    assert [(s.status, s.attempt, s.carried_from) for s in steps] == [
        ("succeeded", 1, first.id),
        ("succeeded", 2, None),
        ("succeeded", 1, None),
    ]
    assert core.schedules.get(sid).status == "completed"
    said = [line.text for line in core.runs.log.lines(second.id)]
    assert f"step 1/3 run_command: done in run {first.id}; not run again" in said


def test_a_parallel_group_fans_out_and_is_waited_for(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    log = tmp_path / "order.txt"
    nap = {"kind": "run_command", "argv": [PY, "-c", "import time; time.sleep(0.8)"]}
    steps = [append(log, "before"), *[{**nap, "parallel": True}] * 4, append(log, "after")]
    add(core, steps)
    started = time.monotonic()
    [run] = fire(core, clock)
    took = time.monotonic() - started
    assert run.status == "succeeded"
    assert took < 0.8 * 4 * 0.75, f"four 0.8 s steps took {took:.1f} s: they did not fan out"
    runs = core.runs.steps.of_run(run.id)
    assert len(runs) == 6 and all(s.status == "succeeded" for s in runs)
    assert log.read_text().split() == ["before", "after"]
    said = [line.text for line in core.runs.log.lines(run.id) if line.step_run_id is None]
    # The step after the group starts only once every step of the group has ended.
    committed = said.index("the group of 4 steps committed together")
    assert said.index("step 6/6 run_command: started") > committed


def _cache_rows(core: Core) -> int:
    with core.db.read() as session:
        return len(session.scalars(select(CatalogEntry.id)).all())


@pytest.mark.parametrize("transactional", [True, False])
def test_a_transactional_group_commits_all_or_nothing(
    core: Core, clock: FrozenClock, transactional: bool
) -> None:
    bad = {"kind": "run_command", "argv": [PY, "-c", "import time; time.sleep(0.3); exit(1)"]}
    steps = [
        {"kind": "cache_refresh", "profile": "shop", "parallel": True},
        {**bad, "parallel": True},
    ]
    steps = [{**s, "transactional": transactional} for s in steps]
    add(core, steps, max_retries=0)
    assert _cache_rows(core) == 0
    [run] = fire(core, clock)
    assert run.status == "failed"
    refreshed, failed = core.runs.steps.of_run(run.id)
    assert failed.status == "failed"
    if transactional:
        assert refreshed.status == "rolled_back" and _cache_rows(core) == 0
        assert refreshed.error == "rolled back: step 2/2 run_command did not succeed in its group"
    else:
        assert refreshed.status == "succeeded" and _cache_rows(core) > 0


def test_a_transactional_group_that_succeeds_commits_every_write(
    core: Core, clock: FrozenClock
) -> None:
    steps = [
        {"kind": "cache_refresh", "profile": "shop", "parallel": True},
        {"kind": "analyze", "profile": "shop", "scope": ["public.users"], "parallel": True,
         "review": "auto"},
    ]  # fmt: skip
    add(core, steps)
    [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    refreshed, analysed = core.runs.steps.of_run(run.id)
    assert refreshed.status == analysed.status == "succeeded"
    assert _cache_rows(core) > 0
    assert analysed.summary is not None and analysed.summary["proposals"] > 0
    assert core.review.queue(run_id=run.id, status=None).total == analysed.summary["proposals"]


def test_a_command_past_its_timeout_is_killed_with_its_whole_process_group(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    add(core, [{"kind": "run_command", "argv": ["sh", "-c", script], "timeout_s": 1}],
        max_retries=0)  # fmt: skip
    started = time.monotonic()
    [run] = fire(core, clock)
    assert time.monotonic() - started < 15
    assert run.status == "failed"
    assert "ran past its timeout of 1 s; its process group was killed" in run.error
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild), "the command's own child outlived the timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_run_command_output_goes_to_the_steps_log_with_its_env_and_cwd(
    core: Core, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMX_TEST_SECRET", "s3cret")
    code = "import os; print(os.getcwd()); print(os.environ['STAGE'], os.environ['API_TOKEN'])"
    add(core, [{"kind": "run_command", "argv": [PY, "-c", code], "cwd": str(tmp_path),
                "env": {"STAGE": "nightly", "API_TOKEN": "env:AMX_TEST_SECRET"}}])  # fmt: skip
    [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    [step] = core.runs.steps.of_run(run.id)
    said = [line.text for line in core.runs.log.lines(run.id, step_run_id=step.id)]
    assert said == [str(tmp_path), "nightly s3cret"]


def test_a_missing_env_reference_fails_the_step_naming_the_variable(
    core: Core, clock: FrozenClock
) -> None:
    add(core, [{"kind": "run_command", "argv": ["true"], "env": {"TOKEN": "env:AMX_NOT_SET"}}],
        max_retries=0)  # fmt: skip
    [run] = fire(core, clock)
    assert run.status == "failed"
    assert "env TOKEN names $AMX_NOT_SET, which the daemon's environment lacks" in run.error


def test_run_python_calls_a_function_with_its_params_and_runs_a_file(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    (tmp_path / "jobs_mod.py").write_text(
        "def build(target, n):\n    print(f'building {target} x{n}')\n    return {'built': n}\n"
    )
    (tmp_path / "script.py").write_text(
        "import json, os\nprint('params', json.loads(os.environ['AMX_STEP_PARAMS']))\n"
    )
    add(core, [
        {"kind": "run_python", "function": "jobs_mod:build", "params": {"target": "mart", "n": 2},
         "cwd": str(tmp_path)},
        {"kind": "run_python", "file": str(tmp_path / "script.py"), "params": {"a": 1}},
    ])  # fmt: skip
    [run] = fire(core, clock)
    assert run.status == "succeeded", run.error
    first, second = core.runs.steps.of_run(run.id)
    assert [x.text for x in core.runs.log.lines(run.id, step_run_id=first.id)] == [
        "building mart x2",
        'returned: {"built": 2}',
    ]
    assert [x.text for x in core.runs.log.lines(run.id, step_run_id=second.id)] == [
        "params {'a': 1}"
    ]


def test_run_python_that_raises_fails_the_step_with_the_exception(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    (tmp_path / "broken.py").write_text("raise ValueError('no such mart')\n")
    add(core, [{"kind": "run_python", "file": str(tmp_path / "broken.py")}], max_retries=0)
    [run] = fire(core, clock)
    assert run.status == "failed"
    assert run.error.endswith("exited with code 1: ValueError: no such mart")


@pytest.mark.parametrize(
    ("steps", "field", "said"),
    [
        ([{"kind": "run_command", "argv": []}], "steps[1].argv",
         "steps[1] (run_command): argv is empty; give at least 1."),
        ([{"kind": "analyze", "profile": "shop", "scope": ["x"]}, {"kind": "export_docs",
          "profile": "shop", "path": "d.json", "format": "xml"}], "steps[2].format",
         "steps[2] (export_docs): format 'xml' is not accepted"),
        ([{"kind": "teleport"}], "steps[1].kind", "steps[1] (teleport): kind 'teleport' is not"),
        ([{"kind": "run_command", "argv": ["x"], "env": {"DB_PASSWORD": "hunter2"}}],
         "steps[1].env", "DB_PASSWORD looks like a secret; write it as env:VAR"),
        ([{"kind": "run_python"}], "steps[1].step", "give either file or function"),
        ([], "steps", "steps is empty; give the scenario at least one step."),
    ],
)  # fmt: skip
def test_a_bad_step_is_refused_naming_the_step_and_the_field(
    steps: list[dict[str, Any]], field: str, said: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        build_spec(name="x", trigger=once("2026-11-21 09:05"), timezone="UTC", steps=steps)
    assert err.value.field == field
    assert said in str(err.value)


def test_an_analysis_schedule_is_a_scenario_of_one_analyze_step(core: Core) -> None:
    sid = core.schedules.create(
        build_spec(
            name="a",
            trigger=once("2026-11-21 09:05"),
            timezone="UTC",
            db_profile="shop",
            scope=["public.users"],
            review_strategy="auto",
        )
    ).id
    shown = core.schedules.get(sid)
    assert [json.loads(s.model_dump_json(exclude_defaults=True)) for s in shown.steps] == [
        {"profile": "shop", "scope": ["public.users"], "review": "auto"}
    ]
    assert (shown.db_profile, shown.llm_profile, shown.review_strategy) == (
        "shop",
        "heuristic",
        "auto",
    )
    assert shown.steps_summary == "analyze"


def test_steps_name_profiles_that_must_exist(core: Core) -> None:
    spec = build_spec(name="a", trigger=once("2026-11-21 09:05"), timezone="UTC", steps=[
        {"kind": "analyze", "profile": "shop", "scope": ["public.users"]},
        {"kind": "snapshot_annotations", "profile": "warehouse"},
    ])  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        core.schedules.create(spec)
    assert err.value.field == "steps[2].profile"
    assert str(err.value).startswith("steps[2]: no DB profile named 'warehouse'")


def test_run_now_here_runs_the_whole_scenario(amx: Any, tmp_path: Path) -> None:
    from core.api import Core as Opened

    log = tmp_path / "order.txt"
    core = Opened.open(amx.url, amx.clock)
    try:
        sid = add(core, [append(log, "one"), append(log, "two")])
    finally:
        core.close()
    assert amx("schedule", "run-now", str(sid), "--here") == 0, amx.err
    assert log.read_text().split() == ["one", "two"]
    assert "2 steps: run_command succeeded, run_command succeeded" in amx.out
