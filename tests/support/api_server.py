"""A real uvicorn server of the HTTP API on a free loopback port, in a thread of the test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from core.api import Core
from daemon.api.server import bound_socket, server


@contextmanager
def served(core: Core) -> Iterator[str]:
    """The API over `core` served on 127.0.0.1; yields its base URL."""
    sock = bound_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    api = server(core, "127.0.0.1", port)
    thread = threading.Thread(target=api.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not api.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        api.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def api_client(core: Core, token_name: str = "tests") -> Iterator[httpx.Client]:
    """An httpx client of the API over `core`, with a fresh read-write token."""
    secret = core.tokens.create(token_name).secret
    headers = {"Authorization": f"Bearer {secret}"}
    with served(core) as url, httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        yield http
