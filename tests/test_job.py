"""The analysis job end to end on a real SQLite shop: Manual and Auto review, undo, export."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from core.analysis.export import export
from core.analysis.job import Progress
from core.api import Core
from core.errors import Conflict
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from core.storage.tables import AnnotationChange


def make(core: Core, name: str, review: str, scope: list[str] | None = None) -> int:
    spec = build_spec(
        name=name,
        trigger=cron("0 2 * * *"),
        timezone="Asia/Jakarta",
        db_profile="shop",
        scope=scope or ["public"],
        review_strategy=review,
    )
    return core.schedules.create(spec).id


def run(core: Core, schedule_id: int, **kw: Any) -> Any:
    started = core.runs.start_here(schedule_id)
    return core.job.execute(schedule_id, started.id, **kw)


def test_manual_run_queues_proposals_and_applies_nothing(core: Core) -> None:
    sid = make(core, "manual", "manual")
    seen: list[Progress] = []
    done = run(core, sid, progress=seen.append)
    assert done.status == "succeeded", done.error
    s = done.summary
    assert s["tables"] == 2 and s["columns"] == 10 and s["applied"] == 0
    # A description and tags for every table and column, less the empty tag list of `orders`.
    assert s["proposals"] == 2 * 2 + 10 * 2 - 1
    assert [p.done for p in seen] == [0, 1, 2] and seen[-1].total == 2
    page = core.review.queue(run_id=done.id)
    assert page.total == s["proposals"]
    email = next(p for p in page.items if p.path == "main.public.users.email" and p.field == "tags")
    assert "pii:email" in json.loads(email.new_value)
    assert core.review.current("shop") == {}


def test_accept_applies_exactly_once(core: Core) -> None:
    done = run(core, make(core, "manual", "manual"))
    pending = core.review.queue(run_id=done.id).items
    first = pending[0]
    core.review.accept([first.id])
    with pytest.raises(Conflict, match="is accepted already"):
        core.review.accept([first.id])
    with core.db.read() as s:
        assert s.scalar(select(func.count(AnnotationChange.id))) == 1
    accepted = core.review.accept_run(done.id)
    assert len(accepted) == len(pending) - 1
    current = core.review.current("shop")
    assert "pii:email" in current["main.public.users.email"]["tags"]


def test_edit_and_reject(core: Core) -> None:
    done = run(core, make(core, "manual", "manual"))
    items = core.review.queue(run_id=done.id).items
    desc = next(p for p in items if p.field == "description" and p.path.endswith("users.email"))
    core.review.edit(desc.id, "Where we send receipts.")
    core.review.reject([items[0].id] if items[0].id != desc.id else [items[1].id])
    current = core.review.current("shop")["main.public.users.email"]
    assert current["description"] == "Where we send receipts."
    assert current["source:description"] == "human"


def test_auto_applies_but_never_overwrites_a_person(core: Core) -> None:
    core.review.set_value("shop", "main.public.users.email", "description", "Login address.")
    done = run(core, make(core, "auto", "auto"))
    s = done.summary
    assert s["applied"] == s["proposals"] - 1
    waiting = core.review.queue(run_id=done.id).items
    assert [(p.path, p.field) for p in waiting] == [("main.public.users.email", "description")]
    assert waiting[0].old_value == "Login address." and waiting[0].note
    assert core.review.current("shop")["main.public.users.email"]["description"] == "Login address."


def test_undo_run_restores_previous_values(core: Core) -> None:
    core.review.set_value("shop", "main.public.orders", "tags", "audited")
    before = core.review.current("shop")
    done = run(core, make(core, "auto", "auto"))
    assert len(core.review.current("shop")) > len(before)
    # Someone edits one of the run's values afterwards: undo keeps that one.
    core.review.set_value("shop", "main.public.users.phone", "description", "Mobile number.")
    report = core.review.undo_run(done.id)
    assert report.kept == ["main.public.users.phone description"]
    after = core.review.current("shop")
    assert after["main.public.orders"]["tags"] == ["audited"]
    assert after["main.public.users.phone"] == {
        "description": "Mobile number.",
        "source:description": "human",
    }
    assert set(after) == {"main.public.orders", "main.public.users.phone"}


def test_narrowed_scope_only_touches_ticked_columns(core: Core) -> None:
    done = run(core, make(core, "narrow", "manual", ["public", "public.users.email"]))
    paths = {p.path for p in core.review.queue(run_id=done.id).items}
    assert paths == {"main.public.users", "main.public.users.email"}


def test_export_json_and_dbt(core: Core) -> None:
    run(core, make(core, "auto", "auto"))
    data = json.loads(export(core.review, "shop", "json"))
    users = next(t for t in data["tables"] if t["path"] == "main.public.users")
    email = next(c for c in users["columns"] if c["name"] == "email")
    assert "pii:email" in email["tags"] and "email" in email["description"].lower()
    dbt = export(core.review, "shop", "dbt")
    assert dbt.startswith("version: 2\n\nmodels:\n")
    assert '  - name: "users"\n' in dbt and '      - name: "email"\n' in dbt


def test_cancel_between_tables_keeps_finished_work(core: Core) -> None:
    cancel = threading.Event()

    def stop_after_first(p: Progress) -> None:
        if p.done >= 1:
            cancel.set()

    sid = make(core, "cancel", "manual", ["public", "sales"])
    done = run(core, sid, progress=stop_after_first, cancel=cancel)
    assert done.status == "cancelled"
    assert done.summary["cancelled"] is True
    assert 1 <= core.review.queue(run_id=done.id).total < 3 * 10


def test_a_missing_table_is_reported_not_fatal(core: Core, tmp_path: Any) -> None:
    import sqlite3

    sid = make(core, "gone", "manual", ["public.users", "public.orders"])
    with sqlite3.connect(tmp_path / "shop" / "public.db") as conn:
        conn.execute("DROP TABLE orders")
    done = run(core, sid)
    assert done.summary["missing"] == ["public.orders"]
    assert done.summary["tables"] == 1


def test_remote_profile_failure_keeps_other_tables_and_masks_samples(core: Core) -> None:
    from tests.support.fake_llm import FakeLlm, malformed, ok

    with FakeLlm() as llm:
        core.profiles.add_llm("local", "openai-compatible", model="m", base_url=llm.base_url,
                              concurrency=1)  # fmt: skip
        sid = core.schedules.create(
            build_spec(
                name="remote",
                trigger=cron("0 2 * * *"),
                db_profile="shop",
                scope=["public"],
                llm_profile="local",
            )
        ).id
        # Tables go in name order: orders fails (bad output, then a bad repair), users succeeds.
        llm.script(malformed(), malformed(), ok(tokens=50))
        done = run(core, sid)
        bodies = [json.dumps(r.body) for r in llm.requests]
    assert done.status == "failed"
    assert [e["table"] for e in done.summary["errors"]] == ["public.orders"]
    assert done.error is not None and done.error.startswith("public.orders: ")
    assert done.summary["tokens"] >= 50 and done.summary["proposals"] > 0
    assert {p.path for p in core.review.queue(run_id=done.id).items} >= {"main.public.users.email"}
    users_request = bodies[-1]
    assert "ann@example.com" not in users_request and "a***@e***.com" in users_request
