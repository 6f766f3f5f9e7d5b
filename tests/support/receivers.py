"""Loopback receivers started by the tests themselves: an SMTP server (aiosmtpd) that can refuse
the first messages it is sent, and an HTTP server that keeps the JSON bodies posted to it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP receiver got, and how many DATA commands it still refuses."""

    refuse: int = 0
    refusal: str = "451 4.3.0 Mailbox busy, try again later"
    tries: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tries += 1
        if self.refuse > 0:
            self.refuse -= 1
            return self.refusal
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


@contextmanager
def smtp_server(refuse: int = 0) -> Iterator[tuple[int, Mailbox]]:
    """A plain SMTP server on 127.0.0.1 that refuses the first `refuse` messages with a 451."""
    box = Mailbox(refuse=refuse)
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


@dataclass
class Inbox:
    """What the HTTP receiver got: (path, JSON body) pairs; paths under /fail answer 500."""

    posts: list[tuple[str, Any]] = field(default_factory=list)


@contextmanager
def http_receiver() -> Iterator[tuple[int, Inbox]]:
    """An HTTP server on 127.0.0.1 that keeps every JSON body posted to it."""
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            inbox.posts.append((self.path, json.loads(body or b"null")))
            status = 500 if self.path.startswith("/fail") else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), inbox
    finally:
        server.shutdown()
        server.server_close()
