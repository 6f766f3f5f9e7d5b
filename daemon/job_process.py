"""The jobs of `amx daemon run` run in a helper process, not in the daemon.

The resident daemon only claims, heartbeats and watches, so it stays small; the analysis code
(and the memory it takes) lives in a job process that the daemon starts when work arrives and
retires after IDLE_EXIT_S without any, giving that memory back to the system. The process runs
its jobs on threads and records each outcome itself. If it dies without recording one (killed,
out of memory), the daemon fails those runs and they are retried: a crash costs an attempt,
never the daemon.

They speak in JSON lines. The daemon writes orders to the process's standard input: first where
the database is (so no secret appears in `ps`), then `start`, `cancel` or `release` a run. The
process answers `done` on standard output and sends its log records on standard error, which
the daemon passes into its own log. End of input tells the process to stop: at once, if jobs are
still running (the daemon is gone and other workers will recover them).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from core.clock import OffsetClock
from core.errors import AmxError
from core.schedules.outcome import Outcome
from core.schedules.queue import Site
from core.schedules.run_log import RunLog
from core.schedules.status import RunStatus
from daemon.claim import Claimed
from daemon.dbfile import FileIdentity, existing_only
from daemon.options import IDLE_EXIT_S
from daemon.settle import RETRY_BASE, finish_and_settle, release
from daemon.tick import until_recorded

log = logging.getLogger("amx.daemon")
_ROOT = Path(__file__).resolve().parent.parent


WATCH_S = 0.5  # how often the job process checks its database file and its daemon
EXIT_LOST = 4  # the job process stopped because its database file or its daemon went away


class ChildJob:
    """A job running in the job process."""

    def __init__(self, host: _Host, claimed: Claimed, done: Callable[[], None]) -> None:
        self.host = host
        self.claimed = claimed
        self.done = done
        self.ended = threading.Event()
        self.released = threading.Event()
        self.killed = False

    def alive(self) -> bool:
        """Running, or its end not yet recorded."""
        return not self.ended.is_set()

    def cancel(self) -> None:
        """Stop at the next table; the run ends Cancelled."""
        self.host.send({"op": "cancel", "run_id": self.claimed.run_id})

    def release(self) -> None:
        """Stop at the next table and give the run back to the queue."""
        self.released.set()
        self.host.send({"op": "release", "run_id": self.claimed.run_id})

    def kill(self) -> None:
        """End the job process now; the daemon releases the run itself."""
        self.released.set()
        self.killed = True
        self.host.kill()


class _Host:
    """One job process and the threads that listen to it."""

    def __init__(self, runner: ChildProcessRunner) -> None:
        self.runner = runner
        self.jobs: dict[int, ChildJob] = {}
        self.child_groups: set[int] = set()  # process groups of its steps' children
        self.retired = False
        self._send_lock = threading.Lock()
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": f"{_ROOT}{os.pathsep}{path}" if path else str(_ROOT)}
        # In the daemon's session and process group, so whatever stops or freezes the daemon's
        # group reaches its jobs too; it ignores SIGINT and SIGTERM (the daemon decides when
        # jobs stop) and watches the daemon, ending with it.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon.job_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        log.info("job process %s started", self.process.pid)
        setup: dict[str, Any] = {
            "url": runner.url,
            "retry_base_s": runner.retry_base.total_seconds(),
            "daemon_pid": os.getpid(),
        }
        if runner.db_file is not None:
            setup["db_file"] = runner.db_file.as_data()
        self.send(setup)
        for target, name in ((self._listen, "amx-jobs"), (self._relay, "amx-jobs-log")):
            threading.Thread(target=target, name=name, daemon=True).start()

    def send(self, order: dict[str, Any]) -> None:
        """Write one order; a process that is gone is noticed by its listener."""
        assert self.process.stdin is not None
        with self._send_lock, contextlib.suppress(OSError, ValueError):
            self.process.stdin.write(json.dumps(order) + "\n")
            self.process.stdin.flush()

    def retire(self) -> None:
        """No more orders: the process exits once idle."""
        self.retired = True
        with self._send_lock, contextlib.suppress(OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.close()

    def kill(self) -> None:
        """End the process and every job in it now."""
        self.retired = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()

    def _child(self, event: str, group: int) -> None:
        if event == "start":
            self.child_groups.add(group)
        else:
            self.child_groups.discard(group)

    def _kill_children(self) -> None:
        """The job process ended: end what its steps started and left running."""
        for group in list(self.child_groups):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
                log.warning("killed process group %s left by a step of job process", group)
        self.child_groups.clear()

    def _relay(self) -> None:
        assert self.process.stderr is not None
        relay(self.process.stderr)

    def _listen(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                answer = json.loads(line)
                if answer["op"] == "child":
                    self._child(answer["event"], int(answer["group"]))
                elif answer["op"] == "done" and answer.get("recorded", True):
                    self.runner.ended(self, int(answer["run_id"]))
                elif answer["op"] == "done":
                    self.runner.died(self, int(answer["run_id"]), 0)
        code = self.process.wait()
        self.retired = True
        self._kill_children()
        if code != 0 or self.jobs:
            log.log(
                logging.WARNING if self.jobs else logging.INFO,
                "job process %s ended (%s)",
                self.process.pid,
                _exit_text(code),
            )
        for run_id in list(self.jobs):
            self.runner.died(self, run_id, code)


def _exit_text(code: int) -> str:
    if code == 0:
        return "its outcome unrecorded"
    return f"exit code {code}" if code > 0 else f"signal {signal.Signals(-code).name}"


class ChildProcessRunner:
    """Runs jobs in a job process of their own, started on demand and retired when idle."""

    def __init__(
        self,
        site: Site,
        url: str,
        retry_base: timedelta = RETRY_BASE,
        *,
        idle_exit: float = IDLE_EXIT_S,
    ) -> None:
        self.site = site
        self.url = url
        self.retry_base = retry_base
        self.idle_exit = idle_exit
        # The SQLite file the daemon opened: the job process opens that one or none at all.
        self.db_file = FileIdentity.of_url(url)
        self._host: _Host | None = None
        self._lock = threading.Lock()
        self._idle_timer: threading.Timer | None = None

    def start(self, claimed: Claimed, done: Callable[[], None]) -> ChildJob:
        """Hand `claimed` to the job process (starting one if needed)."""
        with self._lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            host = self._host
            if host is None or host.retired:
                host = self._host = _Host(self)
            job = ChildJob(host, claimed, done)
            host.jobs[claimed.run_id] = job
        clock = self.site.clock
        offset = clock.offset if isinstance(clock, OffsetClock) else timedelta(0)
        host.send(
            {
                "op": "start",
                "run_id": claimed.run_id,
                "schedule_id": claimed.schedule_id,
                "scheduled_for": claimed.scheduled_for.isoformat(),
                "trigger": claimed.trigger,
                "attempt": claimed.attempt,
                "clock_offset_s": offset.total_seconds(),
            }
        )
        return job

    def ended(self, host: _Host, run_id: int) -> None:
        """The job process says run `run_id` is over and recorded."""
        job = self._forget(host, run_id)
        if job is not None:
            job.ended.set()
            job.done()

    def _forget(self, host: _Host, run_id: int) -> ChildJob | None:
        # The last job out starts the idle clock: the process is retired if nothing follows.
        with self._lock:
            job = host.jobs.pop(run_id, None)
            if not host.jobs and host is self._host and self._idle_timer is None:
                self._idle_timer = threading.Timer(self.idle_exit, self._retire_if_idle, (host,))
                self._idle_timer.daemon = True
                self._idle_timer.start()
        return job

    def _retire_if_idle(self, host: _Host) -> None:
        with self._lock:
            self._idle_timer = None
            if host.jobs or host.retired:
                return
            host.retire()
        log.info(
            "job process %s retired after %.0f s without work", host.process.pid, self.idle_exit
        )

    def died(self, host: _Host, run_id: int, code: int) -> None:
        """The job process ended with run `run_id` unrecorded: record an outcome for it."""
        job = self._forget(host, run_id)
        if job is None:
            return
        try:
            if not job.killed:  # a killed one is released by the daemon's drain
                self._record_death(job, _exit_text(code))
        except Exception:  # the daemon outlives any one job
            log.exception("run %s: recording its end failed", run_id)
        finally:
            job.ended.set()
            job.done()

    def _record_death(self, job: ChildJob, why: str) -> None:
        run_id = job.claimed.run_id
        now = self.site.clock.now
        gone = self.db_file.gone() if self.db_file is not None else None
        if gone is not None:  # writing now would create a new file: the worker is stopping
            log.warning("run %s: its job process ended (%s); %s", run_id, why, gone)
            return
        try:
            if job.released.is_set():
                release(
                    self.site.db, now(), run_id, "released: the daemon stopped", self.retry_base
                )
                return
            ended = Outcome(RunStatus.FAILED, error=f"the job process ended unexpectedly ({why})")
            with contextlib.suppress(AmxError):  # a run recovered by now takes no more lines
                RunLog(self.site.db, self.site.clock).write(run_id, "error", str(ended.error))
            run, outcome = until_recorded(
                lambda: finish_and_settle(
                    self.site.db, now(), run_id, ended, retry_base=self.retry_base
                ),
                f"recording run {run_id}",
                job.released,
            )
        except AmxError as exc:  # it did record its outcome after all, or the database is away
            log.warning("run %s: its job process ended (%s); %s", run_id, why, exc)
            return
        log.error(
            "run %s %s: its job process ended (%s)%s",
            run.id,
            run.status,
            why,
            f"; schedule: {outcome}" if outcome else "",
        )


def relay(stream: IO[str]) -> None:
    """Pass the job process's log records on to the daemon's loggers, line by line."""
    for line in stream:
        try:
            record = json.loads(line)
            name, level, message = str(record["name"]), int(record["level"]), str(record["msg"])
        except (ValueError, KeyError, TypeError):
            if line.strip():  # not one of ours: an interpreter message, say
                log.warning("job process: %s", line.rstrip())
            continue
        logging.getLogger(name).log(level, "%s", message)


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {"name": record.name, "level": record.levelno, "msg": super().format(record)}
        )


def main() -> int:
    """The job process: run the jobs it is given, each on a thread, until its input ends."""
    # The daemon decides when jobs stop; a signal meant for it must not end them here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines("%(message)s"))
    logger = logging.getLogger("amx")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    setup = json.loads(sys.stdin.readline() or "{}")
    expected = FileIdentity.from_data(setup["db_file"]) if "db_file" in setup else None
    if expected is not None and (why := expected.gone()):
        log.error("job process %s: %s; it opens no other file", os.getpid(), why)
        return EXIT_LOST

    from core.api import Core
    from core.clock import SystemClock
    from daemon.execute import execute

    clock = OffsetClock(SystemClock())
    retry_base = timedelta(seconds=float(setup.get("retry_base_s", RETRY_BASE.total_seconds())))
    try:
        # Never a new file: SQLite is told to open only an existing one.
        core = Core.open(existing_only(setup["url"]) if expected else setup["url"], clock)
    except (AmxError, KeyError) as exc:
        log.error("the job process could not open the database: %s", exc)
        return 1
    daemon_pid = int(setup.get("daemon_pid", os.getppid()))
    watch = threading.Thread(
        target=_watch, args=(expected, daemon_pid), name="amx-jobs-watch", daemon=True
    )
    watch.start()
    running: dict[int, tuple[threading.Event, threading.Event]] = {}
    lock = threading.Lock()

    def answer(message: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    from daemon.steps.children import watch_children

    watch_children(lambda event, group: answer({"op": "child", "event": event, "group": group}))

    def work(claimed: Claimed, cancelled: threading.Event, released: threading.Event) -> None:
        try:
            execute(core, claimed, cancelled, released=released, retry_base=retry_base)
            recorded = True
        except AmxError as exc:  # stopping while the database is away: nothing recorded
            log.error("run %s ended unrecorded: %s", claimed.run_id, exc)
            recorded = False  # the daemon records or releases it
        with lock:
            running.pop(claimed.run_id, None)
        answer({"op": "done", "run_id": claimed.run_id, "recorded": recorded})

    for line in sys.stdin:
        order = json.loads(line)
        run_id = int(order["run_id"])
        if order["op"] == "start":
            clock.offset = timedelta(seconds=float(order["clock_offset_s"]))
            claimed = Claimed(
                run_id,
                int(order["schedule_id"]),
                datetime.fromisoformat(order["scheduled_for"]),
                str(order["trigger"]),
                int(order["attempt"]),
            )
            events = (threading.Event(), threading.Event())
            with lock:
                running[run_id] = events
            threading.Thread(
                target=work, args=(claimed, *events), name=f"amx-run-{run_id}", daemon=True
            ).start()
        elif run_id in running:
            cancelled, released = running[run_id]
            if order["op"] == "release":
                released.set()
            cancelled.set()
    with lock:
        busy = bool(running)
    if busy:  # the daemon is gone: stop with it, and let the other workers recover the runs
        _kill_children()
        logging.shutdown()
        os._exit(3)
    core.close()
    return 0


def _kill_children() -> None:
    """End the child processes of running steps with this process."""
    from daemon.steps.children import kill_all  # loaded in job processes only

    kill_all()


def _watch(expected: FileIdentity | None, daemon_pid: int) -> None:
    """Stop this process at once when its database file is deleted or replaced, or when the
    daemon that started it is gone (this process was handed to another parent)."""
    while True:
        why = expected.gone() if expected is not None else None
        if why is None and os.getppid() != daemon_pid:
            why = f"its daemon (pid {daemon_pid}) is gone"
        if why is not None:
            log.error("job process %s: %s; stopping its jobs now", os.getpid(), why)
            _kill_children()
            logging.shutdown()
            os._exit(EXIT_LOST)
        time.sleep(WATCH_S)


if __name__ == "__main__":
    sys.exit(main())
