"""Daemon health: `amx daemon health` and the optional `GET /health` on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any, cast

from sqlalchemy import select

from core.clock import iso_utc
from core.schedules.queue import Site
from core.storage.engine import Database
from core.storage.tables import Worker
from daemon.heartbeat import ALIVE_WITHIN, SKEW_WARNING_S

SHOWN_FOR = timedelta(hours=24)
log = logging.getLogger("amx.daemon.health")
# The health port serves a local probe: a few threads, a short patience, a bounded number of
# connections however many clients come.
HANDLER_THREADS = 2
IDLE_TIMEOUT_S = 3.0
MAX_CONNECTIONS = 256
SWEEP_EVERY_S = 0.25


@dataclass(frozen=True)
class WorkerInfo:
    """One daemon as `amx daemon health` shows it."""

    id: str
    host: str
    pid: int
    started_at: datetime
    last_seen_at: datetime
    current_run_id: int | None
    version: str
    alive: bool
    stopped: bool
    clock_skew_s: float | None

    @property
    def skewed(self) -> bool:
        """Alive, and its clock further off the database's than SKEW_WARNING_S."""
        return self.alive and abs(self.clock_skew_s or 0.0) > SKEW_WARNING_S

    def as_json(self) -> dict[str, Any]:
        """The JSON object `amx daemon health --json` prints for this worker."""
        data = asdict(self)
        data["started_at"] = iso_utc(self.started_at)
        data["last_seen_at"] = iso_utc(self.last_seen_at)
        data["skewed"] = self.skewed
        return data


def workers(db: Database, now: datetime) -> list[WorkerInfo]:
    """Every worker that has ever run on this database, most recently seen first."""
    with db.read() as session:
        rows = session.scalars(select(Worker).order_by(Worker.last_seen_at.desc())).all()
        return [
            WorkerInfo(
                id=w.id,
                host=w.host,
                pid=w.pid,
                started_at=w.started_at,
                last_seen_at=w.last_seen_at,
                current_run_id=w.current_run_id,
                version=w.version,
                alive=w.stopped_at is None and now - w.last_seen_at <= ALIVE_WITHIN,
                stopped=w.stopped_at is not None,
                clock_skew_s=w.clock_skew_s,
            )
            for w in rows
        ]


@dataclass(frozen=True)
class Health:
    """Whether any daemon is alive on this database, and the workers worth showing."""

    alive: bool
    last_seen: datetime | None  # the latest heartbeat of any worker ever remembered
    workers: tuple[WorkerInfo, ...]  # most recently seen first
    older: int  # workers remembered but not shown

    def as_json(self) -> dict[str, Any]:
        """The JSON object `amx daemon health --json` and `GET /health` answer with."""
        return {
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "workers": [w.as_json() for w in self.workers],
            "older": self.older,
        }


def health(site: Site, *, everyone: bool = False) -> Health:
    """Liveness from the heartbeats; workers seen within the last SHOWN_FOR, or every one still
    remembered with `everyone`."""
    now = site.clock.now()
    found = workers(site.db, now)
    shown = tuple(w for w in found if everyone or w.alive or now - w.last_seen_at <= SHOWN_FOR)
    return Health(
        alive=any(w.alive for w in found),
        last_seen=max((w.last_seen_at for w in found), default=None),
        workers=shown,
        older=len(found) - len(shown),
    )


class HealthServer:
    """A tiny HTTP server on loopback answering `GET /health` with 200 (alive) or 503.

    `report` gives the JSON body (`Health.as_json`); its `alive` picks the status. One thread
    waits on every connection with a selector and hands a request to a small fixed pool only
    once it has bytes to read; a connection idle for IDLE_TIMEOUT_S is closed, and a client
    that resets or goes away is a debug line, never a traceback.
    """

    def __init__(self, report: Callable[[], dict[str, Any]], port: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            timeout = IDLE_TIMEOUT_S  # a request that stalls half-way is dropped as well

            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/health":
                    self.send_error(404, "only /health is served here")
                    return
                body = report()
                data = json.dumps(body).encode()
                self.send_response(200 if body["alive"] else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # the daemon's own log is enough

        self._handler = Handler
        self._listener = socket.create_server(("127.0.0.1", port), backlog=128)
        self._listener.setblocking(False)
        self.port = int(self._listener.getsockname()[1])
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[socket.socket, float] = {}  # connection -> when it is given up
        self._busy = 0  # connections handed to the pool and not yet closed
        self._busy_lock = threading.Lock()
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(
            max_workers=HANDLER_THREADS, thread_name_prefix="amx-health"
        )
        self._thread = threading.Thread(target=self._serve, name="amx-health", daemon=True)

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread.is_alive():
            self._thread.join()
        else:
            self._release()
        self._pool.shutdown(wait=True)

    def _serve(self) -> None:
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                for key, _ in self._selector.select(timeout=SWEEP_EVERY_S):
                    if key.fileobj is self._listener:
                        self._accept()
                    elif key.fileobj is not self._wake_r:
                        conn = cast(socket.socket, key.fileobj)
                        self._selector.unregister(conn)
                        del self._waiting[conn]
                        self._dispatch(conn)
                self._sweep(time.monotonic())
        finally:
            self._release()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, or the client left before accept
                log.debug("health: accept failed: %s", exc)
                return
            with self._busy_lock:
                busy = self._busy
            if len(self._waiting) + busy >= MAX_CONNECTIONS:
                log.debug("health: %d connections open; closing a new one", MAX_CONNECTIONS)
                conn.close()
                continue
            conn.setblocking(False)
            self._waiting[conn] = time.monotonic() + IDLE_TIMEOUT_S
            self._selector.register(conn, selectors.EVENT_READ)

    def _sweep(self, now: float) -> None:
        for conn in [c for c, until in self._waiting.items() if until <= now]:
            log.debug("health: closing a connection that sent nothing for %s s", IDLE_TIMEOUT_S)
            self._selector.unregister(conn)
            del self._waiting[conn]
            conn.close()

    def _dispatch(self, conn: socket.socket) -> None:
        conn.setblocking(True)
        conn.settimeout(IDLE_TIMEOUT_S)
        with self._busy_lock:
            self._busy += 1
        try:
            self._pool.submit(self._handle, conn)
        except RuntimeError:  # the pool is shutting down
            self._done(conn)

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._handler(conn, conn.getpeername(), cast(Any, self))
        except OSError as exc:  # reset, broken pipe, timed out: the client's business
            log.debug("health: client connection ended: %s", exc)
        except Exception as exc:  # the report could not be read: the probe sees no answer
            log.warning("health: answering a request failed: %s", exc)
        finally:
            self._done(conn)

    def _done(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.close()
        with self._busy_lock:
            self._busy -= 1

    def _release(self) -> None:
        for conn in list(self._waiting):
            conn.close()
        self._waiting.clear()
        self._selector.close()
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()
