"""The resident worker behind `amx daemon run`: ticks, runs jobs, heartbeats, drains on stop."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import Protocol

from core.clock import OffsetClock
from core.errors import AmxError, InvalidInput
from core.schedules.outcome import Outcome
from core.schedules.queue import Site, next_due
from core.schedules.status import RunStatus
from core.text import counted
from daemon import heartbeat
from daemon.claim import Claim, Claimed, claim_due
from daemon.dbfile import FileIdentity
from daemon.heartbeat import new_worker_id
from daemon.options import CONCURRENCY, GRACE_S, HEARTBEAT_S, LEASE_S, POLL_S, RETRY_BASE_S
from daemon.settle import finish_and_settle, release
from daemon.tick import tick
from daemon.trouble import Trouble

log = logging.getLogger("amx.daemon")
RECOVERY_EVERY_S = 5.0


@dataclass(frozen=True)
class WorkerConfig:
    """How a worker behaves; the defaults are the product's. Times are in seconds.

    Raises InvalidInput when a setting cannot work: every number must be more than 0, and a
    lease must outlast the heartbeat that renews it.
    """

    concurrency: int = CONCURRENCY
    poll: float = POLL_S
    heartbeat: float = HEARTBEAT_S
    lease: float = LEASE_S
    grace: float = GRACE_S
    retry_base: float = RETRY_BASE_S
    worker_id: str = field(default_factory=new_worker_id)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise InvalidInput("concurrency", "concurrency must be at least 1 job at once.")
        for name in ("poll", "heartbeat", "lease", "grace", "retry_base"):
            if not getattr(self, name) > 0:
                raise InvalidInput(name, f"{name} must be more than 0 seconds.")
        if self.lease <= self.heartbeat:
            raise InvalidInput(
                "lease", "lease must be longer than heartbeat, or leases lapse between renewals."
            )
        if not self.worker_id.strip():
            raise InvalidInput("worker_id", "worker_id must not be empty.")


class Job(Protocol):
    """A running job, wherever it runs (a thread here, or a process of its own)."""

    def alive(self) -> bool:
        """Still running?"""

    def cancel(self) -> None:
        """Its schedule was cancelled: stop at the next table; the run ends Cancelled."""

    def release(self) -> None:
        """The daemon is stopping: stop at the next table and give the run back."""

    def kill(self) -> None:
        """Past every grace period: end it now if that can be done."""


class Runner(Protocol):
    """Starts claimed jobs."""

    def start(self, claimed: Claimed, done: Callable[[], None]) -> Job:
        """Start `claimed`; `done()` is called from any thread when it has ended."""


@dataclass
class _Running:
    claimed: Claimed
    job: Job
    cancelled: bool = False


class Worker:
    """Claims due work and runs up to `concurrency` jobs at once until asked to stop."""

    def __init__(
        self,
        site: Site,
        config: WorkerConfig | None = None,
        *,
        runner: Runner | None = None,
        claim: Claim = claim_due,
    ) -> None:
        self.site = site
        self.config = config or WorkerConfig()
        if runner is None:
            from daemon.execute import InProcessRunner

            runner = InProcessRunner.for_site(site, timedelta(seconds=self.config.retry_base))
        self.runner = runner
        self.claim = claim
        self.stopping = threading.Event()
        # Set by a stop request or a finished job: the loop wakes early instead of polling.
        self._wake = threading.Event()
        self._jobs: dict[int, _Running] = {}
        self.stuck = 0  # jobs still blocked after the drain; their runs were released
        self._lock = threading.Lock()
        # The SQLite file opened; if its path comes to name another file (or none), this worker
        # is writing where nobody looks: it stops, and says why in `database_lost`.
        self._file = FileIdentity.of_url(site.db.url) if site.db.is_sqlite else None
        self.database_lost: str | None = None

    @property
    def id(self) -> str:
        """This worker's id."""
        return self.config.worker_id

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT stop claiming and drain."""

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info(
                "received %s: finishing running jobs, claiming nothing new",
                signal.Signals(signum).name,
            )
            self.stop()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def stop(self) -> None:
        """Ask the loop to stop claiming and drain."""
        self.stopping.set()
        self._wake.set()

    def _nap(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def run(self) -> None:
        """Loop until `stopping` is set, then drain."""
        cfg = self.config
        lease = timedelta(seconds=cfg.lease)
        heartbeat.register(self.site.db, self.id, self.site.clock.now(), self._measure_clock())
        if self.site.db.is_postgres:
            from daemon.listen import QueueListener

            QueueListener(self.site.db, self._wake, self.stopping).start()
        log.info(
            "worker %s started: %s jobs at once, poll %.2fs", self.id, cfg.concurrency, cfg.poll
        )
        next_beat = next_recovery = 0.0
        beat_trouble, tick_trouble = Trouble("heartbeat"), Trouble("tick")
        try:
            while not self.stopping.is_set() and not self._lost_database():
                self._reap()
                if time.monotonic() >= next_beat:
                    try:
                        self._beat(lease)
                        next_beat = time.monotonic() + cfg.heartbeat
                        beat_trouble.ok()
                    except Exception as exc:
                        beat_trouble.failed(exc, retry_in=max(cfg.poll, 1.0))
                free = cfg.concurrency - len(self._jobs)
                # Leases last 90 s: looking for lost runs every few seconds is soon enough.
                recovering = time.monotonic() >= next_recovery
                try:
                    report = tick(
                        self.site,
                        self.id,
                        slots=free,
                        lease=lease,
                        claim=self.claim,
                        retry_base=timedelta(seconds=cfg.retry_base),
                        recover_lost=recovering,
                    )
                    if recovering:
                        next_recovery = time.monotonic() + RECOVERY_EVERY_S
                    for claimed in report.claimed:
                        self._start(claimed)
                    pause = self._sleep_for(free - len(report.claimed))
                    tick_trouble.ok()
                except Exception as exc:
                    # A locked or unreachable database must not end the daemon: try again.
                    pause = max(cfg.poll, 1.0)
                    tick_trouble.failed(exc, retry_in=pause)
                self._nap(pause)
        finally:
            if self.database_lost:
                self._abandon()
            else:
                self._drain()

    def _lost_database(self) -> bool:
        why = self._file.gone() if self._file is not None else None
        if why is not None:
            log.error("%s; stopping, so the daemon restarts on the file the path names now", why)
            self.database_lost = why
            self.stopping.set()
        return why is not None

    def _sleep_for(self, free: int) -> float:
        # Sleep until the earlier of the next due time and the poll; no busy loop.
        poll = self.config.poll
        if free <= 0:
            return poll
        due = next_due(self.site.db)
        if due is None:
            return poll
        wait = (due[1] - self.site.clock.now()).total_seconds()
        return max(0.01, min(poll, wait))

    def _start(self, claimed: Claimed) -> None:
        try:
            # When a job ends a slot is free: look for more work now.
            job = self.runner.start(claimed, self._wake.set)
        except Exception as exc:  # no process or thread to be had: this attempt failed
            log.exception("run %s could not start", claimed.run_id)
            ended = Outcome(RunStatus.FAILED, error=f"the job could not start: {exc}")
            with contextlib.suppress(AmxError):  # if even this fails, its lease runs out
                finish_and_settle(
                    self.site.db,
                    self.site.clock.now(),
                    claimed.run_id,
                    ended,
                    retry_base=timedelta(seconds=self.config.retry_base),
                )
            return
        with self._lock:
            self._jobs[claimed.run_id] = _Running(claimed, job)

    def _reap(self) -> None:
        with self._lock:
            for run_id in [r for r, running in self._jobs.items() if not running.job.alive()]:
                del self._jobs[run_id]

    def _measure_clock(self) -> float | None:
        """On PostgreSQL, fire times follow the database clock: measure this host's skew."""
        clock = self.site.clock
        if not self.site.db.is_postgres or not isinstance(clock, OffsetClock):
            return None
        before = clock.base.now()
        server = self.site.db.server_now()
        local = before + (clock.base.now() - before) / 2
        clock.offset = server - local
        skew = (local - server).total_seconds()
        if abs(skew) > heartbeat.SKEW_WARNING_S:
            log.warning(
                "this host's clock is %+.1f s off the database's; fire times follow "
                "the database clock",
                skew,
            )
        return round(skew, 3)

    def _beat(self, lease: timedelta) -> None:
        with self._lock:
            held = [(r.claimed.run_id, r.claimed.schedule_id) for r in self._jobs.values()]
        skew = self._measure_clock()
        cancelled = heartbeat.beat(self.site.db, self.id, self.site.clock.now(), lease, held, skew)
        for run_id in cancelled:
            running = self._jobs.get(run_id)
            if running is not None and not running.cancelled:
                log.info("run %s: its schedule was cancelled; stopping it", run_id)
                running.cancelled = True
                running.job.cancel()

    def _abandon(self) -> None:
        """The database file is gone: end the jobs and write nothing, since any new connection
        would write to (or create) the file the path names now."""
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for running in jobs:
            running.job.kill()
        self.stuck = len(jobs)
        log.info("worker %s stopped without touching the database", self.id)

    def _drain(self) -> None:
        """Let running jobs finish within the grace period, then release what is left."""
        deadline = time.monotonic() + self.config.grace
        lease = timedelta(seconds=self.config.lease)
        while self._jobs and time.monotonic() < deadline:
            self._reap()
            self._beat(lease)
            time.sleep(0.1)
        if self._jobs:
            log.info(
                "grace period over: stopping %s at their next table",
                counted(len(self._jobs), "job"),
            )
            for running in list(self._jobs.values()):
                running.job.release()
            settle_by = time.monotonic() + 5.0
            while self._jobs and time.monotonic() < settle_by:
                self._reap()
                time.sleep(0.1)
        self.stuck = len(self._jobs)
        for running in list(self._jobs.values()):
            running.job.kill()
        for run_id in list(self._jobs):
            release(
                self.site.db,
                self.site.clock.now(),
                run_id,
                "released: the daemon stopped",
                timedelta(seconds=self.config.retry_base),
            )
            log.info("run %s released back to the queue", run_id)
        heartbeat.stopped(self.site.db, self.id, self.site.clock.now())
        log.info("worker %s stopped", self.id)
