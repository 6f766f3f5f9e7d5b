"""Daemon health: `amx daemon health` and the optional `GET /health` on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.api import Core
from daemon.heartbeat import workers

SHOWN_FOR = timedelta(hours=24)


def health(core: Core, *, everyone: bool = False) -> dict[str, Any]:
    """`{"alive": bool, "last_seen": ISO | None, "workers": [...]}` from the heartbeats; workers
    seen within the last SHOWN_FOR, or every one still remembered with `everyone`."""
    now = core.clock.now()
    found = workers(core.db, now)
    last = max((w.last_seen_at for w in found), default=None)
    shown = [w for w in found if everyone or w.alive or now - w.last_seen_at <= SHOWN_FOR]
    return {
        "alive": any(w.alive for w in found),
        "last_seen": last.isoformat() if last else None,
        "workers": [w.model_dump(mode="json") for w in shown],
        "older": len(found) - len(shown),
    }


class HealthServer:
    """A tiny HTTP server on loopback answering `GET /health` with 200 (alive) or 503."""

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
