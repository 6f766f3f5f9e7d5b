"""The analysis job: one entry point that the command line, the daemon and the studio call."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from core.analysis.counts import analysis_counts
from core.analysis.llm.factory import annotator_for_profile
from core.analysis.llm.protocol import Annotator, LlmAuthError, LlmError
from core.analysis.pii import classify_pii, mask_samples
from core.analysis.review import ReviewService
from core.catalog.metadata import TableMeta
from core.catalog.profiles import ProfileService
from core.catalog.scope import from_texts
from core.catalog.scope import summary as scope_summary
from core.catalog.service import CatalogService
from core.clock import Clock
from core.errors import AmxError, InvalidInput
from core.schedules.outcome import ClaimLost, Outcome
from core.schedules.run_log import Level, RunLogWriter
from core.schedules.runs import RunService
from core.schedules.scenario.model import first_analysis
from core.schedules.scenario.steps import AnalyzeStep
from core.schedules.service import ScheduleService
from core.schedules.status import RunStatus
from core.schedules.views import RunInfo
from core.text import counted


@dataclass(frozen=True)
class Progress:
    """How far a run has come: tables done of total, and the table just finished."""

    done: int
    total: int
    table: str | None = None
    errors: int = 0


ProgressFn = Callable[[Progress], None]
# One table's proposals, to be recorded in the caller's transaction: (proposals, applied).
Deferred = Callable[[Session], tuple[int, int]]


@dataclass
class _Tally:
    columns: int = 0
    proposals: int = 0
    applied: int = 0
    tokens: int = 0
    done: int = 0


class AnalysisJob:
    """Resolves a schedule's scope, asks its LLM profile table by table, records proposals."""

    def __init__(
        self,
        clock: Clock,
        schedules: ScheduleService,
        profiles: ProfileService,
        catalog: CatalogService,
        review: ReviewService,
        runs: RunService,
    ) -> None:
        self.clock = clock
        self.schedules = schedules
        self.profiles = profiles
        self.catalog = catalog
        self.review = review
        self.runs = runs

    def execute(
        self,
        schedule_id: int,
        run_id: int,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> RunInfo:
        """Run the analysis for `run_id` and record its outcome; a failing table keeps the rest."""
        outcome = self.analyse(schedule_id, run_id, progress=progress, cancel=cancel)
        return self.runs.finish(
            run_id, outcome.status, summary=outcome.summary, error=outcome.error
        )

    def analyse(
        self,
        schedule_id: int,
        run_id: int,
        *,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        step: AnalyzeStep | None = None,
        log: RunLogWriter | None = None,
        deferred: list[Deferred] | None = None,
    ) -> Outcome:
        """Run the analysis `step` (by default the schedule's first analyze step) for `run_id`
        and say how it ended, recording nothing about the run itself. Its proposals are written
        as they come, or, given a `deferred` list, added to it as writes for the caller to
        commit with the rest of its group."""
        started = time.monotonic()
        cancel = cancel or threading.Event()
        log = log or self.runs.log.writer(run_id)
        summary: dict[str, Any] = {
            "tables": 0, "columns": 0, "proposals": 0, "applied": 0, "tokens": 0,
            "errors": [], "missing": [], "duration_s": 0.0, "cancelled": False,
        }  # fmt: skip
        try:
            if step is None:
                step = first_analysis(self.schedules.get(schedule_id).steps)
            if step is None:
                raise InvalidInput("steps", "the schedule has no analyze step to run.")
            error = self._analyse(
                schedule_id, run_id, step, summary, progress, cancel, log, deferred
            )
        except AmxError as exc:
            error = str(exc)
        summary["duration_s"] = round(time.monotonic() - started, 3)
        if summary["cancelled"]:
            status = RunStatus.CANCELLED
        elif error or summary["errors"]:
            status = RunStatus.FAILED
            error = error or _errors_text(summary["errors"])
        else:
            status = RunStatus.SUCCEEDED
        _last_line(log, status, summary, error)
        return Outcome(status, summary, error)

    def _analyse(
        self,
        schedule_id: int,
        run_id: int,
        step: AnalyzeStep,
        summary: dict[str, Any],
        progress: ProgressFn | None,
        cancel: threading.Event,
        log: RunLogWriter,
        deferred: list[Deferred] | None,
    ) -> str | None:
        db_row = self.profiles.get_db(step.profile)
        annotator = annotator_for_profile(self.profiles.get_llm(step.llm_profile))
        ticked = from_texts(step.scope)
        where = f"DB profile {step.profile!r}" + (
            f", database {step.database!r}" if step.database else ""
        )
        tables, missing = self.catalog.resolve(step.profile, step.database, ticked)
        summary["tables"] = len(tables)
        summary["missing"] = missing
        if missing:
            log.warning(f"no longer in the database: {', '.join(missing)}")
        if not tables:
            return (
                f"the scope {scope_summary(ticked)} matches no table in {where} now; the tables "
                "were dropped or renamed since the schedule was saved: edit its scope."
            )
        log.info(
            f"analysing {counted(len(tables), 'table')} of "
            f"{scope_summary(ticked)} in {where} with LLM profile {step.llm_profile!r} "
            f"({step.review} review)"
        )
        tally = _Tally()
        lock = threading.Lock()
        fatal: list[str] = []
        total = len(tables)
        if progress:
            progress(Progress(0, total))

        def one(table: TableMeta) -> None:
            if cancel.is_set() or fatal:
                return
            try:
                prepared = self._with_samples(
                    step.profile, step.database, table, db_row.sample_size
                )
                result = annotator.annotate(prepared)
                record = partial(
                    self.review.record_in,
                    run_id=run_id,
                    schedule_id=schedule_id,
                    profile=step.profile,
                    table=prepared,
                    annotation=result.annotation,
                    auto=step.review == "auto",
                    evidence=result.evidence,
                )
                if deferred is None:
                    made, applied = self.review.record(**record.keywords)
                else:
                    with lock:
                        deferred.append(record)
                    made = applied = 0
            except (LlmAuthError, ClaimLost) as exc:  # no table after this one can succeed
                fatal.append(str(exc))
                cancel.set()
                return
            except Exception as exc:  # one table's failure must not lose the others
                why = (
                    f"the LLM gave no annotation: {exc}"
                    if isinstance(exc, LlmError)
                    else f"failed: {_sentence(exc)}"
                )
                with lock:  # so the log's counts go up line by line
                    summary["errors"].append({"table": table.path, "error": _sentence(exc)})
                    tally.done += 1
                    done, errors = tally.done, len(summary["errors"])
                    self._line(log, fatal, cancel, "error", f"[{done}/{total}] {table.path} {why}")
                if progress:
                    progress(Progress(done, total, table.path, errors))
                return
            with lock:
                tally.columns += len(table.columns)
                tally.proposals += made
                tally.applied += applied
                tally.tokens += result.tokens
                tally.done += 1
                done, errors = tally.done, len(summary["errors"])
                self._line(
                    log,
                    fatal,
                    cancel,
                    "info",
                    f"[{done}/{total}] {table.path}: {counted(len(table.columns), 'column')}, "
                    + (
                        f"{counted(made, 'proposal')} ({applied} applied)"
                        if deferred is None
                        else "proposals kept until its group commits"
                    )
                    + f", {counted(result.tokens, 'token')}",
                )
            if progress:
                progress(Progress(done, total, table.path, errors))

        workers = max(1, min(annotator.concurrency, len(tables) or 1))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="amx-job") as pool:
                list(pool.map(one, tables))
        finally:
            close = getattr(annotator, "close", None)
            if callable(close):
                close()
        summary.update(
            columns=tally.columns,
            proposals=tally.proposals,
            applied=tally.applied,
            tokens=tally.tokens,
            cancelled=cancel.is_set() and not fatal,
        )
        return fatal[0] if fatal else None

    @staticmethod
    def _line(
        log: RunLogWriter, fatal: list[str], cancel: threading.Event, level: Level, text: str
    ) -> None:
        try:
            log.write(level, text)
        except ClaimLost as exc:  # the run is another writer's now: stop at once
            fatal.append(str(exc))
            cancel.set()

    def _with_samples(
        self, profile: str, database: str | None, table: TableMeta, per_column: int
    ) -> TableMeta:
        samples = self.catalog.samples(profile, database, table, per_column) if per_column else {}
        columns = []
        for column in table.columns:
            column = replace(column, samples=samples.get(column.name, ()))
            tag = classify_pii(column, table)
            if tag and column.samples:
                # Values of personal-data columns never leave the machine unmasked.
                column = replace(column, samples=mask_samples(column, tag))
            columns.append(column)
        return replace(table, columns=tuple(columns))


def _last_line(
    log: RunLogWriter, status: RunStatus, summary: dict[str, Any], error: str | None
) -> None:
    """How the analysis ended, as the log's last line (nothing once the claim is lost)."""
    counts = analysis_counts(summary)
    with contextlib.suppress(ClaimLost):
        if status == RunStatus.CANCELLED:
            log.warning(f"cancelled: {counts}")
        elif error:
            log.error(f"{status}: {error}")
            if summary["tables"]:
                log.info(counts)
        else:
            log.info(f"{status}: {counts}")


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if isinstance(exc, AmxError) else f"{type(exc).__name__}: {text}"


def _errors_text(errors: list[dict[str, str]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['table']}: {first['error']}{more}"


__all__ = ["AnalysisJob", "Annotator", "Progress"]
