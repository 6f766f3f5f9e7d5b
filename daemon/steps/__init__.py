"""Running the steps of a scenario: one module per step kind, and the runner that orders them."""

from __future__ import annotations

import importlib

from core.schedules.scenario import Step
from daemon.steps.base import StepContext, StepFailed, StepResult


def run_step(ctx: StepContext, step: Step) -> StepResult:
    """Run one step with the code of its kind (`daemon.steps.<kind>`)."""
    try:
        module = importlib.import_module(f"daemon.steps.{step.kind}")
    except ModuleNotFoundError as exc:
        if exc.name != f"daemon.steps.{step.kind}":
            raise
        raise StepFailed(f"this version of amx cannot run {step.kind} steps.") from None
    result: StepResult = module.run(ctx, step)
    return result


__all__ = ["StepContext", "StepFailed", "StepResult", "run_step"]
