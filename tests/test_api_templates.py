"""The templates endpoints of the HTTP API, served by a real uvicorn on loopback and driven with
httpx on SQLite and PostgreSQL: templates and their rows of the enable matrix, creating and
replacing templates, and turning cells on and off as `amx template enable/disable` do."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from core.api import Core

PROBLEM = "application/problem+json"
TEMPLATES = "/api/scheduler/templates"
SCENARIOS = "/api/scheduler/scenarios"
BUILT_IN = ["daily-catalog-refresh", "failure-digest", "nightly-pii", "weekly-dbt-docs"]


def nightly_check(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": "nightly-check",
        "name": "Nightly check",
        "description": "Analyse the main schema every night.",
        "parameters": [
            {"name": "hour", "type": "int", "default": 2},
            {"name": "to", "type": "email"},
        ],
        "trigger": {"cron": "0 {{ param.hour }} * * *", "timezone": "UTC"},
        "steps": [{"kind": "analyze", "profile": "{{ profile.name }}", "scope": ["main"]}],
        "on_failure": [{"kind": "notify", "urls": ["mailto://{{ param.to }}"]}],
    }
    body.update(extra)
    return body


def _made(client: httpx.Client) -> dict[str, Any]:
    made = client.post(TEMPLATES, json=nightly_check())
    assert made.status_code == 201, made.text
    return made.json()


def _scenarios(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.get(SCENARIOS, params={"limit": 500})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_the_list_shows_every_template_with_its_matrix_row(client: httpx.Client) -> None:
    listed = client.get(TEMPLATES)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert [t["slug"] for t in page["items"]] == BUILT_IN
    assert page["profiles"] == ["shop"] and page["total"] == 4
    pii = page["items"][BUILT_IN.index("nightly-pii")]
    assert pii["built_in"] is True and pii["default_enabled"] is False
    assert {k: v for k, v in pii["parameters"][1].items() if k != "description"} == {
        "name": "hour",
        "type": "int",
        "default": 2,
        "required": True,
    }
    assert pii["matrix"] == [
        {"profile": "shop", "state": "off", "schedule_id": None, "name": None, "status": None,
         "params": None}
    ]  # fmt: skip


def test_create_then_show_the_template_and_its_document(client: httpx.Client) -> None:
    made = client.post(TEMPLATES, json=nightly_check())
    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"{TEMPLATES}/nightly-check"
    body = made.json()
    assert body["slug"] == "nightly-check" and body["name"] == "Nightly check"
    assert body["built_in"] is False and body["version"] == 1 and body["instances"] == 0
    assert [(p["name"], p["type"], p["default"], p["required"]) for p in body["parameters"]] == [
        ("hour", "int", 2, True),
        ("to", "email", None, True),
    ]
    assert [c["state"] for c in body["matrix"]] == ["off"]

    shown = client.get(f"{TEMPLATES}/nightly-check")
    assert shown.status_code == 200, shown.text
    document = shown.json()["document"]
    assert document == {
        "slug": "nightly-check",
        "name": "Nightly check",
        "description": "Analyse the main schema every night.",
        "parameters": [{"name": "hour", "type": "int", "default": 2},
                       {"name": "to", "type": "email"}],
        "trigger": {"cron": "0 {{ param.hour }} * * *", "timezone": "UTC"},
        "steps": [{"kind": "analyze", "profile": "{{ profile.name }}", "scope": ["main"]}],
        "on_failure": [{"kind": "notify", "urls": ["mailto://{{ param.to }}"]}],
    }  # fmt: skip
    assert shown.json()["matrix"][0]["profile"] == "shop"
    assert "nightly-check" in [t["slug"] for t in client.get(TEMPLATES).json()["items"]]


@pytest.mark.parametrize(
    ("body", "status", "field", "said"),
    [
        (nightly_check(slug="Nightly Check"), 422, "slug", "slug 'Nightly Check' is not usable"),
        (
            nightly_check(parameters=[{"name": "hour", "type": "float"}]),
            422,
            "parameters[1].type",
            "parameters[1] (hour): type 'float' is not accepted",
        ),
        (
            nightly_check(parameters=[{"name": "hour", "type": "int", "default": "two"}]),
            422,
            "parameters[1].default",
            "parameter 'hour' is an int; 'two' is not a number.",
        ),
        (
            {**nightly_check(), "colour": "red"},
            422,
            "colour",
            "'colour' is not a key of the body; use slug, ",
        ),
        (nightly_check(name="Night\x00ly"), 422, "name", "name holds a NUL character"),
        (
            nightly_check(steps=[{"kind": "analyze", "scope": ["main", "x\x00"]}]),
            422,
            "steps[1].scope[2]",
            "steps[1].scope[2] holds a NUL character; remove it.",
        ),
        (nightly_check(name="a\u202eb"), 422, "name", "name holds the bidirectional control"),
        ({"slug": "no-steps", "trigger": {"cron": "0 2 * * *"}}, 422, "steps", "steps is required"),
    ],
)
def test_a_refused_template_is_one_sentence_naming_the_field(
    client: httpx.Client, body: dict[str, Any], status: int, field: str, said: str
) -> None:
    refused = client.post(TEMPLATES, json=body)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["field"] == field and said in problem["detail"]
    assert "Traceback" not in refused.text
    assert [t["slug"] for t in client.get(TEMPLATES).json()["items"]] == BUILT_IN


def test_a_taken_slug_is_a_conflict(client: httpx.Client) -> None:
    _made(client)
    clash = client.post(TEMPLATES, json=nightly_check(name="Another"))
    assert clash.status_code == 409 and clash.headers["content-type"] == PROBLEM
    assert clash.json()["field"] == "slug"
    assert "a template 'nightly-check' exists already" in clash.json()["detail"]
    assert client.get(f"{TEMPLATES}/nightly-check").json()["name"] == "Nightly check"
    built_in = client.post(TEMPLATES, json=nightly_check(slug="nightly-pii"))
    assert built_in.status_code == 409


def test_enable_needs_the_parameters_without_default(client: httpx.Client) -> None:
    _made(client)
    for body in (None, {}, {"params": {}}):
        refused = client.post(f"{TEMPLATES}/nightly-check/enable/shop", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["field"] == "params.to"
        assert refused.json()["detail"] == (
            "template 'nightly-check' needs parameter 'to' (email), which has no default; "
            "give it a value."
        )
    wrong = client.post(
        f"{TEMPLATES}/nightly-check/enable/shop",
        json={"params": {"to": "dba@example.com", "hour": "late"}},
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "params.hour"
    assert "parameter 'hour' is an int; 'late' is not a number." in wrong.json()["detail"]
    unknown = client.post(
        f"{TEMPLATES}/nightly-check/enable/shop", json={"params": {"to": "a@b.eu", "day": 1}}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "params.day"
    assert "has no parameter 'day'; its parameters: hour, to." in unknown.json()["detail"]
    nul = client.post(
        f"{TEMPLATES}/nightly-check/enable/shop", json={"params": {"to": "a@b.eu\x00"}}
    )
    assert nul.status_code == 422 and nul.json()["field"] == "params.to"
    assert "parameter 'to' holds a NUL character" in nul.json()["detail"]
    assert _scenarios(client) == []


def test_enable_disable_and_enable_again_keep_one_instance(client: httpx.Client) -> None:
    _made(client)
    url = f"{TEMPLATES}/nightly-check"
    on = client.post(f"{url}/enable/shop", json={"params": {"to": "dba@example.com", "hour": 3}})
    assert on.status_code == 200, on.text
    cell = on.json()
    sid = cell["schedule_id"]
    assert cell["template"] == "nightly-check" and cell["profile"] == "shop"
    assert cell["state"] == "enabled" and cell["status"] == "pending"
    assert cell["name"] == "nightly-check · shop"
    assert cell["params"] == {"hour": 3, "to": "dba@example.com"}
    assert cell["scenario"]["id"] == sid
    assert cell["scenario"]["trigger"] == {"cron": "0 3 * * *", "timezone": "UTC"}
    assert cell["scenario"]["on_failure"][0]["urls"] == ["mailto://dba@example.com"]

    again = client.post(f"{url}/enable/shop")
    assert again.status_code == 200, again.text
    assert again.json()["schedule_id"] == sid and again.json()["state"] == "enabled"
    assert again.json()["params"] == {"hour": 3, "to": "dba@example.com"}
    listed = _scenarios(client)
    assert [(s["id"], s["name"], s["status"]) for s in listed] == [
        (sid, "nightly-check · shop", "pending")
    ]
    row = client.get(url).json()
    assert row["instances"] == 1
    assert (row["matrix"][0]["state"], row["matrix"][0]["schedule_id"]) == ("enabled", sid)

    off = client.post(f"{url}/disable/shop")
    assert off.status_code == 200, off.text
    assert (off.json()["state"], off.json()["schedule_id"]) == ("paused", sid)
    assert off.json()["status"] == "paused" and off.json()["scenario"]["status"] == "paused"
    still = client.post(f"{url}/disable/shop")
    assert still.status_code == 200 and still.json()["schedule_id"] == sid
    assert [(s["id"], s["status"]) for s in _scenarios(client)] == [(sid, "paused")]
    items = {t["slug"]: t for t in client.get(TEMPLATES).json()["items"]}
    assert items["nightly-check"]["matrix"][0]["state"] == "paused"

    resumed = client.post(f"{url}/enable/shop")
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["schedule_id"], resumed.json()["state"]) == (sid, "enabled")
    assert resumed.json()["status"] == "pending"
    assert resumed.json()["params"] == {"hour": 3, "to": "dba@example.com"}
    changed = client.post(f"{url}/enable/shop", json={"params": {"hour": 5}})
    assert changed.json()["schedule_id"] == sid
    assert changed.json()["scenario"]["trigger"]["cron"] == "0 5 * * *"
    assert len(_scenarios(client)) == 1


def test_disabling_a_cell_never_turned_on_answers_it_as_off(client: httpx.Client) -> None:
    answer = client.post(f"{TEMPLATES}/nightly-pii/disable/shop")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "off"
    assert answer.json()["schedule_id"] is None and answer.json()["scenario"] is None
    assert _scenarios(client) == []


def test_a_missing_template_or_profile_is_named(client: httpx.Client) -> None:
    for method, path in [
        ("GET", f"{TEMPLATES}/nightly-nothing"),
        ("POST", f"{TEMPLATES}/nightly-nothing/enable/shop"),
        ("POST", f"{TEMPLATES}/nightly-nothing/disable/shop"),
        ("DELETE", f"{TEMPLATES}/nightly-nothing"),
        ("GET", f"{TEMPLATES}/Not%20a%20slug%00"),
    ]:
        answer = client.request(method, path)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["field"] == "template"
        assert "no template" in answer.json()["detail"] and "nightly-pii" in answer.json()["detail"]
    for verb in ("enable", "disable"):
        answer = client.post(f"{TEMPLATES}/nightly-pii/{verb}/warehouse")
        assert answer.status_code == 404 and answer.json()["field"] == "db_profile"
        assert "no DB profile named 'warehouse'" in answer.json()["detail"]
    nul = client.post(f"{TEMPLATES}/nightly-pii/enable/sh%00op")
    assert nul.status_code == 404 and nul.json()["field"] == "db_profile"
    for name in ("warehouse", "sh\x00op"):
        filtered = client.get(TEMPLATES, params={"profile": name})
        assert filtered.status_code == 404 and filtered.json()["field"] == "db_profile"


def test_the_list_for_one_profile(client: httpx.Client, core: Core, tmp_path: Any) -> None:
    from tests.support.shop import make_shop

    core.profiles.add_db("annex", make_shop(tmp_path / "annex"))
    both = client.get(TEMPLATES).json()
    assert both["profiles"] == ["annex", "shop"]
    assert [c["profile"] for c in both["items"][0]["matrix"]] == ["annex", "shop"]
    one = client.get(TEMPLATES, params={"profile": "shop"}).json()
    assert one["profiles"] == ["shop"] and one["total"] == 4
    assert all([c["profile"] for c in t["matrix"]] == ["shop"] for t in one["items"])


def test_put_replaces_a_template_and_renders_its_instances_again(client: httpx.Client) -> None:
    _made(client)
    url = f"{TEMPLATES}/nightly-check"
    sid = client.post(f"{url}/enable/shop", json={"params": {"to": "dba@example.com"}}).json()[
        "schedule_id"
    ]
    later = nightly_check(trigger={"cron": "30 {{ param.hour }} * * *", "timezone": "UTC"})
    del later["slug"]
    dry = client.put(url, params={"dry_run": "true"}, json=later)
    assert dry.status_code == 200, dry.text
    assert dry.json()["action"] == "updated" and dry.json()["dry_run"] is True
    assert dry.json()["instances"] == [
        {"name": "nightly-check · shop", "schedule_id": sid, "changed": ["trigger"]}
    ]
    assert client.get(f"{SCENARIOS}/{sid}").json()["scenario"]["trigger"]["cron"] == "0 2 * * *"

    done = client.put(url, json=later)
    assert done.status_code == 200, done.text
    assert done.json()["action"] == "updated" and done.json()["changed"] == ["trigger"]
    assert done.json()["template"]["version"] == 2
    assert client.get(f"{SCENARIOS}/{sid}").json()["scenario"]["trigger"]["cron"] == "30 2 * * *"
    same = client.put(url, json=later)
    assert same.status_code == 200 and same.json()["action"] == "unchanged"

    other = client.put(url, json=nightly_check(slug="elsewhere"))
    assert other.status_code == 422 and other.json()["field"] == "slug"
    fresh = client.put(f"{TEMPLATES}/fresh-one", json=later)
    assert fresh.status_code == 201, fresh.text
    assert fresh.headers["location"] == f"{TEMPLATES}/fresh-one"
    assert fresh.json()["action"] == "created" and fresh.json()["template"]["slug"] == "fresh-one"


def test_delete_removes_the_template_and_its_instances(client: httpx.Client) -> None:
    _made(client)
    url = f"{TEMPLATES}/nightly-check"
    sid = client.post(f"{url}/enable/shop", json={"params": {"to": "dba@example.com"}}).json()[
        "schedule_id"
    ]
    gone = client.delete(url)
    assert gone.status_code == 204, gone.text
    assert client.get(url).status_code == 404
    assert _scenarios(client) == []
    assert client.get(f"{SCENARIOS}/{sid}/runs").status_code == 200  # its history stays
    again = client.post(TEMPLATES, json=nightly_check())
    assert again.status_code == 201 and again.json()["matrix"][0]["state"] == "off"


def test_two_clients_enabling_one_cell_get_one_instance(client: httpx.Client) -> None:
    url = f"{TEMPLATES}/daily-catalog-refresh/enable/shop"
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: client.post(url), range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert len({a.json()["schedule_id"] for a in answers}) == 1
    assert [s["name"] for s in _scenarios(client)] == ["daily-catalog-refresh · shop"]
