"""Schemathesis against the served OpenAPI: on generated input, no 5xx, no undocumented status
or content type, and every answer matches its schema (a bounded number of examples each)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.api import Core
from daemon import heartbeat
from tests.support.api_server import served

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SEED = {
    "name": "nightly",
    "trigger": {"cron": "0 2 * * *", "timezone": "UTC"},
    "steps": [{"kind": "analyze", "profile": "shop", "scope": ["main"]}],
}
_secret: dict[str, str] = {}


@pytest.fixture
def api_schema(core: Core) -> Iterator[Any]:
    _secret["token"] = core.tokens.create("schemathesis").secret
    from core.schedules.scenario.files import spec_from_document

    core.schedules.create(spec_from_document(SEED))
    heartbeat.register(core.db, "w1", core.clock.now())  # a live daemon: health answers 200
    with served(core) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_and_no_schema_violation(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_secret['token']}"}, checks=CHECKS, timeout=30
    )
