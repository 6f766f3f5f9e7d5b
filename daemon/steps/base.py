"""What a step kind's code is given and gives back. Each kind is a module of this package with
`run(ctx, step) -> StepResult`; it raises StepFailed (or any AmxError) when the step fails."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import AmxError
from core.schedules.run_log import RunLogWriter
from core.schedules.step_runs import Commit

if TYPE_CHECKING:
    from core.analysis.job import ProgressFn
    from core.api import Core
    from core.schedules.views import ScheduleInfo


@dataclass
class StepContext:
    """One step's run: the core, the run it belongs to, its own log, and how to behave."""

    core: Core
    run_id: int
    schedule: ScheduleInfo
    step_run_id: int
    log: RunLogWriter  # the step's own lines
    cancel: threading.Event
    # In a transactional parallel group: return store writes as `commit`, do not make them.
    deferred: bool = False
    progress: ProgressFn | None = None
    # The summaries of the steps that ran before this one in the run, oldest first.
    before: list[dict[str, Any]] = field(default_factory=list)
    # For on_failure steps: why the run failed.
    failure: str | None = None


@dataclass
class StepResult:
    """How a step ended when it did not fail."""

    summary: dict[str, Any] = field(default_factory=dict)
    # Writes to the AMX store to commit with the step's success (see StepRunService.finish).
    commit: Commit | None = None
    cancelled: bool = False


class StepFailed(AmxError):
    """The step failed; the message says why in one sentence."""

    def __init__(self, message: str, summary: dict[str, Any] | None = None) -> None:
        super().__init__(message, field="step")
        self.summary = summary or {}
