"""The OpenAI-compatible profile against a real loopback server that speaks chat-completions."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from core.analysis.llm.factory import annotator_for
from core.analysis.llm.heuristic import HeuristicAnnotator
from core.analysis.llm.openai_compat import OpenAICompatibleAnnotator
from core.analysis.llm.protocol import (
    Annotator,
    LlmAuthError,
    LlmBadOutput,
    LlmError,
    LlmRateLimited,
    LlmUnavailable,
)
from core.catalog.metadata import ColumnMeta, TableMeta
from core.errors import InvalidInput
from tests.support.fake_llm import (
    FakeLlm,
    error,
    malformed,
    non_json,
    ok,
    rate_limited,
    server_error,
    timeout,
    unauthorized,
)

KEY = "sk-test-Very-Secret-0123456789"
ENV = "AMX_TEST_LLM_KEY"

ORDERS = TableMeta(
    schema="public",
    name="orders",
    columns=(
        ColumnMeta("id", "integer", nullable=False, primary_key=True),
        ColumnMeta("customer_id", "integer", foreign_key="public.customers.id"),
        ColumnMeta("email", "varchar(255)", samples=("john.doe@example.com", "ann@shop.org")),
        ColumnMeta("card_number", "varchar(19)", samples=("4242 4242 4242 4242",)),
        ColumnMeta("status", "text", samples=("paid", "pending")),
        ColumnMeta("api_token", "text", samples=("tok_live_abcdef",)),
        ColumnMeta("total_amount", "numeric(12,2)", samples=("12.50",)),
    ),
)


@pytest.fixture
def llm() -> Iterator[FakeLlm]:
    with FakeLlm() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make(
    llm: FakeLlm, sleeps: list[float], *, key: str | None = KEY, **options: Any
) -> OpenAICompatibleAnnotator:
    options.setdefault("timeout", 2.0)
    return OpenAICompatibleAnnotator(
        name="local",
        model="tiny-model",
        base_url=llm.base_url,
        api_key=key,
        api_key_env=ENV if key else None,
        sleep=sleeps.append,
        **options,
    )


def user_payload(body: Any) -> dict[str, Any]:
    data = json.loads(body["messages"][1]["content"])
    assert isinstance(data, dict)
    return data


def test_happy_path_sends_the_table_and_reads_the_annotation(
    llm: FakeLlm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, KEY)
    annotator = annotator_for(
        "openai-compatible", name="local", model="tiny-model", base_url=llm.base_url + "/",
        api_key_env=ENV, concurrency=3, timeout=5.0,
    )  # fmt: skip
    assert isinstance(annotator, OpenAICompatibleAnnotator)
    assert isinstance(annotator, Annotator)
    assert annotator.concurrency == 3

    result = annotator.annotate(ORDERS)

    assert [c.name for c in result.annotation.columns] == [c.name for c in ORDERS.columns]
    assert result.tokens == 42
    assert "tiny-model" in result.evidence
    [request] = llm.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    body = request.body
    assert body["model"] == "tiny-model"
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    system = body["messages"][0]["content"]
    assert '"columns"' in system and '"confidence"' in system and "pii:email" in system
    payload = user_payload(body)
    assert payload["table"] == "public.orders"
    columns = {c["name"]: c for c in payload["columns"]}
    assert columns["id"]["pk"] is True and columns["id"]["nullable"] is False
    assert columns["customer_id"]["fk"] == "public.customers.id"
    assert columns["total_amount"]["samples"] == ["12.50"]


def test_personal_samples_are_masked_and_secrets_withheld(
    llm: FakeLlm, sleeps: list[float]
) -> None:
    make(llm, sleeps).annotate(ORDERS)

    sent = llm.requests[0].body["messages"][1]["content"]
    columns = {c["name"]: c for c in user_payload(llm.requests[0].body)["columns"]}
    assert columns["email"]["samples"] == ["j***@e***.com", "a***@s***.org"]
    assert columns["card_number"]["samples"] == ["**** **** **** 4242"]
    assert "samples" not in columns["api_token"]
    for secret in ("john.doe", "example.com", "4242 4242 4242", "tok_live"):
        assert secret not in sent
    assert KEY not in json.dumps(llm.requests[0].body)


def test_no_authorization_header_without_a_key(llm: FakeLlm, sleeps: list[float]) -> None:
    make(llm, sleeps, key=None).annotate(ORDERS)

    assert "authorization" not in llm.requests[0].headers


def test_fenced_reply_is_accepted(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(ok(fenced=True))

    result = make(llm, sleeps).annotate(ORDERS)

    assert len(result.annotation.columns) == len(ORDERS.columns)
    assert len(llm.requests) == 1


def test_columns_are_matched_to_the_table_and_unknown_ones_dropped(
    llm: FakeLlm, sleeps: list[float]
) -> None:
    llm.script(
        ok({
            "description": "Orders.", "tags": ["PII:Email", "pii:email"], "confidence": 0.9,
            "columns": [
                {"name": "STATUS", "description": "Order status.", "tags": ["Status"], "confidence": 0.8},
                {"name": "ghost", "description": "Not a column.", "tags": [], "confidence": 0.5},
            ],
        })
    )  # fmt: skip

    annotation = make(llm, sleeps).annotate(ORDERS).annotation

    assert [(c.name, c.tags) for c in annotation.columns] == [("status", ["status"])]
    assert annotation.tags == ["pii:email"]


def test_one_repair_request_fixes_an_invalid_reply_and_tokens_add_up(
    llm: FakeLlm, sleeps: list[float]
) -> None:
    llm.script(malformed(), ok(tokens=10))

    result = make(llm, sleeps).annotate(ORDERS)

    assert len(result.annotation.columns) == len(ORDERS.columns)
    assert result.tokens == 42 + 10
    assert "repaired" in result.evidence
    assert sleeps == []
    first, second = (r.body["messages"] for r in llm.requests)
    assert second[: len(first)] == first
    assert second[-2]["role"] == "assistant"
    assert second[-2]["content"] == malformed().content
    assert second[-1]["role"] == "user"
    assert "not valid" in second[-1]["content"] and "JSON" in second[-1]["content"]


def test_a_schema_violation_is_repaired_too(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(ok({"description": "Orders.", "confidence": 7, "columns": []}), ok())

    make(llm, sleeps).annotate(ORDERS)

    repair = llm.requests[1].body["messages"][-1]["content"]
    assert "confidence" in repair


def test_still_invalid_after_the_repair_is_bad_output_naming_the_table(
    llm: FakeLlm, sleeps: list[float]
) -> None:
    llm.script(malformed(), malformed('{"description": ""}'))

    with pytest.raises(LlmBadOutput) as caught:
        make(llm, sleeps).annotate(ORDERS)

    message = str(caught.value)
    assert "public.orders" in message and "'local'" in message
    assert message.endswith(".") and "\n" not in message
    assert len(llm.requests) == 2


def test_429_is_retried_after_the_retry_after_seconds(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(rate_limited(retry_after=3), ok())

    result = make(llm, sleeps).annotate(ORDERS)

    assert sleeps == [3.0]
    assert len(llm.requests) == 2
    assert result.tokens == 42


def test_429_without_retry_after_backs_off_then_gives_up(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(*[rate_limited(retry_after=None)] * 4)

    with pytest.raises(LlmRateLimited) as caught:
        make(llm, sleeps).annotate(ORDERS)

    assert sleeps == [0.5, 1.0, 2.0]
    assert len(llm.requests) == 4
    assert "429" in str(caught.value) and "4 attempt" in str(caught.value)


def test_500_is_retried_a_bounded_number_of_times(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(*[server_error(500)] * 10)

    with pytest.raises(LlmUnavailable) as caught:
        make(llm, sleeps).annotate(ORDERS)

    assert len(llm.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert "500 Internal Server Error" in str(caught.value)
    assert llm.base_url in str(caught.value)


def test_backoff_is_capped(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(*[server_error(503)] * 7)

    with pytest.raises(LlmUnavailable):
        make(llm, sleeps, max_attempts=7).annotate(ORDERS)

    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_5xx_then_ok_recovers(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(server_error(502), server_error(503), ok())

    result = make(llm, sleeps).annotate(ORDERS)

    assert sleeps == [0.5, 1.0]
    assert result.annotation.columns


def test_timeout_is_retried(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(timeout(5), ok())

    result = make(llm, sleeps, timeout=0.3).annotate(ORDERS)

    assert result.annotation.columns
    assert len(llm.requests) == 2
    assert sleeps == [0.5]


def test_timeouts_until_the_last_attempt_are_unavailable(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(timeout(5), timeout(5))

    with pytest.raises(LlmUnavailable) as caught:
        make(llm, sleeps, timeout=0.3, max_attempts=2).annotate(ORDERS)

    assert "no answer within 0.3 s" in str(caught.value)
    assert len(llm.requests) == 2


def test_refused_connection_is_unavailable(sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    annotator = OpenAICompatibleAnnotator(
        name="down", model="m", base_url=f"http://127.0.0.1:{port}/v1", sleep=sleeps.append,
        max_attempts=2, timeout=1.0,
    )  # fmt: skip

    with pytest.raises(LlmUnavailable) as caught:
        annotator.annotate(ORDERS)

    assert "connection failed" in str(caught.value)
    assert sleeps == [0.5]


@pytest.mark.parametrize(("status", "phrase"), [(401, "Unauthorized"), (403, "Forbidden")])
def test_auth_refusal_fails_at_once(
    llm: FakeLlm, sleeps: list[float], status: int, phrase: str
) -> None:
    llm.script(unauthorized(status), ok())

    with pytest.raises(LlmAuthError) as caught:
        make(llm, sleeps).annotate(ORDERS)

    assert str(caught.value) == (
        f"LLM profile 'local' was refused by {llm.base_url}/chat/completions: "
        f"{status} {phrase}; check the key in ${ENV}."
    )
    assert len(llm.requests) == 1
    assert sleeps == []


def test_auth_refusal_without_a_key_says_so(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(unauthorized())

    with pytest.raises(LlmAuthError, match="sends no key"):
        make(llm, sleeps, key=None).annotate(ORDERS)


def test_other_4xx_is_not_retried_and_quotes_the_server(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(error(404, "model 'tiny-model' not found"))

    with pytest.raises(LlmError) as caught:
        make(llm, sleeps).annotate(ORDERS)

    assert "404 Not Found" in str(caught.value)
    assert "model 'tiny-model' not found" in str(caught.value)
    assert len(llm.requests) == 1


def test_non_json_body_is_bad_output_with_a_hint(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(non_json())

    with pytest.raises(LlmBadOutput, match="API root"):
        make(llm, sleeps).annotate(ORDERS)


def test_the_key_never_appears_in_any_error(llm: FakeLlm, sleeps: list[float]) -> None:
    scripts = [
        [unauthorized()],
        [error(400, f"invalid header Authorization: Bearer {KEY}")],
        [server_error()] * 4,
        [rate_limited(retry_after=0)] * 4,
        [malformed(), malformed()],
        [non_json()],
    ]
    annotator = make(llm, sleeps)
    for script in scripts:
        llm.script(*script)
        with pytest.raises(LlmError) as caught:
            annotator.annotate(ORDERS)
        assert KEY not in str(caught.value)
        assert KEY not in repr(caught.value)
    assert KEY not in repr(annotator)


def test_ping_returns_the_reply_text(llm: FakeLlm, sleeps: list[float]) -> None:
    assert make(llm, sleeps).ping() == "pong"

    body = llm.requests[0].body
    assert "response_format" not in body
    assert body["messages"][-1]["role"] == "user"


def test_ping_reports_refusal(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(unauthorized())

    with pytest.raises(LlmAuthError):
        make(llm, sleeps).ping()


def test_a_missing_usage_counts_zero_tokens(llm: FakeLlm, sleeps: list[float]) -> None:
    llm.script(ok(tokens=None))

    assert make(llm, sleeps).annotate(ORDERS).tokens == 0


def test_one_annotator_serves_a_thread_pool(llm: FakeLlm, sleeps: list[float]) -> None:
    tables = [replace(ORDERS, name=f"orders_{i}") for i in range(8)]
    annotator = make(llm, sleeps, concurrency=4)

    with ThreadPoolExecutor(max_workers=annotator.concurrency) as pool:
        results = list(pool.map(annotator.annotate, tables))

    assert all(len(r.annotation.columns) == len(ORDERS.columns) for r in results)
    assert sorted(user_payload(r.body)["table"] for r in llm.requests) == sorted(
        t.path for t in tables
    )
    annotator.close()


def test_factory_refuses_an_unknown_provider() -> None:
    with pytest.raises(InvalidInput) as caught:
        annotator_for("gpt", name="x", model="m", base_url="http://h/v1", api_key_env=None)

    assert caught.value.field == "provider"


def test_factory_refuses_an_unset_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    with pytest.raises(LlmAuthError) as caught:
        annotator_for(
            "openai-compatible", name="x", model="m", base_url="http://h/v1",
            api_key_env="OPENAI_API_KEY",
        )  # fmt: skip

    assert str(caught.value) == (
        "environment variable OPENAI_API_KEY named by LLM profile 'x' is not set; export it."
    )


def test_factory_builds_the_heuristic() -> None:
    annotator = annotator_for(
        "heuristic", name="heuristic", model=None, base_url=None, api_key_env=None, concurrency=5
    )

    assert isinstance(annotator, HeuristicAnnotator)
    assert (annotator.name, annotator.concurrency) == ("heuristic", 5)
