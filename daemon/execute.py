"""Running one claimed job in this process: its schedule's scenario, its progress, and
recording how it ended. The studio, `amx daemon tick` and each job process of `amx daemon run`
call this."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from core.analysis.job import Progress, ProgressFn
from core.api import Core
from core.errors import AmxError, NotFound, StorageError
from core.schedules.outcome import Outcome
from core.schedules.queue import Site
from core.schedules.run_log import Level
from core.schedules.scenario import Section
from core.schedules.status import RunStatus
from core.schedules.views import RunInfo
from daemon.claim import Claimed
from daemon.settle import RETRY_BASE, finish_and_settle
from daemon.steps.runner import RunOrder, run_scenario
from daemon.tick import until_recorded

# The runs that do a section other than the steps: of a missed occurrence, of a lost last try.
SECTIONS: dict[str, Section] = {"missed": "on_missed", "failure": "on_failure"}
log = logging.getLogger("amx.daemon")


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
        claimed.schedule_id,
        claimed.run_id,
        claimed.trigger,
        claimed.attempt,
        claimed.scheduled_for.isoformat(),
    )
    try:
        schedule = core.schedules.get(claimed.schedule_id)
        telling = claimed.trigger == "failure"  # of a last attempt its worker lost
        order = RunOrder(
            claimed.run_id,
            schedule,
            final=not telling
            and (claimed.trigger == "manual" or claimed.attempt > schedule.max_retries),
            section=SECTIONS.get(claimed.trigger, "steps"),
            failure=core.runs.get(claimed.run_id).note if telling else None,
        )
        ended = run_scenario(core, order, cancel, recorder(core, claimed.run_id))
    except NotFound:
        ended = Outcome(RunStatus.FAILED, error="the schedule was deleted")
    except StorageError as exc:
        log.error("run %s failed: %s", claimed.run_id, exc)
        ended = Outcome(RunStatus.FAILED, error=str(exc))
    except Exception as exc:  # the daemon outlives any one job
        log.exception("run %s crashed", claimed.run_id)
        message = str(exc) if isinstance(exc, AmxError) else f"{type(exc).__name__}: {exc}"
        ended = Outcome(RunStatus.FAILED, error=message)
        _log_line(core, claimed.run_id, f"failed: {message}", "error")
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
        log.warning(
            "run %s ended here as %s, but %s; keeping the recorded outcome",
            claimed.run_id,
            ended.status,
            str(exc).rstrip("."),
        )
        return until_recorded(lambda: core.runs.get(claimed.run_id), "reading a run", giving_up)
    log.info("run %s %s%s", run.id, run.status, f"; schedule: {outcome}" if outcome else "")
    return RunInfo.of(run)


def _log_line(core: Core, run_id: int, text: str, level: Level = "info") -> None:
    # A line is a courtesy here: the outcome is what must be recorded.
    with contextlib.suppress(AmxError):
        core.runs.log.write(run_id, level, text)


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


class InProcessJob:
    """A job running on a thread of this process."""

    def __init__(
        self, thread: threading.Thread, cancelled: threading.Event, released: threading.Event
    ) -> None:
        self.thread = thread
        self.cancelled = cancelled
        self.released = released

    def alive(self) -> bool:
        """Still running?"""
        return self.thread.is_alive()

    def cancel(self) -> None:
        """Stop at the next table; the run ends Cancelled."""
        self.cancelled.set()

    def release(self) -> None:
        """Stop at the next table and give the run back to the queue."""
        self.released.set()
        self.cancelled.set()

    def kill(self) -> None:
        """A thread cannot be killed: it ends when its network call does (its run is released)."""


class InProcessRunner:
    """Runs each job on a daemon thread of this process (the studio's embedded ticking)."""

    def __init__(self, core: Core, retry_base: timedelta = RETRY_BASE) -> None:
        self.core = core
        self.retry_base = retry_base

    @classmethod
    def for_site(cls, site: Site, retry_base: timedelta = RETRY_BASE) -> InProcessRunner:
        """A runner over `site`, which must be a whole Core (jobs need its services)."""
        if not isinstance(site, Core):
            raise TypeError("running jobs in this process needs a Core, not a bare QueueSite")
        return cls(site, retry_base)

    def start(self, claimed: Claimed, done: Callable[[], None]) -> InProcessJob:
        """Start `claimed` on a new thread; `done()` is called when it ends."""
        cancelled, released = threading.Event(), threading.Event()

        def work() -> None:
            try:
                execute(
                    self.core, claimed, cancelled, released=released, retry_base=self.retry_base
                )
            except AmxError as exc:  # stopping while the database is away: nothing recorded
                log.error("run %s ended unrecorded: %s", claimed.run_id, exc)
            finally:
                done()

        # A daemon thread: a job stuck past the grace period must not keep the process alive;
        # its run has been released by then.
        thread = threading.Thread(target=work, name=f"amx-run-{claimed.run_id}", daemon=True)
        thread.start()
        return InProcessJob(thread, cancelled, released)
