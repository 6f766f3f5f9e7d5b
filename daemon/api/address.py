"""Where the HTTP API listens: the loopback default, address checks and the exposure warning.

Free of the web framework, so the OS hooks and `amx schedule status` can use it cheaply.
"""

from __future__ import annotations

import ipaddress
import re

from core.errors import InvalidInput
from daemon.sockets import DEFAULT_HOST, is_loopback

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "base_url",
    "check_host",
    "check_port",
    "exposure_warning",
    "is_loopback",
]

DEFAULT_PORT = 8470
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def check_host(host: str, field: str = "host") -> str:
    """`host` when it is an IP address or a plain host name, else one sentence naming the fix."""
    text = host.strip()
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not _HOSTNAME.fullmatch(text):
            raise InvalidInput(
                field,
                f"{host!r} is not an address to listen on; give an IP address such as 127.0.0.1 "
                "or ::1, or a host name of this machine.",
            ) from None
    return text


def check_port(port: int, field: str = "port") -> int:
    """`port` when it is a TCP port from 1 to 65535."""
    if not 0 < port < 65536:
        raise InvalidInput(field, f"port {port} is not from 1 to 65535; choose another port.")
    return port


def base_url(host: str, port: int) -> str:
    """http://host:port, with an IPv6 address in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def exposure_warning(host: str) -> str | None:
    """What to say when the API listens beyond this machine; None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"serving on {host}, reachable from other machines; tokens travel in clear text unless "
        "a TLS proxy stands in front."
    )
