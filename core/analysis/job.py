"""The analysis job: one entry point that the command line, the daemon and the studio call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from core.analysis.llm.factory import annotator_for_profile
from core.analysis.llm.protocol import Annotator, LlmAuthError
from core.analysis.pii import classify_pii, mask_samples
from core.analysis.review import ReviewService
from core.catalog.metadata import TableMeta
from core.catalog.profiles import ProfileService
from core.catalog.scope import from_texts
from core.catalog.service import CatalogService
from core.clock import Clock
from core.errors import AmxError
from core.schedules.outcome import ClaimLost, Outcome
from core.schedules.runs import RunService
from core.schedules.service import ScheduleService
from core.schedules.status import RunStatus
from core.schedules.views import RunInfo


@dataclass(frozen=True)
class Progress:
    """How far a run has come: tables done of total, and the table just finished."""

    done: int
    total: int
    table: str | None = None
    errors: int = 0


ProgressFn = Callable[[Progress], None]


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
    ) -> Outcome:
        """Run the analysis for `run_id` and say how it ended, recording nothing about the run
        itself (its proposals are written as they come)."""
        started = time.monotonic()
        cancel = cancel or threading.Event()
        summary: dict[str, Any] = {
            "tables": 0, "columns": 0, "proposals": 0, "applied": 0, "tokens": 0,
            "errors": [], "missing": [], "duration_s": 0.0, "cancelled": False,
        }  # fmt: skip
        try:
            error = self._analyse(schedule_id, run_id, summary, progress, cancel)
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
        return Outcome(status, summary, error)

    def _analyse(
        self,
        schedule_id: int,
        run_id: int,
        summary: dict[str, Any],
        progress: ProgressFn | None,
        cancel: threading.Event,
    ) -> str | None:
        schedule = self.schedules.get(schedule_id)
        db_row = self.profiles.get_db(schedule.db_profile)
        annotator = annotator_for_profile(self.profiles.get_llm(schedule.llm_profile))
        tables, missing = self.catalog.resolve(
            schedule.db_profile, schedule.database, from_texts(schedule.scope)
        )
        summary["tables"] = len(tables)
        summary["missing"] = missing
        tally = _Tally()
        lock = threading.Lock()
        fatal: list[str] = []
        if progress:
            progress(Progress(0, len(tables)))

        def one(table: TableMeta) -> None:
            if cancel.is_set() or fatal:
                return
            try:
                prepared = self._with_samples(
                    schedule.db_profile, schedule.database, table, db_row.sample_size
                )
                result = annotator.annotate(prepared)
                made, applied = self.review.record(
                    run_id=run_id,
                    schedule_id=schedule_id,
                    profile=schedule.db_profile,
                    table=prepared,
                    annotation=result.annotation,
                    auto=schedule.review_strategy == "auto",
                    evidence=result.evidence,
                )
            except (LlmAuthError, ClaimLost) as exc:  # no table after this one can succeed
                fatal.append(str(exc))
                cancel.set()
                return
            except Exception as exc:  # one table's failure must not lose the others
                with lock:
                    summary["errors"].append({"table": table.path, "error": _sentence(exc)})
                    tally.done += 1
                    done, errors = tally.done, len(summary["errors"])
                if progress:
                    progress(Progress(done, len(tables), table.path, errors))
                return
            with lock:
                tally.columns += len(table.columns)
                tally.proposals += made
                tally.applied += applied
                tally.tokens += result.tokens
                tally.done += 1
                done, errors = tally.done, len(summary["errors"])
            if progress:
                progress(Progress(done, len(tables), table.path, errors))

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


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if isinstance(exc, AmxError) else f"{type(exc).__name__}: {text}"


def _errors_text(errors: list[dict[str, str]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['table']}: {first['error']}{more}"


__all__ = ["AnalysisJob", "Annotator", "Progress"]
