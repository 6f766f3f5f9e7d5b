"""Which pages may drive a studio: a browser lets any web page open a WebSocket to any address,
so the server checks where the page came from before it starts a studio for it."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def machine_names() -> frozenset[str]:
    """The names this machine answers to by itself."""
    return frozenset(
        name.lower() for name in ("localhost", socket.gethostname(), socket.getfqdn()) if name
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def page_may_connect(
    origin: str | None, host: str | None, *, public_url: str | None, names: frozenset[str]
) -> bool:
    """Whether a page from `origin` may open a studio through a request sent to `host`.

    Pass: the page came from the public URL, or from this very server reached by an address or
    by one of this machine's names. Fail: another site's page, a page without an origin, and a
    foreign name pointed at this machine (DNS rebinding)."""
    if not origin or origin == "null":
        return False
    if public_url and _origin(origin) == _origin(public_url):
        return True
    if not host:
        return False
    parts = urlsplit(origin)
    if parts.netloc.lower() != host.lower():
        return False
    hostname = parts.hostname or ""
    return _is_address(hostname) or hostname in names
