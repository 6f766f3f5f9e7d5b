"""Serving the API with uvicorn: loopback unless a host is said explicitly."""

from __future__ import annotations

import socket

import uvicorn

from core.api import Core
from daemon.api.address import DEFAULT_HOST, DEFAULT_PORT, is_loopback
from daemon.api.app import create_app

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "bound_socket", "is_loopback", "server"]


def server(core: Core, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> uvicorn.Server:
    """A uvicorn server for the API over `core` (not started)."""
    config = uvicorn.Config(
        create_app(core), host=host, port=port, log_level="warning", access_log=False
    )
    return uvicorn.Server(config)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock
