"""snapshot_annotations steps: numbered revisions of each annotated table, skipping recent and
unchanged ones, at most max_tables a step; the history and restore of a table's revisions."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.analysis.revisions import RevisionService
from core.api import Core
from core.clock import FrozenClock
from core.errors import InvalidInput
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from core.storage.tables import AnnotationChange
from daemon.execute import execute
from daemon.tick import tick
from tests.support.cli import Amx

USERS, ORDERS = "main.public.users", "main.public.orders"


def fire_steps(core: Core, clock: FrozenClock, steps: list[dict[str, Any]], **kw: Any) -> Any:
    """Create a schedule of `steps` due in 5 minutes, fire it, and return its run."""
    local = (clock.now() + timedelta(hours=7, minutes=5)).replace(tzinfo=None, second=0)
    spec = build_spec(
        name=f"snap {clock.now().isoformat()}",
        trigger=once(local),
        timezone="Asia/Jakarta",
        steps=steps,
        **kw,
    )
    core.schedules.create(spec)
    clock.advance(timedelta(minutes=6))
    [run] = [execute(core, c) for c in tick(core, "w1", slots=10).claimed]
    return run


def annotate(core: Core) -> None:
    core.review.set_value("shop", USERS, "description", "People who sign in")
    core.review.set_value("shop", USERS, "tags", "people, pii")
    core.review.set_value("shop", USERS + ".email", "description", "Login address")
    core.review.set_value("shop", ORDERS, "description", "What people bought")


def revisions(core: Core) -> RevisionService:
    return RevisionService(core.db, core.clock, core.review)


SNAP = {"kind": "snapshot_annotations", "profile": "shop"}


def test_a_snapshot_stores_each_annotated_table_with_its_columns(
    core: Core, clock: FrozenClock
) -> None:
    annotate(core)
    run = fire_steps(core, clock, [{**SNAP, "change_note": "nightly", "author": "ops"}])
    assert run.status == "succeeded", run.error
    [step] = core.runs.steps.of_run(run.id)
    assert step.summary == {"snapshotted": 2, "skipped_recent": 0, "unchanged": 0, "left_over": 0}
    [rev] = revisions(core).history("shop", "public.users")
    assert (rev.path, rev.revision, rev.run_id, rev.author, rev.change_note) == (
        USERS,
        1,
        run.id,
        "ops",
        "nightly",
    )
    assert rev.snapshot == {
        "table": {"description": "People who sign in", "tags": ["people", "pii"]},
        "columns": {"email": {"description": "Login address"}},
    }
    said = [line.text for line in core.runs.log.lines(run.id, step_run_id=step.id)]
    assert said == ["snapshot of 'shop': 2 tables to store, 0 snapshotted within 12 h, "
                    "0 unchanged since their last revision"]  # fmt: skip


def test_recent_and_unchanged_tables_are_skipped_and_counted(
    core: Core, clock: FrozenClock
) -> None:
    annotate(core)
    fire_steps(core, clock, [SNAP])
    again = fire_steps(core, clock, [SNAP])
    [step] = core.runs.steps.of_run(again.id)
    assert step.summary is not None and step.summary["skipped_recent"] == 2
    clock.advance(timedelta(hours=13))
    core.review.set_value("shop", USERS + ".email", "description", "Where mail goes")
    later = fire_steps(core, clock, [SNAP])
    [step] = core.runs.steps.of_run(later.id)
    assert step.summary == {"snapshotted": 1, "skipped_recent": 0, "unchanged": 1, "left_over": 0}
    newest, first = revisions(core).history("shop", "main.public.users")
    assert (newest.revision, first.revision) == (2, 1)
    assert newest.snapshot["columns"]["email"] == {"description": "Where mail goes"}
    assert revisions(core).history("shop", "public.orders")[0].revision == 1


def test_max_tables_takes_the_longest_unsnapshotted_first_and_counts_the_rest(
    core: Core, clock: FrozenClock
) -> None:
    annotate(core)
    core.review.set_value("shop", "main.sales.invoices", "description", "Bills")
    service = revisions(core)
    service.snapshot("shop", scope=["public.orders"])  # orders has a revision, the others none
    clock.advance(timedelta(hours=13))
    core.review.set_value("shop", ORDERS, "description", "Orders placed")
    run = fire_steps(core, clock, [{**SNAP, "max_tables": 2}])
    [step] = core.runs.steps.of_run(run.id)
    assert step.summary == {"snapshotted": 2, "skipped_recent": 0, "unchanged": 0, "left_over": 1}
    assert [r.revision for r in service.history("shop", "public.orders")] == [1]
    assert service.history("shop", "sales.invoices") and service.history("shop", "public.users")


def test_in_a_transactional_group_nothing_is_stored_when_a_sibling_fails(
    core: Core, clock: FrozenClock
) -> None:
    annotate(core)
    bad = {"kind": "run_command", "argv": [sys.executable, "-c", "exit(1)"], "parallel": True}
    run = fire_steps(core, clock, [{**SNAP, "parallel": True}, bad], max_retries=0)
    assert run.status == "failed"
    snap, _ = core.runs.steps.of_run(run.id)
    assert snap.status == "rolled_back"
    assert revisions(core).history("shop", USERS) == []
    ok = {**bad, "argv": [sys.executable, "-c", "pass"]}
    run = fire_steps(core, clock, [{**SNAP, "parallel": True}, ok])
    assert run.status == "succeeded", run.error
    assert len(revisions(core).history("shop", USERS)) == 1


def test_restore_writes_a_revision_back_as_human_edits_and_keeps_the_state_before(
    core: Core, clock: FrozenClock
) -> None:
    annotate(core)
    service = revisions(core)
    service.snapshot("shop")
    core.review.set_value("shop", USERS, "description", "Accounts")
    core.review.set_value("shop", USERS + ".full_name", "description", "Name shown")
    dry = service.restore("shop", "public.users", 1, dry_run=True)
    assert [(c.path, c.field, c.old, c.new) for c in dry.changes] == [
        (USERS, "description", "Accounts", "People who sign in"),
        (USERS + ".full_name", "description", "Name shown", "—"),
    ]
    assert core.review.current("shop")[USERS]["description"] == "Accounts"  # dry: unchanged
    done = service.restore("shop", "public.users", 1)
    assert done.changes == dry.changes and done.saved_as == 2
    now = core.review.current("shop")
    assert now[USERS]["description"] == "People who sign in"
    assert now[USERS]["source:description"] == "human"
    assert USERS + ".full_name" not in now
    with core.db.read() as session:
        last = session.scalars(select(AnnotationChange).order_by(AnnotationChange.id.desc())).all()
    assert (last[0].path, last[0].old_value, last[0].new_value) == (
        USERS + ".full_name",
        "Name shown",
        None,
    )
    assert (last[1].path, last[1].new_value, last[1].new_source) == (
        USERS,
        "People who sign in",
        "human",
    )
    # The state before the restore is a revision of its own: restoring it undoes the restore.
    back = service.restore("shop", "public.users", 2)
    assert back.saved_as == 3
    assert core.review.current("shop")[USERS + ".full_name"]["description"] == "Name shown"
    assert json.loads(json.dumps(service.history("shop", USERS)[0].snapshot))["table"]["tags"] == [
        "people",
        "pii",
    ]


def test_the_cli_lists_a_tables_revisions_and_restores_one(amx: Amx, clock: FrozenClock) -> None:
    core = Core.open(amx.url, clock)
    try:
        annotate(core)
        revisions(core).snapshot("shop", change_note="first words", author="ann")
        clock.advance(timedelta(hours=1))
        core.review.set_value("shop", USERS, "description", "Accounts")
    finally:
        core.close()
    [rev] = amx.json("annotations", "history", "shop", "public.users")
    assert (rev["revision"], rev["author"], rev["change_note"]) == (1, "ann", "first words")
    assert amx("annotations", "history", "shop", "main.public.users") == 0
    assert "revisions of main.public.users in profile shop" in amx.out and "first words" in amx.out
    assert amx("annotations", "restore", "shop", "public.users", "1", "--dry-run") == 0
    assert amx.out.splitlines() == [
        "restoring revision 1 of main.public.users would change:",
        "  main.public.users description: Accounts → People who sign in",
        "dry run: nothing was written",
    ]
    assert amx("annotations", "restore", "shop", "public.users", "1") == 0
    assert "the annotations before are kept as revision 2; restore it to undo" in amx.out
    assert amx("annotations", "restore", "shop", "public.users", "1") == 0
    assert amx.out == "main.public.users already holds revision 1; nothing to change\n"
    assert amx("annotations", "restore", "shop", "public.users", "9") == 1
    assert amx.err == (
        "error: table main.public.users of profile 'shop' has no revision 9; "
        "see `amx annotations history shop main.public.users`.\n"
    )
    assert amx("annotations", "history", "shop", "public.nosuch") == 1
    assert "profile 'shop' has no revisions of table public.nosuch" in amx.err
    assert amx("annotations", "export", "shop", "--format", "dbt", "--dbt-shape", "sources",
               "--scope", "public.orders") == 0  # fmt: skip
    assert 'sources:\n  - name: "public"' in amx.out and "users" not in amx.out


def test_a_table_named_without_its_database_must_be_unambiguous(core: Core) -> None:
    core.review.set_value("shop", USERS, "description", "People")
    core.review.set_value("shop", "archive.public.users", "description", "Old people")
    service = revisions(core)
    service.snapshot("shop")
    assert [r.path for r in service.history("shop", "archive.public.users")] == [
        "archive.public.users"
    ]
    with pytest.raises(InvalidInput, match="is in more than one database of profile 'shop'"):
        service.history("shop", "public.users")
