"""Running a scenario: its steps in order, parallel groups fanned out and waited for, each step
recorded as a step run; a retry takes over the steps its earlier attempt finished."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import AmxError
from core.schedules.outcome import ClaimLost, Outcome
from core.schedules.scenario import Section, Step, groups
from core.schedules.status import RunStatus
from core.schedules.step_runs import Line, StepRunInfo, StepStatus, fingerprint
from core.text import counted
from daemon.steps import run_step
from daemon.steps.base import StepContext, StepFailed, StepResult

if TYPE_CHECKING:
    from core.analysis.job import ProgressFn
    from core.api import Core
    from core.schedules.views import ScheduleInfo

log = logging.getLogger("amx.daemon")


@dataclass(frozen=True)
class RunOrder:
    """The run to do: which run, of which schedule, and whether a failure is its last try."""

    run_id: int
    schedule: ScheduleInfo
    final: bool  # no retry follows a failure: its on_failure steps run
    section: Section = "steps"
    failure: str | None = None  # for a run of on_failure steps alone: why the lost run failed


@dataclass
class _Done:
    info: StepRunInfo
    step: Step
    result: StepResult | None = None
    error: str | None = None
    status: StepStatus = "running"


def run_scenario(
    core: Core,
    order: RunOrder,
    cancel: threading.Event | None = None,
    progress: ProgressFn | None = None,
) -> Outcome:
    """Run a schedule's scenario (or its on_missed steps) for one run and say how it ended;
    the steps' own outcomes are recorded as they go."""
    cancel = cancel or threading.Event()
    scenario = _Scenario(core, order, cancel, progress)
    outcome = scenario.run(order.section)
    if outcome.status == RunStatus.FAILED and order.final and order.schedule.on_failure:
        scenario.tell_of_failure(outcome)
    return outcome


class _Scenario:
    def __init__(
        self,
        core: Core,
        order: RunOrder,
        cancel: threading.Event,
        progress: ProgressFn | None,
    ) -> None:
        self.core = core
        self.order = order
        self.cancel = cancel
        self.progress = progress
        self.steps = core.runs.steps
        self.log = core.runs.log.writer(order.run_id)
        self.earlier = self.steps.resumable(order.run_id)
        self.summaries: list[dict[str, Any]] = []
        # Why the run failed, while its on_failure steps run.
        self.failure: str | None = order.failure
        self.done: list[dict[str, Any]] = []

    def run(self, section: Section) -> Outcome:
        steps = _section(self.order.schedule, section)
        started = time.monotonic()
        try:
            error, cancelled = self._run_groups(section, steps)
        except ClaimLost as exc:
            return Outcome(RunStatus.FAILED, self._summary(started), str(exc))
        summary = self._summary(started)
        if cancelled:
            return Outcome(RunStatus.CANCELLED, summary)
        if error:
            return Outcome(RunStatus.FAILED, summary, error)
        return Outcome(RunStatus.SUCCEEDED, summary)

    def tell_of_failure(self, failed: Outcome) -> None:
        """The run failed for the last time: its on_failure steps tell people."""
        self.failure = failed.error
        try:
            error, _ = self._run_groups("on_failure", self.order.schedule.on_failure)
        except ClaimLost:
            return
        if error:
            self._line("error", f"on_failure: {error}")

    def _summary(self, started: float) -> dict[str, Any]:
        # The first analysis's counts stay at the top, where run lists read them.
        lead = next((s for s in self.done if s["kind"] == "analyze"), None)
        if lead is None and len(self.done) == 1:
            lead = self.done[0]
        summary: dict[str, Any] = dict(lead["summary"]) if lead and lead["summary"] else {}
        summary["steps"] = [{k: v for k, v in d.items() if k != "summary"} for d in self.done]
        summary.setdefault("duration_s", round(time.monotonic() - started, 3))
        return summary

    def _run_groups(self, section: Section, steps: Sequence[Step]) -> tuple[str | None, bool]:
        total = len(steps)
        for group in groups(steps):
            if self.cancel.is_set():
                return None, True
            todo = []
            for position, step in group:
                earlier = self.earlier.get((section, position))
                if (
                    earlier is not None
                    and earlier.status == "succeeded"
                    and earlier.fingerprint == fingerprint(step)
                ):
                    info = self.steps.carry(self.order.run_id, section, position, step, earlier)
                    self._record(info, earlier.summary, "succeeded")
                    self._line(
                        "info",
                        f"{_name(section, position, total, step)}: done in run "
                        f"{info.carried_from}; not run again",
                    )
                    continue
                todo.append((position, step, earlier))
            if not todo:
                continue
            error, cancelled = self._run_group(section, total, todo)
            if error or cancelled:
                return error, cancelled
        return None, False

    def _run_group(
        self,
        section: Section,
        total: int,
        todo: list[tuple[int, Step, StepRunInfo | None]],
    ) -> tuple[str | None, bool]:
        deferred = len(todo) > 1 and all(step.transactional for _, step, _ in todo)
        starts = []
        for position, step, earlier in todo:
            # A scenario of one step: its own lines say it all.
            said: Line | None = None
            if total > 1:
                said = ("info", f"{_name(section, position, total, step)}: started")
            info = self.steps.start(self.order.run_id, section, position, step, earlier, said)
            starts.append(_Done(info, step))
        if len(starts) == 1:
            ended = [self._one(starts[0], deferred=False, total=total)]
        else:
            with ThreadPoolExecutor(len(starts), thread_name_prefix="amx-step") as pool:
                ended = list(pool.map(lambda d: self._one(d, deferred, total), starts))
        failed = [d for d in ended if d.error is not None]
        cancelled = [d for d in ended if d.result is not None and d.result.cancelled]
        if deferred:
            self._settle_group(ended, failed or cancelled, total)
        for d in ended:
            self._record(d.info, d.result.summary if d.result else None, d.status)
        if failed:
            first = failed[0]
            return f"{_name(section, first.info.position, total, first.step)}: {first.error}", False
        return None, bool(cancelled)

    def _one(self, d: _Done, deferred: bool, total: int) -> _Done:
        """Run one step; unless its group commits together, record how it ended."""
        ctx = StepContext(
            core=self.core,
            run_id=self.order.run_id,
            schedule=self.order.schedule,
            step_run_id=d.info.id,
            log=self.core.runs.log.writer(self.order.run_id, d.info.id),
            cancel=self.cancel,
            deferred=deferred,
            progress=self.progress,
            before=list(self.summaries),
            failure=self.failure,
        )
        name = _name(d.info.section, d.info.position, total, d.step)
        started = time.monotonic()
        try:
            d.result = run_step(ctx, d.step)
        except ClaimLost:
            raise
        except StepFailed as exc:
            d.error, d.result = str(exc), StepResult(exc.summary)
        except AmxError as exc:
            d.error = str(exc)
        except Exception as exc:  # a step's bug fails the step, never the daemon
            log.exception("run %s: step %s crashed", self.order.run_id, d.info.label)
            d.error = f"{type(exc).__name__}: {exc}"
        took = time.monotonic() - started
        if deferred:
            if d.error is None:
                self._line("info", f"{name}: done in {took:.1f} s; commits with its group")
            return d
        summary = d.result.summary if d.result else None
        many = total > 1  # a scenario of one step: its own lines say it all
        if d.error is not None:
            said: Line | None = ("error", f"{name}: failed after {took:.1f} s: {d.error}")
            self.steps.finish(
                [d.info.id], "failed", run_id=self.order.run_id,
                summaries={d.info.id: summary}, errors={d.info.id: d.error},
                line=said if many else None,
            )  # fmt: skip
            d.status = "failed"
        elif d.result is not None and d.result.cancelled:
            said = ("warning", f"{name}: cancelled after {took:.1f} s")
            self.steps.finish(
                [d.info.id], "cancelled", run_id=self.order.run_id,
                summaries={d.info.id: summary}, line=said if many else None,
            )  # fmt: skip
            d.status = "cancelled"
        else:
            commit = d.result.commit if d.result else None
            said = ("info", f"{name}: succeeded in {took:.1f} s")
            self.steps.finish(
                [d.info.id], "succeeded", run_id=self.order.run_id,
                summaries={d.info.id: summary}, commits=[commit], line=said if many else None,
            )  # fmt: skip
            d.status = "succeeded"
        return d

    def _settle_group(self, ended: list[_Done], trouble: list[_Done], total: int) -> None:
        """A transactional group commits every step's writes together, or none of them."""
        run_id = self.order.run_id
        if not trouble:
            self.steps.finish(
                [d.info.id for d in ended],
                "succeeded",
                run_id=run_id,
                summaries={d.info.id: d.result.summary if d.result else None for d in ended},
                commits=[d.result.commit if d.result else None for d in ended],
            )
            for d in ended:
                d.status = "succeeded"
            self._line("info", f"the group of {counted(len(ended), 'step')} committed together")
            return
        culprit = trouble[0]
        why = _name(culprit.info.section, culprit.info.position, total, culprit.step)
        for d in ended:
            status: StepStatus
            if d in trouble:
                status = "failed" if d.error is not None else "cancelled"
                errors = {d.info.id: d.error} if d.error else None
            else:
                status = "rolled_back"
                errors = {d.info.id: f"rolled back: {why} did not succeed in its group"}
            d.status = status
            self.steps.finish(
                [d.info.id], status, run_id=run_id,
                summaries={d.info.id: d.result.summary if d.result else None}, errors=errors,
            )  # fmt: skip
        self._line(
            "warning", f"nothing of the group of {counted(len(ended), 'step')} was committed"
        )

    def _record(self, info: StepRunInfo, summary: dict[str, Any] | None, status: str) -> None:
        self.summaries.append(dict(summary or {}))
        self.done.append(
            {
                "section": info.section,
                "position": info.position,
                "kind": info.kind,
                "label": info.label,
                "status": status,
                "summary": summary,
            }
        )

    def _line(self, level: str, text: str) -> None:
        try:
            self.log.write(level, text)  # type: ignore[arg-type]
        except AmxError as exc:
            if isinstance(exc, ClaimLost):
                raise


def _section(schedule: ScheduleInfo, section: Section) -> list[Step]:
    return list(getattr(schedule, section))


def _name(section: str, position: int, total: int, step: Step) -> str:
    where = "step" if section == "steps" else section
    label = f" {step.name!r}" if step.name else ""
    return f"{where} {position + 1}/{total} {step.kind}{label}"
