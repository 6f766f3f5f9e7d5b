"""The analysis from the command line: demo, catalog, run here, review, export, undo."""

from __future__ import annotations

import json
from pathlib import Path

from core.clock import FrozenClock
from core.text import counted
from tests.support.cli import Amx


def demo(db_url: str, clock: FrozenClock) -> Amx:
    amx = Amx(db_url, clock)
    assert amx("demo") == 0, amx.err
    assert "DB profile 'demo' with 11 tables and 83 columns" in amx.out
    return amx


def test_demo_is_idempotent_and_catalog_shows_a_tree(db_url: str, clock: FrozenClock) -> None:
    amx = demo(db_url, clock)
    assert amx("demo") == 0 and "0 schedules added" in amx.out
    assert amx("catalog", "show", "demo") == 0
    lines = amx.out.splitlines()
    assert lines[1] == "└─ shop  database"
    assert "   ├─ crm  schema" in lines and "   │  └─ events  table" in lines
    tree = amx.json("catalog", "show", "demo", "shop.sales", "--depth", "2")
    orders = next(n for n in tree["children"] if n["name"] == "orders")
    assert orders["kind"] == "table"
    customer = next(c for c in orders["children"] if c["name"] == "customer_id")
    assert customer["kind"] == "column" and "children" not in customer
    assert amx("catalog", "show", "demo", "--depth", "-1") == 2
    assert "argument --depth: number '-1' must be 0 or more" in amx.err
    assert amx("catalog", "refresh", "demo") == 0 and "11 tables and views" not in amx.err
    assert amx("profile", "db", "test", "demo") == 0
    assert "'shop' has 3 schemas: crm, main, sales" in amx.out
    assert amx("profile", "llm", "test", "heuristic") == 0 and "works offline" in amx.out


def test_manual_run_review_accept_export(db_url: str, clock: FrozenClock, tmp_path: Path) -> None:
    amx = demo(db_url, clock)
    assert amx("schedule", "add", "--name", "users-check", "--cron", "0 3 * * *", "--db-profile", "demo",
               "--scope", "main.users", "--review", "manual") == 0, amx.err  # fmt: skip
    sid = amx.json("schedule", "list", "--filter", "users-check")["items"][0]["id"]
    assert amx("schedule", "run-now", str(sid), "--here") == 0, amx.err
    assert "succeeded: 1 table, 10 columns" in amx.out and "(0 applied)" in amx.out
    run_id = int(amx.out.split()[1])
    queue = amx.json("review", "list", "--run", str(run_id))
    assert queue["total"] > 10
    assert len(amx.json("review", "list", "--limit", "2")["items"]) == 2
    total = queue["total"]
    assert amx("review", "list", "--run", str(run_id), "--offset", "2", "--limit", "3") == 0
    assert amx.out.endswith(f"\n3-5 of {total}; page on with --offset 5\n"), amx.out
    second = amx.json("review", "list", "--run", str(run_id), "--offset", "2", "--limit", "3")
    assert [p["id"] for p in second["items"]] == [p["id"] for p in queue["items"][2:5]]
    assert amx("review", "list", "--run", str(run_id), "--offset", str(total)) == 0
    assert amx.out == f"no proposals waiting for review from {total + 1:,} on ({total:,} in all)\n"
    for bad in ("0", "-1"):
        assert amx("review", "list", "--limit", bad) == 1
        assert "limit must be at least 1 and offset at least 0." in amx.err
    email_tags = next(
        p for p in queue["items"] if p["path"] == "shop.main.users.email" and p["field"] == "tags"
    )
    assert amx("review", "show", str(email_tags["id"])) == 0 and "pii:email" in amx.out
    # All or none: one id that cannot be decided leaves the others pending.
    first, second = (str(p["id"]) for p in queue["items"][:2])
    for verb in ("accept", "reject"):
        assert amx("review", verb, first, "999999") == 1 and "999999" in amx.err
        assert amx.json("review", "show", first)["status"] == "pending"
    assert amx("review", "reject", second) == 0
    assert amx("review", "accept", first, second) == 1 and "rejected already" in amx.err
    assert amx.json("review", "show", first)["status"] == "pending"
    assert amx("review", "accept", "--run", str(run_id)) == 0
    assert amx("review", "accept", str(email_tags["id"])) == 1 and "accepted already" in amx.err
    out = tmp_path / "schema.yml"
    assert amx("annotations", "export", "demo", "--format", "dbt", "-o", str(out)) == 0
    text = out.read_text()
    assert '  - name: "users"' in text and 'amx_tags: ["pii:email"]' in text


def test_auto_run_and_undo(db_url: str, clock: FrozenClock) -> None:
    amx = demo(db_url, clock)
    assert amx("schedule", "add", "--name", "orders-auto", "--every", "1h", "--db-profile", "demo",
               "--scope", "sales.orders", "--review", "auto") == 0, amx.err  # fmt: skip
    sid = amx.json("schedule", "list", "--filter", "orders-auto")["items"][0]["id"]
    assert amx("schedule", "run-now", str(sid), "--here", "--json") == 0
    finished = json.loads(amx.out)
    assert finished["summary"]["applied"] == finished["summary"]["proposals"] > 0
    before = json.loads(_export(amx))
    assert before["tables"][0]["path"] == "shop.sales.orders"
    assert amx("review", "undo-run", str(finished["id"])) == 0
    assert f"restored {counted(finished['summary']['applied'], 'value')} changed" in amx.out
    assert amx("annotations", "export", "demo") == 1 and "no annotations yet" in amx.err


def _export(amx: Amx) -> str:
    assert amx("annotations", "export", "demo", "--format", "json") == 0
    return amx.out
