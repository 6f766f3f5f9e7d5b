"""Child processes of steps: each in a process group of its own, its output going to the
step's log line by line, killed as a group on timeout, on cancel, or when this process ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from daemon.steps.base import StepContext, StepFailed, StepResult

LINES_KEPT = 2000  # lines of a child's output written to the step's log; the rest are counted
TERM_GRACE_S = 5.0
_live: set[int] = set()  # process groups of running children
_lock = threading.Lock()
# Told of each child's process group as it starts ("start") and ends ("end"): the job process
# tells its daemon, which kills what is left should the job process itself be killed.
_watchers: list[Callable[[str, int], None]] = []


def watch_children(tell: Callable[[str, int], None]) -> None:
    """Have `tell(event, group)` called as each child starts and ends."""
    _watchers.append(tell)


def _tell(event: str, group: int) -> None:
    for tell in _watchers:
        with contextlib.suppress(Exception):
            tell(event, group)


def kill_all() -> None:
    """Kill every child's process group: this process is about to end without its steps."""
    with _lock:
        groups = list(_live)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


@dataclass(frozen=True)
class Ended:
    """How a child ended."""

    code: int
    lines: int
    last: str
    duration_s: float


@dataclass
class _Output:
    lines: int = 0
    last: str = ""


def result(ctx: StepContext, ended: Ended, shown: str) -> StepResult:
    """The step's result from how its child ended: a non-zero exit fails it."""
    summary = {"exit_code": ended.code, "lines": ended.lines, "duration_s": ended.duration_s}
    if ctx.cancel.is_set() and ended.code == -1:
        return StepResult(summary, cancelled=True)
    if ended.code != 0:
        said = f": {ended.last[:200]}" if ended.last else ""
        raise StepFailed(f"{shown} exited with code {ended.code}{said}", summary)
    return StepResult(summary)


def environment(extra: Mapping[str, str], where: str) -> dict[str, str]:
    """This process's environment with a step's `env` on top (env:VAR read from ours)."""
    env = dict(os.environ)
    for key, value in extra.items():
        if value.startswith("env:"):
            name = value.removeprefix("env:")
            if name not in os.environ:
                raise StepFailed(
                    f"{where}: env {key} names ${name}, which the daemon's environment lacks; "
                    "set it where the daemon starts."
                )
            env[key] = os.environ[name]
        else:
            env[key] = value
    return env


def working_directory(cwd: str | None, where: str) -> str | None:
    """The step's working directory, which must exist."""
    if cwd is None:
        return None
    path = Path(cwd).expanduser()
    if not path.is_dir():
        raise StepFailed(f"{where}: the working directory {str(path)!r} does not exist.")
    return str(path)


def run_child(
    ctx: StepContext,
    argv: Sequence[str],
    *,
    cwd: str | None,
    env: Mapping[str, str],
    timeout_s: float,
    shown: str,
) -> Ended:
    """Run `argv` to its end (StepFailed on timeout; `ctx.cancel` stops it)."""
    started = time.monotonic()
    try:
        child = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            # Its own process group, killed as one. No preexec function: without one the child
            # is spawned without copying this process (several times faster per step).
            start_new_session=True,
        )
    except OSError as exc:
        raise StepFailed(f"{shown} could not start: {exc.strerror or exc}.") from None
    with _lock:
        _live.add(child.pid)
    _tell("start", child.pid)
    counted = _Output()
    reader = threading.Thread(target=_read, args=(ctx, child, counted), daemon=True)
    reader.start()
    why = None
    try:
        deadline = started + timeout_s
        while child.poll() is None:
            if ctx.cancel.is_set():
                why = "cancelled"
                break
            if time.monotonic() >= deadline:
                why = "timeout"
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(0.05)
        if why is not None:
            _stop(child)
    finally:
        if child.poll() is None:
            _stop(child)
        with _lock:
            _live.discard(child.pid)
        _tell("end", child.pid)
        reader.join(2.0)
    took = time.monotonic() - started
    if why == "timeout":
        raise StepFailed(
            f"{shown} ran past its timeout of {timeout_s:g} s; its process group was killed."
        )
    code = child.returncode if why is None else -1
    return Ended(code, counted.lines, counted.last, round(took, 3))


def _stop(child: subprocess.Popen[str]) -> None:
    """SIGTERM to the whole group, then SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, TERM_GRACE_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(wait)
            # The leader is gone; its group may still hold children: end them too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            return


def _read(ctx: StepContext, child: subprocess.Popen[str], counted: _Output) -> None:
    assert child.stdout is not None
    lines = 0
    for raw in child.stdout:
        line = raw.rstrip("\n")
        lines += 1
        counted.lines, counted.last = lines, line or counted.last
        if lines <= LINES_KEPT:
            with contextlib.suppress(Exception):  # a lost line never stops the child
                ctx.log.info(line)
    if lines > LINES_KEPT:
        with contextlib.suppress(Exception):
            ctx.log.warning(f"… {lines - LINES_KEPT} more lines of output were not kept")
