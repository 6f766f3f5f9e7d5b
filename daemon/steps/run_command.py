"""The run_command step: a program (an argv list, no shell), its output in the step's log."""

from __future__ import annotations

import shlex

from core.schedules.scenario.steps import RunCommandStep
from daemon.steps.base import StepContext, StepResult
from daemon.steps.children import environment, result, run_child, working_directory


def run(ctx: StepContext, step: RunCommandStep) -> StepResult:
    """Run the command; a non-zero exit fails the step."""
    shown = shlex.join(step.argv)
    if len(shown) > 80:
        shown = shown[:79] + "…"
    ended = run_child(
        ctx,
        step.argv,
        cwd=working_directory(step.cwd, shown),
        env=environment(step.env, shown),
        timeout_s=step.timeout_s,
        shown=shown,
    )
    return result(ctx, ended, shown)
