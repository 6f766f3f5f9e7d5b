"""write_comments steps: accepted descriptions become COMMENT ON TABLE / COLUMN in a real
PostgreSQL, read back from pg_description; SQLite profiles are refused by name."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta
from typing import Any

import pytest

from core.api import Core
from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from daemon.execute import execute
from daemon.tick import tick
from tests.support.pg import Cluster

pytestmark = pytest.mark.postgres
_names = itertools.count()

DDL = """
CREATE SCHEMA "Sales Data";
CREATE TABLE public.users (id serial PRIMARY KEY, email text, "Full Name" text);
COMMENT ON COLUMN public.users.email IS 'Old words';
CREATE TABLE "Sales Data"."Order.Items" (id serial PRIMARY KEY, "qty; DROP" integer);
CREATE VIEW public.big_users AS SELECT id, email FROM public.users;
CREATE MATERIALIZED VIEW public.user_count AS SELECT count(*) AS n FROM public.users;
"""


def fire_steps(core: Core, clock: FrozenClock, steps: list[dict[str, Any]], **kw: Any) -> Any:
    """Create a schedule of `steps` due in 5 minutes, fire it, and return its run."""
    local = (clock.now() + timedelta(hours=7, minutes=5)).replace(tzinfo=None, second=0)
    spec = build_spec(name=f"comments {clock.now().isoformat()}", trigger=once(local),
                      timezone="Asia/Jakarta", steps=steps, **kw)  # fmt: skip
    core.schedules.create(spec)
    clock.advance(timedelta(minutes=6))
    [run] = [execute(core, c) for c in tick(core, "w1", slots=10).claimed]
    return run


@pytest.fixture
def target(core: Core, pg_cluster: Cluster) -> str:
    """A PostgreSQL database with a few tables, added as DB profile `wh`; its name."""
    name = f"wh{os.getpid()}_{next(_names)}"
    url = pg_cluster.create_database(name)
    with pg_cluster.connect(name) as conn:
        conn.execute(DDL)  # type: ignore[call-overload]
    core.profiles.add_db("wh", url)
    return name


def comments(cluster: Cluster, database: str) -> dict[str, str | None]:
    """The comments of the target's tables and columns, read from pg_description."""
    sql = """
        SELECT c.oid::regclass::text, NULL, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'Sales Data') AND c.relkind IN ('r', 'v', 'm')
        UNION ALL
        SELECT a.attrelid::regclass::text, a.attname, col_description(a.attrelid, a.attnum)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'Sales Data') AND c.relkind IN ('r', 'v', 'm')
          AND a.attnum > 0 AND NOT a.attisdropped
    """
    with cluster.connect(database) as conn:
        rows = conn.execute(sql).fetchall()  # type: ignore[call-overload]
    return {f"{t}.{c}" if c else t: text for t, c, text in rows}


def test_descriptions_become_table_and_column_comments(
    core: Core, clock: FrozenClock, pg_cluster: Cluster, target: str
) -> None:
    tricky = "Bob's \\ 100% :name $1 -- not code"
    core.review.set_value("wh", f"{target}.public.users", "description", "People who sign in")
    core.review.set_value("wh", f"{target}.public.users.email", "description", tricky)
    core.review.set_value("wh", f'{target}.public.users."Full Name"', "description", "Shown name")
    core.review.set_value("wh", f"{target}.public.users.email", "tags", "pii")  # not a comment
    core.review.set_value("wh", f'{target}."Sales Data"."Order.Items"', "description", "Lines")
    core.review.set_value("wh", f'{target}."Sales Data"."Order.Items"."qty; DROP"',
                          "description", "How many")  # fmt: skip
    core.review.set_value("wh", f"{target}.public.big_users", "description", "Large accounts")
    core.review.set_value("wh", f"{target}.public.user_count", "description", "How many")
    core.review.set_value("wh", f"{target}.public.user_count.n", "description", "The count")
    core.review.set_value("wh", f"{target}.public.gone", "description", "Dropped last week")
    run = fire_steps(core, clock, [{"kind": "write_comments", "profile": "wh"}])
    assert run.status == "succeeded", run.error
    found = comments(pg_cluster, target)
    assert found["users"] == "People who sign in"
    assert found["users.email"] == tricky
    assert found["users.Full Name"] == "Shown name"
    assert found['"Sales Data"."Order.Items"'] == "Lines"
    assert found['"Sales Data"."Order.Items".qty; DROP'] == "How many"
    assert found["big_users"] == "Large accounts"
    assert (found["user_count"], found["user_count.n"]) == ("How many", "The count")
    assert found["users.id"] is None
    [step] = core.runs.steps.of_run(run.id)
    assert step.summary == {"tables": 4, "columns": 4, "unchanged": 0, "missing": 1}
    said = [line.text for line in core.runs.log.lines(run.id, step_run_id=step.id)]
    assert (
        f"{target}.public.gone is not in the database any more; its comments were not written"
        in said
    )
    # A second run finds every comment in place and writes none.
    again = fire_steps(core, clock, [{"kind": "write_comments", "profile": "wh",
                                      "scope": ["public.users"]}])  # fmt: skip
    [step] = core.runs.steps.of_run(again.id)
    assert step.summary == {"tables": 0, "columns": 0, "unchanged": 3, "missing": 0}


def test_a_sqlite_profile_is_refused_by_name(core: Core, clock: FrozenClock) -> None:
    core.review.set_value("shop", "main.public.users", "description", "People")
    run = fire_steps(core, clock, [{"kind": "write_comments", "profile": "shop"}], max_retries=0)
    assert run.status == "failed"
    assert run.error == (
        "step 1/1 write_comments: DB profile 'shop' is a SQLite database, which keeps no table or column comments; "
        "write_comments needs a PostgreSQL profile."
    )


def test_a_refused_comment_writes_none_of_them(
    core: Core, clock: FrozenClock, pg_cluster: Cluster, target: str
) -> None:
    with pg_cluster.connect(target) as conn:
        conn.execute(f"CREATE ROLE reader_{target} LOGIN")  # type: ignore[call-overload]
        conn.execute(f"GRANT USAGE ON SCHEMA public TO reader_{target}")  # type: ignore[call-overload]
    url = pg_cluster.url(target).replace("amx@", f"reader_{target}@")
    core.profiles.add_db("wh_reader", url)
    core.review.set_value("wh_reader", f"{target}.public.users", "description", "People")
    run = fire_steps(core, clock, [{"kind": "write_comments", "profile": "wh_reader"}],
                     max_retries=0)  # fmt: skip
    assert run.status == "failed"
    assert f"database '{target}' of DB profile 'wh_reader' refused the comments" in run.error
    assert "must be owner" in run.error
    assert comments(pg_cluster, target)["users"] is None
