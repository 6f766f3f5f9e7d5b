"""Catalog introspection: lazy levels, the cache and its age, unreachable databases, scopes."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.api import Core
from core.catalog.scope import from_texts
from core.catalog.targets import Unreachable
from core.clock import FrozenClock
from core.errors import InvalidInput
from tests.support.pg import Cluster
from tests.support.pg_shop import make_pg_shop


def names(listing: object) -> list[str]:
    return [n.name for n in listing.nodes]  # type: ignore[attr-defined]


def test_sqlite_levels_load_one_at_a_time(core: Core) -> None:
    assert names(core.catalog.children("shop")) == ["main"]
    assert names(core.catalog.children("shop", ("main",))) == ["main", "public", "sales"]
    assert names(core.catalog.children("shop", ("main", "public"))) == ["orders", "users"]
    columns = core.catalog.children("shop", ("main", "public", "orders")).nodes
    by_name = {c.name: c for c in columns}
    assert by_name["id"].primary_key and by_name["user_id"].foreign_key == "public.users.id"
    assert by_name["total_amount"].type == "NUMERIC(12, 2)"


def test_cached_listing_is_served_with_its_age_when_unreachable(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    first = core.catalog.children("shop", ("main", "public"))
    assert not first.from_cache
    clock.advance(timedelta(hours=2))
    again = core.catalog.children("shop", ("main", "public"))
    assert again.from_cache and again.fetched_at == first.fetched_at
    shutil.move(tmp_path / "shop" / "public.db", tmp_path / "public.db.away")
    stale = core.catalog.children("shop", ("main", "public"), refresh=True)
    assert stale.from_cache and names(stale) == ["orders", "users"]
    assert stale.error is not None and "public.db" in stale.error
    with pytest.raises(Unreachable):
        core.catalog.children("shop", ("main", "sales", "invoices"), refresh=True)


def test_refresh_rereads_everything(core: Core) -> None:
    counts = core.catalog.refresh("shop")
    assert counts == {"databases": 1, "schemas": 3, "tables": 4, "columns": 15}


def test_scope_paths_are_checked_against_the_catalog(core: Core) -> None:
    core.catalog.check_scope("shop", None, [("public", "users", "email"), ("sales",)])
    with pytest.raises(InvalidInput, match="no table named 'nope' in public"):
        core.catalog.check_scope("shop", None, [("public", "nope")])
    with pytest.raises(InvalidInput, match=r"no column named 'mail' in public\.users"):
        core.catalog.check_scope("shop", None, [("public", "users", "mail")])


def test_resolve_narrows_to_ticked_columns(core: Core) -> None:
    tables, missing = core.catalog.resolve(
        "shop", None, from_texts(["public", "public.users.email", "public.users.phone", "sales"])
    )
    # Ticking columns under the ticked `public` narrows it to those columns.
    assert [(t.path, [c.name for c in t.columns]) for t in tables] == [
        ("public.users", ["email", "phone"]),
        ("sales.invoices", ["id", "order_id", "amount"]),
    ]
    assert missing == []


def test_unreachable_postgres_is_one_sentence(core: Core) -> None:
    core.profiles.add_db("down", "postgresql+psycopg://amx@127.0.0.1:1/nowhere")
    with pytest.raises(Unreachable) as err:
        core.catalog.children("down")
    message = str(err.value)
    assert message.startswith("cannot reach 127.0.0.1:1:") and "\n" not in message


@pytest.mark.postgres
def test_postgres_catalog_with_two_schemas(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path
) -> None:
    target = make_pg_shop(pg_cluster, "pgshop_catalog")
    core = Core.open(f"sqlite:///{tmp_path / 'amx.db'}", clock)
    core.profiles.add_db("pg", target)
    database = make_url(target).database
    assert database in names(core.catalog.children("pg"))
    assert "template0" not in names(core.catalog.children("pg"))
    assert names(core.catalog.children("pg", (database,))) == ["public", "sales"]
    sales = core.catalog.children("pg", (database, "sales")).nodes
    assert [(n.name, n.kind) for n in sales] == [
        ("big_orders", "view"),
        ("order_items", "table"),
        ("orders", "table"),
    ]
    customers = core.catalog.children("pg", (database, "public")).nodes
    assert {n.name: n.comment for n in customers}["customers"] == "People who buy from the shop"
    cols = {c.name: c for c in core.catalog.children("pg", (database, "sales", "orders")).nodes}
    assert cols["customer_id"].foreign_key == "public.customers.id"
    assert cols["id"].primary_key and cols["status"].nullable is False
    tables, _ = core.catalog.resolve("pg", None, from_texts(["sales", "public.customers.email"]))
    assert [t.path for t in tables] == [
        "public.customers",
        "sales.big_orders",
        "sales.order_items",
        "sales.orders",
    ]
    assert tables[0].columns[0].comment == "Login and contact address"
    samples = core.catalog.samples("pg", None, tables[0], 5)
    assert samples["email"] == ("ann@example.com", "bo@example.org")
    core.close()


@pytest.mark.postgres
def test_analysis_of_a_postgres_target(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: Path
) -> None:
    from core.schedules.spec import build_spec
    from core.schedules.triggers import cron

    target = make_pg_shop(pg_cluster, "pgshop_job")
    core = Core.open(pg_cluster.create_database("amx_job"), clock)
    core.profiles.add_db("pg", target)
    spec = build_spec(name="pg", trigger=cron("0 1 * * *"), db_profile="pg",
                      scope=["public.customers", "sales"], review_strategy="auto")  # fmt: skip
    sid = core.schedules.create(spec).id
    done = core.job.execute(sid, core.runs.start_here(sid).id)
    assert done.status == "succeeded", done.error
    assert done.summary is not None and done.summary["tables"] == 4
    current = core.review.current("pg")
    database = make_url(target).database
    assert "pii:email" in current[f"{database}.public.customers.email"]["tags"]
    assert "public.customers" in current[f"{database}.sales.orders.customer_id"]["description"]
    with pytest.raises(InvalidInput, match="no schema named 'nope'"):
        core.schedules.create(build_spec(name="x", trigger=cron("0 1 * * *"), db_profile="pg",
                                         scope=["nope.t"]))  # fmt: skip
    core.close()
