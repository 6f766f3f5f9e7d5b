"""A real loopback HTTP server that speaks chat-completions, scripted reply by reply.

    with FakeLlm() as llm:
        llm.script(rate_limited(retry_after=2), ok())
        annotator = OpenAICompatibleAnnotator(name="x", model="m", base_url=llm.base_url)
        ...
        assert llm.requests[0].path == "/v1/chat/completions"

With nothing scripted it answers `ok()`: a valid TableAnnotation built from the table in the
request, or "pong" when the request carries no table.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from core.api import Core

Kind = Literal["ok", "status", "timeout", "content", "raw"]


@dataclass(frozen=True)
class Behaviour:
    """How the server answers one request."""

    kind: Kind
    status: int = 200
    content: str | None = None
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    tokens: int | None = 42
    fenced: bool = False


def ok(
    content: str | dict[str, Any] | None = None, *, tokens: int | None = 42, fenced: bool = False
) -> Behaviour:
    """200 with a chat completion; `content` defaults to an annotation of the requested table."""
    text = json.dumps(content) if isinstance(content, dict) else content
    return Behaviour("ok", content=text, tokens=tokens, fenced=fenced)


def malformed(content: str = '{"description": "Orders of the shop", "columns": [') -> Behaviour:
    """200 with a completion whose content is not a valid annotation."""
    return Behaviour("content", content=content)


def rate_limited(retry_after: float | None = 1.0) -> Behaviour:
    """429 Too Many Requests, with Retry-After seconds unless None."""
    headers = (("Retry-After", f"{retry_after:g}"),) if retry_after is not None else ()
    return Behaviour("status", status=429, headers=headers)


def server_error(status: int = 500) -> Behaviour:
    """A 5xx answer."""
    return Behaviour("status", status=status)


def error(status: int, message: str) -> Behaviour:
    """Any status with an OpenAI-style error body carrying `message`."""
    return Behaviour("status", status=status, content=message)


def unauthorized(status: int = 401) -> Behaviour:
    """401 (or 403) with an OpenAI-style error body."""
    return Behaviour("status", status=status)


def timeout(seconds: float = 5.0) -> Behaviour:
    """Answer only after `seconds` (longer than the client waits); closing cuts the wait short."""
    return Behaviour("timeout", delay=seconds)


def non_json(body: bytes = b"<html><body>502 Bad Gateway</body></html>") -> Behaviour:
    """200 with a body that is not JSON at all."""
    return Behaviour("raw", body=body)


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it; header names are lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _table_in(body: Any) -> dict[str, Any] | None:
    """The table payload the client put in its first user message, if any."""
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in messages or []:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        try:
            data = json.loads(str(message.get("content", "")))
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("columns"), list):
            return data
    return None


def plausible_annotation(table: dict[str, Any]) -> dict[str, Any]:
    """A valid TableAnnotation for a table payload."""
    names = [str(c.get("name")) for c in table["columns"] if isinstance(c, dict)]
    return {
        "description": f"Each row of {table.get('table', 'the table')} is one record.",
        "tags": [],
        "confidence": 0.8,
        "columns": [
            {"name": n, "description": f"The {n} of the record.", "tags": [], "confidence": 0.7}
            for n in names
        ],
    }


def _completion(content: str, tokens: int | None) -> bytes:
    data: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
    if tokens is not None:
        data["usage"] = {
            "prompt_tokens": tokens - 2,
            "completion_tokens": 2,
            "total_tokens": tokens,
        }
    return json.dumps(data).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still "timing out" must not hold up close()
    fake: FakeLlm


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one packet: no Nagle/delayed-ACK stalls of 40 ms per reply.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def log_message(self, *args: Any) -> None:
        """Keep the test output clean."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        behaviour = fake._record(Recorded(self.command, self.path, headers, body))
        # The client may have given up already (a scripted timeout).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(fake, behaviour, body)

    def _answer(self, fake: FakeLlm, behaviour: Behaviour, body: Any) -> None:
        if behaviour.kind == "timeout":
            if fake._closed.wait(behaviour.delay):
                return
            behaviour = ok()
        if behaviour.kind == "status":
            status = behaviour.status
            message = behaviour.content or f"fake error {status}"
            payload = {"error": {"message": message, "type": "fake", "code": status}}
            self._send(status, json.dumps(payload).encode(), behaviour.headers)
        elif behaviour.kind == "raw":
            self._send(200, behaviour.body or b"", (("Content-Type", "text/html"),))
        else:
            content = behaviour.content
            if content is None:
                table = _table_in(body)
                content = json.dumps(plausible_annotation(table)) if table else "pong"
            if behaviour.fenced:
                content = f"```json\n{content}\n```"
            self._send(200, _completion(content, behaviour.tokens), ())

    def _send(self, status: int, payload: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        self.send_response(status)
        names = {k.lower() for k, _ in headers}
        if "content-type" not in names:
            self.send_header("Content-Type", "application/json")
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


@dataclass
class FakeLlm:
    """The server: start it (or use `with`), script replies, read `requests`, close it."""

    requests: list[Recorded] = field(default_factory=list)
    _queue: deque[Behaviour] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: threading.Event = field(default_factory=threading.Event)
    _server: _Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> FakeLlm:
        """Listen on 127.0.0.1 on a free port, serving from a background thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._server is not None, "start the fake LLM first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The base URL an LLM profile would hold, e.g. http://127.0.0.1:PORT/v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *behaviours: Behaviour) -> None:
        """Queue the replies to the next requests, in order; then it answers ok()."""
        with self._lock:
            self._queue.extend(behaviours)

    def _record(self, request: Recorded) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else ok()

    def close(self) -> None:
        """Stop serving, wake any handler that is sleeping, and release the port."""
        self._closed.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeLlm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def add_profile(core: Core, llm: FakeLlm, name: str = "slow") -> str:
    """Add an LLM profile `name` that talks to `llm`, one request at a time; returns the name."""
    core.profiles.add_llm(name, "openai-compatible", model="m", base_url=llm.base_url,
                          concurrency=1)  # fmt: skip
    return name
