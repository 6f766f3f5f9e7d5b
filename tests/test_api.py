"""The HTTP API served by a real uvicorn on loopback, driven with httpx, on SQLite and
PostgreSQL: every endpoint answers what the core's services say."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.api import Core
from core.clock import FrozenClock
from core.schedules.text_page import TOTAL_CAP
from daemon import heartbeat
from tests.support.api_server import served
from tests.support.schedule_rows import fill_schedules

PROBLEM = "application/problem+json"


def nightly(name: str = "nightly", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "trigger": {"cron": "0 2 * * *", "timezone": "UTC"},
        "steps": [
            {"kind": "cache_refresh", "profile": "shop"},
            {"kind": "analyze", "profile": "shop", "scope": ["main"]},
        ],
    }
    body.update(extra)
    return body


def test_create_read_and_list_a_scenario(client: httpx.Client) -> None:
    made = client.post("/api/scheduler/scenarios", json=nightly())
    assert made.status_code == 201, made.text
    body = made.json()
    assert made.headers["location"] == f"/api/scheduler/scenarios/{body['id']}"
    assert made.headers["etag"] == '"1"'
    assert body["trigger"] == {"cron": "0 2 * * *", "timezone": "UTC"}
    assert [s["kind"] for s in body["steps"]] == ["cache_refresh", "analyze"]
    assert body["status"] == "pending" and body["version"] == 1

    shown = client.get(f"/api/scheduler/scenarios/{body['id']}")
    assert shown.status_code == 200
    assert shown.json()["scenario"]["name"] == "nightly"
    assert shown.json()["runs"] == [] and shown.json()["runs_total"] == 0

    listed = client.get("/api/scheduler/scenarios").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]


def test_a_scenario_created_paused_never_stood_pending(client: httpx.Client) -> None:
    made = client.post("/api/scheduler/scenarios", json={**nightly(), "paused": True})
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "paused" and made.json()["version"] == 1
    wrong = client.post("/api/scheduler/scenarios", json={**nightly("n2"), "paused": "maybe"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "paused"


def test_list_filters_and_pages(client: httpx.Client) -> None:
    for n in range(5):
        assert client.post("/api/scheduler/scenarios", json=nightly(f"n{n}")).status_code == 201
    report = nightly(
        "report",
        steps=[{"kind": "export_docs", "profile": "shop", "format": "json", "path": "/tmp/x.json"}],
    )
    made = client.post("/api/scheduler/scenarios", json=report)
    assert made.status_code == 201, made.text
    client.post(f"/api/scheduler/scenarios/{made.json()['id']}/pause")

    def names(**params: Any) -> list[str]:
        answer = client.get("/api/scheduler/scenarios", params=params)
        assert answer.status_code == 200, answer.text
        return sorted(item["name"] for item in answer.json()["items"])

    assert names(step_kind="export_docs") == ["report"]
    assert len(names(step_kind="analyze")) == 5
    assert names(status="paused") == ["report"]
    assert len(names(status="pending,paused")) == 6
    assert names(q="n3") == ["n3"]
    assert len(names(profile="shop")) == 6
    assert names(profile="elsewhere") == []
    page = client.get("/api/scheduler/scenarios", params={"offset": 2, "limit": 3}).json()
    assert page["total"] == 6 and len(page["items"]) == 3 and page["offset"] == 2

    bad = client.get("/api/scheduler/scenarios", params={"step_kind": "dance"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["field"] == "step_kind"
    assert "step kind 'dance' is unknown" in bad.json()["detail"]


def test_a_list_may_count_at_least_rather_than_exactly(core: Core, client: httpx.Client) -> None:
    fill_schedules(core, 1300)

    def listed(**params: Any) -> dict[str, Any]:
        answer = client.get("/api/scheduler/scenarios", params={"q": "public.", **params})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    exact = listed()
    assert exact["total"] > TOTAL_CAP and exact["total_exact"] is True
    capped = listed(count="at_least")
    assert (capped["total"], capped["total_exact"]) == (TOTAL_CAP, False)
    assert [i["id"] for i in capped["items"]] == [i["id"] for i in exact["items"]]
    rare = listed(q="#12", count="at_least")
    assert rare["total_exact"] is True and rare["total"] == listed(q="#12")["total"]
    bad = client.get("/api/scheduler/scenarios", params={"count": "roughly"})
    assert bad.status_code == 422 and bad.json()["field"] == "count"


def test_a_bad_step_is_one_sentence_naming_the_field_and_nothing_is_created(
    client: httpx.Client,
) -> None:
    body = nightly(steps=[{"kind": "export_docs", "profile": "shop", "format": "xml"}])
    refused = client.post("/api/scheduler/scenarios", json=body)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"]
    assert problem["field"].startswith("steps[1]")
    assert "format 'xml' is not accepted" in problem["detail"]
    assert "Traceback" not in refused.text
    assert client.get("/api/scheduler/scenarios").json()["total"] == 0

    unknown = client.post("/api/scheduler/scenarios", json=nightly(trigger={"cron": "nope"}))
    assert unknown.status_code == 422 and unknown.json()["field"].startswith("trigger")
    extra = client.post("/api/scheduler/scenarios", json={**nightly(), "colour": "red"})
    assert extra.status_code == 422 and extra.json()["field"] == "colour"
    twice = client.post("/api/scheduler/scenarios", json=nightly())
    assert twice.status_code == 201
    clash = client.post("/api/scheduler/scenarios", json=nightly())
    assert clash.status_code == 409 and clash.json()["field"] == "name"


def test_a_body_that_is_not_json_says_so_and_where(client: httpx.Client) -> None:
    refused = client.post(
        "/api/scheduler/scenarios",
        content=b"{bad",
        headers={"content-type": "application/json"},
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "body"
    assert refused.json()["detail"] == (
        "the body is not valid JSON (expecting property name enclosed in double quotes at "
        "character 1); send a JSON object."
    )
    assert client.get("/api/scheduler/scenarios").json()["total"] == 0


KEYS = "name, trigger, steps, on_failure, on_missed, missed_policy, retries, misfire_grace, paused"


@pytest.mark.parametrize(
    ("method", "url", "body", "field", "said"),
    [
        ("POST", "", {"name": "a", "trigers": {"cron": "0 2 * * *"}, "steps": []}, "trigers",
         f"'trigers' is not a key of the body; use {KEYS}."),
        ("POST", "", nightly(trigger={"every": "5m"}), "trigger.every",
         "'every' is not a key of trigger; use cron, once, interval, after, timezone."),
        ("POST", "", nightly(trigger="daily"), "trigger",
         "trigger must be a JSON object; got 'daily'."),
        ("POST", "", nightly(retries="many"), "retries",
         "retries must be a whole number; got 'many'."),
        ("POST", "", [1, 2], "body", "body must be a JSON object; got [1, 2]."),
        ("GET", "?limit=100000", None, "limit", "limit must be at most 500; got '100000'."),
        ("GET", "/abc", None, "scenario_id", "scenario_id must be a whole number; got 'abc'."),
    ],
)  # fmt: skip
def test_a_refused_request_names_the_field_and_what_it_takes(
    client: httpx.Client, method: str, url: str, body: Any, field: str, said: str
) -> None:
    refused = client.request(method, f"/api/scheduler/scenarios{url}", json=body)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert (refused.json()["field"], refused.json()["detail"]) == (field, said)
    assert client.get("/api/scheduler/scenarios").json()["total"] == 0


def test_patch_needs_the_current_version(client: httpx.Client) -> None:
    made = client.post("/api/scheduler/scenarios", json=nightly()).json()
    url = f"/api/scheduler/scenarios/{made['id']}"
    change = {"trigger": {"cron": "30 3 * * *"}}
    assert client.patch(url, json=change).status_code == 428
    assert client.patch(url, json=change, headers={"If-Match": "yesterday"}).status_code == 400

    done = client.patch(url, json=change, headers={"If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert done.json()["trigger"] == {"cron": "30 3 * * *", "timezone": "UTC"}
    assert done.json()["version"] == 2 and done.headers["etag"] == '"2"'
    assert [s["kind"] for s in done.json()["steps"]] == ["cache_refresh", "analyze"]

    stale = client.patch(url, json={"retries": 1}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert "changed since you opened it" in stale.json()["detail"]

    recipients = [{"kind": "notify", "urls": ["json://localhost/hook"]}]
    steps = client.patch(url, json={"on_failure": recipients}, headers={"If-Match": "2"})
    assert steps.status_code == 200, steps.text
    assert steps.json()["on_failure"] == recipients
    assert client.get(url).json()["scenario"]["version"] == 3


def test_run_pause_resume_delete_and_the_history_stays(client: httpx.Client, core: Core) -> None:
    made = client.post("/api/scheduler/scenarios", json=nightly()).json()
    url = f"/api/scheduler/scenarios/{made['id']}"
    ran = client.post(f"{url}/run")
    assert ran.status_code == 202, ran.text
    run = ran.json()["run"]
    assert run["status"] == "queued" and run["trigger"] == "manual"

    assert client.post(f"{url}/pause").json()["status"] == "paused"
    again = client.post(f"{url}/pause")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert client.post(f"{url}/resume").json()["status"] == "pending"

    runs = client.get(f"{url}/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["run"]["id"] == run["id"]
    assert runs["items"][0]["steps"] == []
    assert client.get(url).json()["runs"][0]["id"] == run["id"]

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/run").status_code == 404
    kept = client.get(f"{url}/runs")
    assert kept.status_code == 200 and kept.json()["items"][0]["schedule"]["deleted_at"]
    assert client.get("/api/scheduler/scenarios/999999/runs").status_code == 404


def test_runs_carry_their_step_runs(client: httpx.Client, core: Core) -> None:
    made = client.post("/api/scheduler/scenarios", json=nightly()).json()
    run = core.runs.start_here(made["id"])
    from core.schedules.scenario import parse_steps

    step = parse_steps("steps", [{"kind": "cache_refresh", "profile": "shop"}])[0]
    core.runs.steps.start(run.id, "steps", 0, step, None)
    page = client.get(f"/api/scheduler/scenarios/{made['id']}/runs").json()
    assert [s["kind"] for s in page["items"][0]["steps"]] == ["cache_refresh"]


def test_health_answers_from_the_heartbeats(
    client: httpx.Client, core: Core, clock: FrozenClock
) -> None:
    bare = httpx.get(f"{str(client.base_url).rstrip('/')}/api/pipeline/scheduler/health")
    assert bare.status_code == 503 and bare.json()["alive"] is False
    heartbeat.register(core.db, "w1", core.clock.now())
    alive = httpx.get(f"{str(client.base_url).rstrip('/')}/api/pipeline/scheduler/health")
    assert alive.status_code == 200, alive.text
    assert alive.json()["alive"] is True and alive.json()["workers"][0]["id"] == "w1"
    assert alive.json()["last_seen"]
    clock.advance(timedelta(seconds=91))
    dead = httpx.get(f"{str(client.base_url).rstrip('/')}/api/pipeline/scheduler/health")
    assert dead.status_code == 503 and dead.json()["alive"] is False


def test_unknown_paths_and_openapi(client: httpx.Client) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert missing.json()["detail"] == (
        "no endpoint answers GET /api/nothing; the endpoints are listed at /docs."
    )
    wrong = client.put("/api/scheduler/scenarios")
    assert wrong.status_code == 405
    assert wrong.json()["detail"] == (
        "PUT /api/scheduler/scenarios is not allowed; the methods each path takes are listed "
        "at /docs."
    )
    schema = client.get("/openapi.json").json()
    assert "/api/scheduler/scenarios/{scenario_id}/runs" in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_an_unexpected_error_is_a_problem_without_a_traceback(
    sqlite_url: str, clock: FrozenClock
) -> None:
    core = Core.open(sqlite_url, clock)
    try:
        secret = core.tokens.create("t").secret
        with served(core) as url:
            with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
                conn.execute("DROP TABLE step_runs")
            answer = httpx.get(
                f"{url}/api/scheduler/scenarios/1/runs",
                headers={"Authorization": f"Bearer {secret}"},
            )
    finally:
        core.close()
    assert answer.status_code >= 400
    assert answer.headers["content-type"] == PROBLEM
    assert "Traceback" not in answer.text and 'File "' not in answer.text


def test_amx_serve_listens_on_loopback_by_default(sqlite_url: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio_tui.cli",
            "--database-url",
            sqlite_url,
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/pipeline/scheduler/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 503
        assert httpx.get(f"http://127.0.0.1:{port}/api/scheduler/scenarios").status_code == 401
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert "serving the AMX API on http://127.0.0.1:" in out
    assert "warning" not in err


def test_amx_serve_says_when_it_listens_beyond_this_machine_or_cannot_listen(
    sqlite_url: str,
) -> None:
    import socket

    from daemon.api.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [
                sys.executable,
                "-m",
                "studio_tui.cli",
                "--database-url",
                sqlite_url,
                "serve",
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert busy.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in busy.stderr
    assert "Traceback" not in busy.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    wide = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "studio_tui.cli",
            "--database-url",
            sqlite_url,
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{free}/api/pipeline/scheduler/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
    finally:
        wide.terminate()
        _, err = wide.communicate(timeout=20)
    assert "reachable from other machines" in err
