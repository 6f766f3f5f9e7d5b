"""Access to the HTTP API: bearer tokens from `amx api token`, kept only as hashes; missing,
wrong, revoked and read-only tokens on every write endpoint; no data without a token."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.api import Core
from core.storage.tables import ApiToken, Run, Schedule, Template
from tests.support.api_server import served
from tests.support.cli import Amx

PROBLEM = "application/problem+json"
BODY = {
    "name": "nightly",
    "trigger": {"cron": "0 2 * * *", "timezone": "UTC"},
    "steps": [{"kind": "analyze", "profile": "shop", "scope": ["main"]}],
}
TEMPLATE = {
    "slug": "nightly-check",
    "name": "Nightly check",
    "parameters": [{"name": "hour", "type": "int", "default": 2}],
    "trigger": {"cron": "0 {{ param.hour }} * * *", "timezone": "UTC"},
    "steps": [{"kind": "analyze", "profile": "{{ profile.name }}", "scope": ["main"]}],
}
WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/scheduler/scenarios", {**BODY, "name": "other"}),
    ("PATCH", "/api/scheduler/scenarios/{id}", {"retries": 1}),
    ("DELETE", "/api/scheduler/scenarios/{id}", None),
    ("POST", "/api/scheduler/scenarios/{id}/run", None),
    ("POST", "/api/scheduler/scenarios/{id}/pause", None),
    ("POST", "/api/scheduler/scenarios/{id}/resume", None),
    ("POST", "/api/scheduler/templates", {**TEMPLATE, "slug": "other"}),
    ("PUT", "/api/scheduler/templates/nightly-check", {**TEMPLATE, "name": "Changed"}),
    ("DELETE", "/api/scheduler/templates/nightly-check", None),
    ("POST", "/api/scheduler/templates/nightly-check/enable/shop", {"params": {"hour": 4}}),
    ("POST", "/api/scheduler/templates/nightly-check/disable/shop", None),
    ("POST", "/api/scheduler/templates/nightly-pii/enable/shop", None),
]
READS = [
    "/api/scheduler/scenarios",
    "/api/scheduler/scenarios/{id}",
    "/api/scheduler/scenarios/{id}/runs",
    "/api/scheduler/templates",
    "/api/scheduler/templates/nightly-check",
]


@pytest.fixture
def site(core: Core) -> Iterator[tuple[httpx.Client, Core, int]]:
    writer = core.tokens.create("writer").secret
    with served(core) as url, httpx.Client(base_url=url, timeout=30) as http:
        made = http.post(
            "/api/scheduler/scenarios", json=BODY, headers={"Authorization": f"Bearer {writer}"}
        )
        assert made.status_code == 201, made.text
        template = http.post(
            "/api/scheduler/templates", json=TEMPLATE, headers={"Authorization": f"Bearer {writer}"}
        )
        assert template.status_code == 201, template.text
        yield http, core, made.json()["id"]


def _state(core: Core) -> tuple[Any, ...]:
    with core.db.read() as session:
        schedules = session.execute(
            select(Schedule.id, Schedule.status, Schedule.version, Schedule.deleted_at)
        ).all()
        runs = session.scalar(select(Run.id).order_by(Run.id.desc()).limit(1))
        templates = session.execute(
            select(Template.slug, Template.version, Template.deleted_at).order_by(Template.slug)
        ).all()
    return tuple(schedules), runs, tuple(templates)


def _bad_tokens(core: Core) -> dict[str, dict[str, str]]:
    revoked = core.tokens.create("gone").secret
    core.tokens.revoke("gone")
    return {
        "missing": {},
        "wrong": {"Authorization": "Bearer amx_not-a-token-at-all"},
        "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
    }


def test_every_write_refuses_missing_wrong_revoked_and_read_only_tokens(
    site: tuple[httpx.Client, Core, int],
) -> None:
    http, core, sid = site
    before = _state(core)
    reader = core.tokens.create("reader", read_only=True).secret
    for method, path, body in WRITES:
        url = path.format(id=sid)
        extra = {"If-Match": '"1"'} if method == "PATCH" else {}
        for why, headers in _bad_tokens(core).items():
            answer = http.request(method, url, json=body, headers={**headers, **extra})
            assert answer.status_code == 401, (method, url, why, answer.text)
            assert answer.headers["content-type"] == PROBLEM
            assert answer.headers["www-authenticate"] == "Bearer"
        answer = http.request(
            method, url, json=body, headers={"Authorization": f"Bearer {reader}", **extra}
        )
        assert answer.status_code == 403, (method, url, answer.text)
        assert "read-only" in answer.json()["detail"]
    assert _state(core) == before


def test_no_endpoint_answers_data_without_a_token(site: tuple[httpx.Client, Core, int]) -> None:
    http, core, sid = site
    for path in READS:
        for why, headers in _bad_tokens(core).items():
            answer = http.get(path.format(id=sid), headers=headers)
            assert answer.status_code == 401, (path, why)
            assert "nightly" not in answer.text and "Nightly" not in answer.text
    reader = core.tokens.create("reader", read_only=True).secret
    for path in READS:
        answer = http.get(path.format(id=sid), headers={"Authorization": f"Bearer {reader}"})
        assert answer.status_code == 200, (path, answer.text)
    schema = http.get("/openapi.json").json()
    guarded = [
        (path, method)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "security" not in operation
    ]
    assert guarded == [("/api/pipeline/scheduler/health", "get")]


def test_a_revoked_token_stops_working_at_once(site: tuple[httpx.Client, Core, int]) -> None:
    http, core, _ = site
    secret = core.tokens.create("ci").secret
    headers = {"Authorization": f"Bearer {secret}"}
    assert http.get("/api/scheduler/scenarios", headers=headers).status_code == 200
    core.tokens.revoke("ci")
    assert http.get("/api/scheduler/scenarios", headers=headers).status_code == 401


def test_amx_api_token_create_list_revoke(amx: Amx) -> None:
    assert amx("api", "token", "create", "ci", "--read-only") == 0, amx.err
    secret = amx.out.strip().splitlines()[-1]
    assert secret.startswith("amx_") and len(secret) > 40
    assert "shown only this once" in amx.out
    listed = amx.json("api", "token", "list")
    assert [(t["name"], t["read_only"]) for t in listed] == [("ci", True)]
    assert secret not in str(listed)
    core = Core.open(amx.url, amx.clock)
    try:
        with core.db.read() as session:
            stored = session.scalars(select(ApiToken.token_hash)).all()
        assert stored == [hashlib.sha256(secret.encode()).hexdigest()]
        assert core.tokens.verify(secret) is not None
        assert amx("api", "token", "create", "ci") == 1
        assert "exists already" in amx.err
        assert amx("api", "token", "revoke", "ci") == 0, amx.err
        assert core.tokens.verify(secret) is None
    finally:
        core.close()
    assert amx("api", "token", "revoke", "ci") == 1 and "no live token named 'ci'" in amx.err
    assert amx.json("api", "token", "list") == []
    assert len(amx.json("api", "token", "list", "--all")) == 1
    assert amx("api", "token", "list", "--all") == 0  # times as people read them, here WIB
    assert [cell.strip() for cell in amx.out.splitlines()[1].split("  ") if cell] == [
        "ci", "read-only", "2026-11-21 09:00 WIB", "2026-11-21 09:00 WIB"
    ]  # fmt: skip
    assert amx("api", "token", "create", "") == 1 and "name is empty" in amx.err
