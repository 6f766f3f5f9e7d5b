"""Daemon health: `amx daemon health` and the optional `GET /health` on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select

from core.clock import iso_utc
from core.schedules.queue import Site
from core.storage.engine import Database
from core.storage.tables import Worker
from daemon.heartbeat import ALIVE_WITHIN, SKEW_WARNING_S

SHOWN_FOR = timedelta(hours=24)


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

    `report` gives the JSON body (`Health.as_json`); its `alive` picks the status.
    """

    def __init__(self, report: Callable[[], dict[str, Any]], port: int) -> None:
        class Handler(BaseHTTPRequestHandler):
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

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="amx-health", daemon=True
        )

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
