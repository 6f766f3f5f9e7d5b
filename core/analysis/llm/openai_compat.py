"""Annotate tables with any OpenAI-compatible chat-completions endpoint (Ollama, vLLM, hosted)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import ValidationError

from core.analysis.llm.protocol import (
    TAG_VOCABULARY,
    LlmAuthError,
    LlmBadOutput,
    LlmError,
    LlmRateLimited,
    LlmUnavailable,
)
from core.analysis.pii import safe_samples
from core.catalog.metadata import AnnotationResult, ColumnAnnotation, TableAnnotation, TableMeta
from core.storage.engine import masked
from core.text import counted

MAX_RETRY_AFTER_S = 60.0
MAX_SAMPLES = 10
MAX_SAMPLE_CHARS = 120

SYSTEM_PROMPT = (
    "You document database tables for data engineers and DBAs. You receive one table as JSON: "
    "its path, kind, comment and columns (name, type, nullable, pk, fk = the referenced "
    "schema.table.column, default, comment, samples). Samples of personal data arrive masked "
    "with '*'; never guess the hidden values. Write a specific description of the table (what "
    "one row is, its primary key, what it links to, whether it holds personal data) and of "
    "every column (what it holds, in one sentence), and tag them. Prefer these tags: "
    f"{', '.join(TAG_VOCABULARY)}. Reply with ONE JSON object and nothing else, exactly this "
    'shape: {"description": "<table description>", "tags": ["<tag>"], "confidence": <0..1>, '
    '"columns": [{"name": "<column name exactly as given>", "description": "<one sentence>", '
    '"tags": ["<tag>"], "confidence": <0..1>}]}. List every column once, in the given order.'
)


class InvalidReply(ValueError):
    """The model's reply is not a usable annotation; the text says why, for the repair prompt."""


def _strip_fences(text: str) -> str:
    text = text.strip()
    fenced = re.match(r"^```[\w-]*\s*\n?(.*?)\n?```\s*$", text, re.DOTALL)
    if fenced:
        return fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    # Some models wrap the object in a sentence despite the instructions.
    if start > 0 and end > start:
        return text[start : end + 1]
    return text


def _first_error(error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(p) for p in first["loc"]) or "the object"
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_annotation(content: str, table: TableMeta) -> TableAnnotation:
    """The annotation in a model reply, keeping only the table's own columns, or InvalidReply."""
    text = _strip_fences(content)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidReply(
            f"the reply is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise InvalidReply("the reply is JSON but not an object")
    try:
        annotation = TableAnnotation.model_validate(data)
    except ValidationError as exc:
        raise InvalidReply(_first_error(exc)) from None
    known = {c.name.lower(): c.name for c in table.columns}
    columns: list[ColumnAnnotation] = []
    seen: set[str] = set()
    for column in annotation.columns:
        name = known.get(column.name.strip().lower())
        if name is None or name in seen:
            continue
        seen.add(name)
        tags = list(dict.fromkeys(t.strip().lower() for t in column.tags if t.strip()))
        columns.append(column.model_copy(update={"name": name, "tags": tags}))
    if annotation.columns and not columns and known:
        raise InvalidReply(
            "none of the column names match the table's columns "
            f"({', '.join(c.name for c in table.columns[:20])})"
        )
    tags = list(dict.fromkeys(t.strip().lower() for t in annotation.tags if t.strip()))
    return annotation.model_copy(update={"columns": columns, "tags": tags})


def table_payload(table: TableMeta) -> str:
    """The table as compact JSON for the user message, with masked samples."""
    columns: list[dict[str, Any]] = []
    for column in table.columns:
        item: dict[str, Any] = {"name": column.name, "type": column.type}
        if not column.nullable:
            item["nullable"] = False
        if column.primary_key:
            item["pk"] = True
        if column.foreign_key:
            item["fk"] = column.foreign_key
        if column.default is not None:
            item["default"] = column.default
        if column.comment:
            item["comment"] = column.comment
        samples = [s[:MAX_SAMPLE_CHARS] for s in safe_samples(column, table)[:MAX_SAMPLES]]
        if samples:
            item["samples"] = samples
        columns.append(item)
    payload: dict[str, Any] = {"table": table.path, "kind": table.kind}
    if table.database:
        payload["database"] = table.database
    if table.comment:
        payload["comment"] = table.comment
    payload["columns"] = columns
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


class OpenAICompatibleAnnotator:
    """Asks a chat-completions endpoint to annotate each table; retries what is worth retrying."""

    def __init__(
        self,
        *,
        name: str,
        model: str,
        base_url: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        concurrency: int = 2,
        timeout: float = 60.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._key = api_key or None
        self._url = f"{self.base_url}/chat/completions"
        self._shown_url = masked(self._url)
        # One client for every worker thread: httpx.Client's connection pool is thread-safe.
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"OpenAICompatibleAnnotator(name={self.name!r}, model={self.model!r})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def __enter__(self) -> OpenAICompatibleAnnotator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def annotate(self, table: TableMeta) -> AnnotationResult:
        """Describe and tag `table`; one repair request if the first reply is not valid."""
        messages: list[dict[str, str]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": table_payload(table)},
        ]
        content, tokens = self._complete(messages, json_mode=True)
        try:
            annotation = parse_annotation(content, table)
            repaired = False
        except InvalidReply as first:
            messages += [
                {"role": "assistant", "content": content[:8000]},
                {
                    "role": "user",
                    "content": f"That reply is not valid: {first}. Answer again with the "
                    "corrected JSON object only, in the exact shape asked for, nothing else.",
                },
            ]
            content, more = self._complete(messages, json_mode=True)
            tokens += more
            try:
                annotation = parse_annotation(content, table)
            except InvalidReply as second:
                raise LlmBadOutput(
                    f"LLM profile {self.name!r} gave no valid annotation for table {table.path}, "
                    f"even after a repair request: {second}."
                ) from None
            repaired = True
        requests = 2 if repaired else 1
        evidence = f"{self.model} at {masked(self.base_url)}, {counted(requests, 'request')}"
        if repaired:
            evidence += ", the first reply repaired"
        return AnnotationResult(annotation=annotation, tokens=tokens, evidence=evidence)

    def ping(self) -> str:
        """Send a tiny request and return the model's reply text, to test the connection."""
        messages = [{"role": "user", "content": "Reply with the single word: pong"}]
        content, _ = self._complete(messages, json_mode=False)
        return content.strip()

    def _complete(self, messages: list[dict[str, str]], *, json_mode: bool) -> tuple[str, int]:
        """POST one chat completion with bounded retries; returns (content, total tokens)."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        failure: type[LlmError] = LlmUnavailable
        problem = "no answer"
        for attempt in range(1, self.max_attempts + 1):
            wait: float | None = None
            try:
                response = self._client.post(self._url, json=body, headers=headers)
            except httpx.TimeoutException:
                failure, problem = LlmUnavailable, f"no answer within {self.timeout:g} s"
            except httpx.TransportError as exc:
                failure, problem = LlmUnavailable, f"the connection failed ({type(exc).__name__})"
            else:
                status = response.status_code
                if status in (401, 403):
                    raise LlmAuthError(self._refused(response))
                if status == 429:
                    failure, problem = LlmRateLimited, _status_text(response)
                    wait = _retry_after(response)
                elif status >= 500 or status == 408:
                    failure, problem = LlmUnavailable, _status_text(response)
                    wait = _retry_after(response)
                elif status >= 400:
                    raise LlmError(self._redact(self._rejected(response)))
                else:
                    return self._read(response)
            if attempt == self.max_attempts:
                break
            backoff = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
            self._sleep(wait if wait is not None else backoff)
        what = "is rate limited by" if failure is LlmRateLimited else "got no usable answer from"
        advice = (
            "try again later or lower the profile's concurrency"
            if failure is LlmRateLimited
            else "check that the server is running and the base URL is right"
        )
        raise failure(
            self._redact(
                f"LLM profile {self.name!r} {what} {self._shown_url} after "
                f"{counted(self.max_attempts, 'attempt')}: {problem}; {advice}."
            )
        )

    def _read(self, response: httpx.Response) -> tuple[str, int]:
        try:
            data = response.json()
        except ValueError:
            raise LlmBadOutput(
                f"LLM profile {self.name!r} got a reply from {self._shown_url} that is not JSON; "
                "check that the base URL is the API root (e.g. http://localhost:11434/v1)."
            ) from None
        try:
            message = data["choices"][0]["message"]
            content = message.get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise LlmBadOutput(
                f"LLM profile {self.name!r} got a reply from {self._shown_url} without "
                "choices[0].message; is it an OpenAI-compatible chat-completions endpoint?"
            ) from None
        usage = data.get("usage") if isinstance(data, dict) else None
        total = usage.get("total_tokens") if isinstance(usage, dict) else None
        tokens = total if isinstance(total, int) and total >= 0 else 0
        return str(content), tokens

    def _refused(self, response: httpx.Response) -> str:
        if self.api_key_env:
            advice = f"check the key in ${self.api_key_env}"
        else:
            advice = (
                "the profile sends no key; give it the name of the environment variable "
                "that holds one"
            )
        return self._redact(
            f"LLM profile {self.name!r} was refused by {self._shown_url}: "
            f"{_status_text(response)}; {advice}."
        )

    def _rejected(self, response: httpx.Response) -> str:
        detail = ""
        try:
            error = response.json().get("error")
            text = error.get("message") if isinstance(error, dict) else error
            if isinstance(text, str) and text.strip():
                detail = " (" + " ".join(text.split())[:200].rstrip(".") + ")"
        except (ValueError, AttributeError):
            pass
        return (
            f"LLM profile {self.name!r} was answered {_status_text(response)} by "
            f"{self._shown_url}{detail}; check the model name and the base URL."
        )

    def _redact(self, text: str) -> str:
        # A server may echo the request; the key must never reach a message or a log.
        return text.replace(self._key, "***") if self._key else text


def _status_text(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


__all__ = [
    "SYSTEM_PROMPT",
    "InvalidReply",
    "OpenAICompatibleAnnotator",
    "parse_annotation",
    "table_payload",
]
