"""The tick: one stateless pass over the queue, shared by `amx daemon run`, `amx daemon tick`
and the studio's embedded ticking."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from core.api import Core
from core.errors import AmxError, NotFound
from core.job import Progress, ProgressFn
from core.status import RunStatus
from core.views import RunInfo
from daemon.claim import Claim, Claimed, claim_due
from daemon.settle import RETRY_BASE, recover, settle

log = logging.getLogger("amx.daemon")
LEASE = timedelta(seconds=90)


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
            run = core.runs.finish(claimed.run_id, RunStatus.SUCCEEDED, summary=dict(counts))
        else:
            run = core.job.execute(
                claimed.schedule_id,
                claimed.run_id,
                cancel=cancel,
                progress=recorder(core, claimed.run_id),
            )
    except NotFound:
        run = core.runs.finish(claimed.run_id, RunStatus.FAILED, error="the schedule was deleted")
    except Exception as exc:  # the daemon outlives any one job
        log.exception("run %s crashed", claimed.run_id)
        message = str(exc) if isinstance(exc, AmxError) else f"{type(exc).__name__}: {exc}"
        try:
            run = core.runs.finish(claimed.run_id, RunStatus.FAILED, error=message)
        except AmxError:
            run = core.runs.get(claimed.run_id)
    outcome = settle(
        core.db,
        core.clock.now(),
        claimed.run_id,
        released=bool(released and released.is_set()),
        retry_base=retry_base,
    )
    log.info("run %s %s%s", run.id, run.status, f"; schedule: {outcome}" if outcome else "")
    return run


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
