"""The run_python step: a Python file, or module:function with parameters, in a child process."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from core.schedules.scenario.steps import RunPythonStep
from daemon.steps.base import StepContext, StepFailed, StepResult
from daemon.steps.children import environment, result, run_child, working_directory

_ROOT = Path(__file__).resolve().parents[2]
PARAMS_ENV = "AMX_STEP_PARAMS"


def run(ctx: StepContext, step: RunPythonStep) -> StepResult:
    """Run the file or function in a fresh interpreter; an exception or a non-zero exit fails
    the step. The parameters reach a file as JSON in $AMX_STEP_PARAMS, a function as keywords."""
    target = step.function or str(step.file)
    shown = f"python {target}"
    env = environment(step.env, shown)
    try:
        env[PARAMS_ENV] = json.dumps(step.params)
    except (TypeError, ValueError):
        raise StepFailed(f"{shown}: params are not JSON-able.") from None
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{_ROOT}{os.pathsep}{path}" if path else str(_ROOT)
    kind = "function" if step.function else "file"
    ended = run_child(
        ctx,
        [sys.executable, "-m", "daemon.steps.python_child", kind, target],
        cwd=working_directory(step.cwd, shown),
        env=env,
        timeout_s=step.timeout_s,
        shown=shown,
    )
    return result(ctx, ended, shown)
