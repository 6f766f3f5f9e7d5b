"""Serving the API with uvicorn: loopback unless a host is said explicitly."""

from __future__ import annotations

import uvicorn

from core.api import Core
from daemon.api.address import DEFAULT_HOST, DEFAULT_PORT
from daemon.api.app import create_app
from daemon.sockets import bound_socket, is_loopback

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "bound_socket", "is_loopback", "server"]


def server(core: Core, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> uvicorn.Server:
    """A uvicorn server for the API over `core` (not started)."""
    config = uvicorn.Config(
        create_app(core), host=host, port=port, log_level="warning", access_log=False
    )
    return uvicorn.Server(config)
