"""The tick: one stateless pass over the queue, shared by `amx daemon run`, `amx daemon tick`
and the studio's embedded ticking."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from core.api import Core
from core.errors import AmxError, NotFound, StorageError
from core.job import Progress, ProgressFn
from core.runs import Outcome
from core.status import RunStatus
from core.views import RunInfo
from daemon.claim import Claim, Claimed, claim_due
from daemon.settle import RETRY_BASE, finish_and_settle, recover
from daemon.trouble import Trouble

log = logging.getLogger("amx.daemon")
LEASE = timedelta(seconds=90)
RECORD_RETRY_S = 2.0
T = TypeVar("T")


@dataclass
class TickReport:
    """What one tick did."""

    recovered: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    claimed: list[Claimed] = field(default_factory=list)


def tick(
    core: Core,
    worker_id: str,
    *,
    slots: int,
    lease: timedelta = LEASE,
    claim: Claim = claim_due,
    retry_base: timedelta = RETRY_BASE,
) -> TickReport:
    """Recover lost runs, mark missed schedules, then claim up to `slots` units of due work."""
    report = TickReport()
    now = core.clock.now()
    report.recovered = recover(core.db, now, retry_base)
    for run_id in report.recovered:
        log.warning("recovered run %s from a lost worker", run_id)
    report.missed = [s.id for s in core.schedules.detect_missed()]
    for schedule_id in report.missed:
        log.info("schedule %s missed its fire time", schedule_id)
    report.claimed = claim(core.db, core.clock.now(), worker_id, slots, lease)
    return report


def execute(
    core: Core,
    claimed: Claimed,
    cancel: threading.Event | None = None,
    *,
    released: threading.Event | None = None,
    retry_base: timedelta = RETRY_BASE,
) -> RunInfo:
    """Run one claimed unit to its end and move its schedule on; never raises for a bad run."""
    log.info(
        "fire schedule %s run %s (%s, attempt %s, scheduled for %s)",
        claimed.schedule_id, claimed.run_id, claimed.trigger, claimed.attempt,
        claimed.scheduled_for.isoformat(),
    )  # fmt: skip
    try:
        schedule = core.schedules.get(claimed.schedule_id)
        if schedule.kind == "cache_refresh":
            counts = core.catalog.refresh(schedule.db_profile)
            ended = Outcome(RunStatus.SUCCEEDED, summary=dict(counts))
        else:
            ended = core.job.analyse(
                claimed.schedule_id,
                claimed.run_id,
                cancel=cancel,
                progress=recorder(core, claimed.run_id),
            )
    except NotFound:
        ended = Outcome(RunStatus.FAILED, error="the schedule was deleted")
    except StorageError as exc:
        log.error("run %s failed: %s", claimed.run_id, exc)
        ended = Outcome(RunStatus.FAILED, error=str(exc))
    except Exception as exc:  # the daemon outlives any one job
        log.exception("run %s crashed", claimed.run_id)
        message = str(exc) if isinstance(exc, AmxError) else f"{type(exc).__name__}: {exc}"
        ended = Outcome(RunStatus.FAILED, error=message)
    # A finished run's outcome is worth waiting for while the database is away, rather than
    # leaving the run to be found "lost" and the work done again.
    giving_up = released or threading.Event()
    try:
        run, outcome = until_recorded(
            lambda: finish_and_settle(
                core.db,
                core.clock.now(),
                claimed.run_id,
                ended,
                released=giving_up.is_set(),
                retry_base=retry_base,
            ),
            f"recording run {claimed.run_id}",
            giving_up,
        )
    except StorageError:
        raise
    except AmxError as exc:  # already ended elsewhere (recovered as lost, say): that stands
        log.warning("run %s ended here as %s, but %s; keeping the recorded outcome",
                    claimed.run_id, ended.status, str(exc).rstrip("."))  # fmt: skip
        return until_recorded(lambda: core.runs.get(claimed.run_id), "reading a run", giving_up)
    log.info("run %s %s%s", run.id, run.status, f"; schedule: {outcome}" if outcome else "")
    return run


def until_recorded(step: Callable[[], T], what: str, giving_up: threading.Event) -> T:
    """`step()`, tried again every RECORD_RETRY_S while the database does not answer, until it
    works or `giving_up` is set (then the StorageError is raised)."""
    trouble = Trouble(what)
    while True:
        try:
            result = step()
        except StorageError as exc:
            if giving_up.is_set():
                raise
            trouble.failed(exc, retry_in=RECORD_RETRY_S)
            giving_up.wait(RECORD_RETRY_S)
            continue
        trouble.ok()
        return result


def recorder(core: Core, run_id: int) -> ProgressFn:
    """Write a run's progress to its row, at most once a second (and at the end)."""
    last = [0.0]

    def record(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or p.done >= p.total:
            last[0] = now
            # Progress is a courtesy: a failed write must not stop the run.
            with contextlib.suppress(AmxError):
                core.runs.progress(run_id, p.done, p.total)

    return record
