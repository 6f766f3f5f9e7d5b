"""Real daemon processes (`python -m daemon`) for tests: start, watch their logs, stop them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRE = re.compile(r"fire schedule (\d+) run (\d+) \((\w+), attempt (\d+), scheduled for (\S+)\)")


@dataclass
class Daemon:
    """One daemon process and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def fires(self) -> list[tuple[int, int, str]]:
        """(schedule id, run id, scheduled for) of every fire this daemon logged."""
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [(int(m[1]), int(m[2]), m[5]) for m in FIRE.finditer(text)]

    def signal(self, signum: int) -> None:
        """Send a signal."""
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """Wait for exit; returns the exit code."""
        return self.process.wait(timeout)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not go."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start(url: str, log: Path, *args: str, module: Sequence[str] | None = None) -> Daemon:
    """Start `python -m daemon`, as the OS hooks do (or another module's main) against `url`,
    logging to `log`."""
    argv = (
        [sys.executable, *module]
        if module
        else [sys.executable, "-m", "daemon", "--database-url", url, "--log-file", str(log), *args]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    daemon = Daemon(process, log)
    _started.append(daemon)
    return daemon


_started: list[Daemon] = []


def stop_all() -> None:
    """Stop every daemon started since the last call (a failed test may have left some)."""
    while _started:
        daemon = _started.pop()
        if daemon.process.poll() is None:
            daemon.process.send_signal(signal.SIGCONT)  # in case a test froze it
            daemon.stop()


def wait_until(check: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


def fire_counts(daemons: Sequence[Daemon]) -> Counter[int]:
    """How many times each schedule was fired, over all daemons' logs."""
    return Counter(sid for d in daemons for sid, _run, _when in d.fires())
