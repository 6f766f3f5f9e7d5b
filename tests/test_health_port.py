"""The daemon's health port under bad clients: a real `amx daemon run` process and real sockets."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from daemon.health import IDLE_TIMEOUT_S
from tests.support.daemons import wait_until

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    """A daemon serving /health, with its stderr and log files."""

    process: subprocess.Popen[bytes]
    port: int
    stderr: Path
    log: Path

    def threads(self) -> int:
        """The daemon's thread count, from /proc."""
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8")
        return int(
            next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1]
        )

    def health(self) -> int | None:
        """The status code of GET /health, or None when it does not answer."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as reply:
                return int(reply.status)
        except urllib.error.HTTPError as err:
            return err.code
        except (urllib.error.URLError, OSError):
            return None

    def output(self) -> str:
        """Everything the daemon wrote to stderr and its log."""
        return self.stderr.read_text(encoding="utf-8") + self.log.read_text(encoding="utf-8")


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[Served]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stderr, log = tmp_path / "stderr.txt", tmp_path / "daemon.log"
    log.touch()
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "daemon", "--database-url", sqlite_url, "--log-file", str(log),
             "--health-port", str(port)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    daemon = Served(process, port, stderr, log)
    try:
        assert wait_until(lambda: daemon.health() is not None, 30, every=0.2), daemon.output()
        yield daemon
    finally:
        process.terminate()
        process.wait(15)


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer sees a reset, not an orderly close."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_clients_that_reset_leave_no_traceback_and_few_threads(served: Served) -> None:
    before = served.threads()
    most = before
    for i in range(600):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        if i % 3 == 1:
            sock.sendall(b"GET /health HTTP/1.1\r\n")  # reset half-way through the request
        elif i % 3 == 2:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # reset before the answer
        reset(sock)
        if i % 50 == 0:
            most = max(most, served.threads())

    assert served.health() in (200, 503)
    most = max(most, served.threads())
    assert most <= before + 4, f"{most} threads, {before} before the clients came"
    assert served.process.poll() is None
    assert "Traceback" not in served.output()
    assert "ConnectionResetError" not in served.output()


def test_idle_clients_are_timed_out_and_health_still_answers(served: Served) -> None:
    before = served.threads()
    idle = [socket.create_connection(("127.0.0.1", served.port), timeout=30) for _ in range(60)]
    try:
        assert served.health() in (200, 503)  # answered while 60 clients sit on the port
        assert served.threads() <= before + 4, f"{served.threads()} threads, {before} before"
        # The daemon hangs up on them once they have sent nothing for a few seconds.
        idle[0].settimeout(IDLE_TIMEOUT_S + 10)
        assert idle[0].recv(1) == b""
        time.sleep(0.5)
        for sock in idle[1:]:
            sock.settimeout(0.5)
            assert sock.recv(1) == b""
    finally:
        for sock in idle:
            sock.close()
    assert served.health() in (200, 503)
    assert "Traceback" not in served.output()
