"""The web server: textual-serve's pages and terminal socket, on a socket bound beforehand."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from core.text import printable
from studio_tui.web.origin import machine_names, page_may_connect

TITLE = "AMX Studio"
# How long open tabs get to close their studios when the server stops.
SHUTDOWN_S = 10.0

log = logging.getLogger("amx.studio.web")


async def _ended(studio: AppService) -> None:
    """Wait for a tab's studio process to exit after it was asked to quit; kill it if it won't."""
    process = studio._process  # textual-serve starts it and never waits for it
    if process is None:
        return
    try:
        await asyncio.wait_for(process.wait(), SHUTDOWN_S)
    except TimeoutError:
        process.kill()
        await process.wait()


class StudioServer(Server):
    """textual-serve's server, with links that follow the address the browser used (so an SSH
    tunnel on another port works) and a refusal for pages from other sites."""

    def __init__(self, command: str, *, host: str, port: int, public_url: str | None) -> None:
        super().__init__(command, host=host, port=port, title=TITLE, public_url=public_url)
        self.fixed_url = public_url.rstrip("/") if public_url else None
        self.names = machine_names()
        self.tabs: set[web.WebSocketResponse] = set()

    def initialize_logging(self) -> None:
        """Warnings and errors only, one plain line each, on standard error."""
        logging.basicConfig(level=logging.WARNING, format="amx studio --web: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: the command has said where to point the browser."""

    def _base_url(self, request: web.Request) -> str:
        return self.fixed_url or f"{request.scheme}://{request.host}"

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page: a terminal that connects back to the address it was loaded from."""
        base = self._base_url(request)
        scheme, rest = base.split(":", 1)
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{'wss' if scheme == 'https' else 'ws'}:{rest}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Start a studio for a page this server gave out (refuse any other page), and pass
        keys and screens between them until the tab or the server closes."""
        origin = request.headers.get("Origin")
        if not page_may_connect(origin, request.host, public_url=self.fixed_url, names=self.names):
            log.warning(
                "refused a studio to a page from %s: not this server's own page (when that is "
                "the address people use, give it with --public-url)",
                printable(origin or "nowhere"),
            )
            raise web.HTTPForbidden(
                text="This server starts a studio only for its own page; open it from there.\n"
            )
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)

        async def close() -> None:
            await websocket.close()

        studio = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        self.tabs.add(websocket)
        try:
            await studio.start(
                to_int(request.query.get("width", "80"), 80),
                to_int(request.query.get("height", "24"), 24),
            )
            await self._process_messages(websocket, studio)
        except (OSError, RuntimeError, ValueError) as exc:
            log.warning("a tab's studio stopped: %s", exc)
        finally:
            self.tabs.discard(websocket)
            await studio.stop()
            await _ended(studio)
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every tab, which ends its studio, before the server goes."""
        for websocket in list(self.tabs):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"the server stopped")

    def serve_on(self, sock: socket.socket) -> None:
        """Serve on `sock` until SIGINT or SIGTERM, then close every tab's studio."""
        self.initialize_logging()
        web.run_app(
            self._make_app(),
            sock=sock,
            handle_signals=True,
            print=None,
            access_log=None,
            shutdown_timeout=SHUTDOWN_S,
        )
