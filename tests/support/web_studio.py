"""`amx studio --web` as a real child process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

# Starting Python, the studio's imports and the database is slow on a shared machine.
START_S = 120


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebStudio:
    """A running `amx studio --web`: where it listens and what it printed once stopped."""

    proc: subprocess.Popen[str]
    port: int
    out: str = ""
    err: str = ""
    code: int | None = field(default=None)

    @property
    def url(self) -> str:
        """The page to open."""
        return f"http://127.0.0.1:{self.port}/"

    def interrupt(self) -> None:
        """Ctrl-C at its terminal: SIGINT to it and to every process it started."""
        if self.code is not None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        self.out, self.err = self.proc.communicate(timeout=60)
        self.code = self.proc.returncode


@contextmanager
def web_studio(*args: str, port: int | None = None) -> Iterator[WebStudio]:
    """Start `amx [args]` (a `studio --web …` line; `--port` added) and wait until its page
    answers; Ctrl-C on the way out, and the process group killed should that not end it."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio_tui.cli", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    studio = WebStudio(proc, port)
    try:
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(studio.url, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            studio.interrupt()
            raise AssertionError(f"amx studio --web did not answer: {studio.out}{studio.err}")
        yield studio
    finally:
        try:
            studio.interrupt()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
