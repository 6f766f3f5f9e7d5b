"""export_docs steps: a scope's annotations written atomically to a file as JSON or a dbt
schema.yml (models, or sources by schema), the dbt output checked by a real `dbt parse`."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.analysis.export import write_atomically
from core.api import Core
from core.clock import FrozenClock
from core.errors import InvalidInput
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from daemon.execute import execute
from daemon.tick import tick
from tests.support.dbt import dbt_executable

USERS = "main.public.users"


def fire_steps(core: Core, clock: FrozenClock, steps: list[dict[str, Any]], **kw: Any) -> Any:
    """Create a schedule of `steps` due in 5 minutes, fire it, and return its run."""
    local = (clock.now() + timedelta(hours=7, minutes=5)).replace(tzinfo=None, second=0)
    spec = build_spec(name=f"export {clock.now().isoformat()}", trigger=once(local),
                      timezone="Asia/Jakarta", steps=steps, **kw)  # fmt: skip
    core.schedules.create(spec)
    clock.advance(timedelta(minutes=6))
    [run] = [execute(core, c) for c in tick(core, "w1", slots=10).claimed]
    return run


def annotate(core: Core) -> None:
    core.review.set_value("shop", USERS, "description", 'People who sign in ("users")')
    core.review.set_value("shop", USERS, "tags", "people, pii")
    core.review.set_value("shop", USERS + ".email", "description", "Login address: unique")
    core.review.set_value("shop", USERS + ".email", "tags", "pii")
    core.review.set_value("shop", "main.public.orders", "description", "What people bought")
    core.review.set_value("shop", "main.sales.invoices", "description", "Bills sent")
    core.review.set_value("shop", "main.sales.invoices.amount", "description", "Total, with tax")


def test_a_json_export_lands_in_new_folders_and_holds_the_scope(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    annotate(core)
    out = tmp_path / "docs" / "nightly" / "shop.json"
    step = {"kind": "export_docs", "profile": "shop", "path": str(out), "scope": ["public"]}
    run = fire_steps(core, clock, [step])
    assert run.status == "succeeded", run.error
    doc = json.loads(out.read_text())
    assert [t["path"] for t in doc["tables"]] == ["main.public.orders", USERS]
    users = doc["tables"][1]
    assert users["tags"] == ["people", "pii"]
    assert users["columns"] == [
        {"name": "email", "description": "Login address: unique", "tags": ["pii"]}
    ]
    [done] = core.runs.steps.of_run(run.id)
    assert done.summary == {
        "path": str(out), "format": "json", "tables": 2, "columns": 1,
        "bytes": out.stat().st_size,
    }  # fmt: skip
    assert [p.name for p in out.parent.iterdir()] == ["shop.json"]  # no temporary file left


def test_a_relative_path_is_refused_and_a_home_path_expands(core: Core, clock: FrozenClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_spec(name="x", trigger=once("2026-11-21 09:05"), timezone="Asia/Jakarta",
                   steps=[{"kind": "export_docs", "profile": "shop", "path": "docs/x.json"}])  # fmt: skip
    assert "steps[1] (export_docs): path 'docs/x.json' is not accepted: it is relative; " in str(
        refused.value
    )
    annotate(core)
    run = fire_steps(core, clock, [{"kind": "export_docs", "profile": "shop",
                                    "path": "~/exports/shop.json"}])  # fmt: skip
    assert run.status == "succeeded", run.error
    assert json.loads((Path.home() / "exports" / "shop.json").read_text())["profile"] == "shop"


def test_an_empty_scope_fails_the_step_in_one_sentence(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    annotate(core)
    step = {"kind": "export_docs", "profile": "shop", "path": str(tmp_path / "x.json"),
            "scope": ["main.settings"]}  # fmt: skip
    run = fire_steps(core, clock, [step], max_retries=0)
    assert run.status == "failed"
    assert "profile 'shop' has no annotations in scope main.settings" in run.error
    assert not (tmp_path / "x.json").exists()


def test_models_with_one_name_in_two_schemas_are_refused_for_dbt_models(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    core.review.set_value("shop", USERS, "description", "People")
    core.review.set_value("shop", "main.sales.users", "description", "Sales people")
    step = {"kind": "export_docs", "profile": "shop", "format": "dbt",
            "path": str(tmp_path / "schema.yml")}  # fmt: skip
    run = fire_steps(core, clock, [step], max_retries=0)
    assert run.status == "failed"
    assert "share the name 'users', but dbt model names are unique" in run.error


def test_an_existing_file_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "schema.yml"
    target.write_text("old")
    target.chmod(0o640)
    write_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640


# -- a real dbt reads what was exported ---------------------------------------------------------


@pytest.fixture(scope="session")
def dbt() -> Path:
    return dbt_executable()


@pytest.fixture
def dbt_project(tmp_path: Path, dbt: Path) -> Iterator[Path]:
    """A tiny dbt project on a duckdb file whose schemas and tables are the shop's."""
    project = tmp_path / "dbt"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: amx_docs\nversion: '1.0'\nconfig-version: 2\nprofile: amx_docs\n"
        "model-paths: ['models']\n"
    )
    warehouse = tmp_path / "warehouse.duckdb"
    (project / "profiles.yml").write_text(
        "amx_docs:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {json.dumps(str(warehouse))}\n      threads: 1\n"
    )
    python = dbt.parent / "python"
    ddl = (
        "import duckdb, sys\n"
        "c = duckdb.connect(sys.argv[1])\n"
        "c.execute('CREATE SCHEMA public; CREATE SCHEMA sales')\n"
        "c.execute('CREATE TABLE public.users (id INTEGER, email TEXT)')\n"
        "c.execute('CREATE TABLE public.orders (id INTEGER, user_id INTEGER)')\n"
        "c.execute('CREATE TABLE sales.invoices (id INTEGER, amount DECIMAL(12, 2))')\n"
    )
    subprocess.run([str(python), "-c", ddl, str(warehouse)], check=True)
    yield project


def parse(dbt: Path, project: Path) -> dict[str, Any]:
    """`dbt parse` the project; its manifest."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    done = subprocess.run(
        [str(dbt), "parse", "--no-partial-parse", "--project-dir", str(project),
         "--profiles-dir", str(project)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    manifest: dict[str, Any] = json.loads((project / "target" / "manifest.json").read_text())
    return manifest


def test_dbt_sources_parse_with_dbt_and_carry_descriptions_and_tags(
    core: Core, clock: FrozenClock, dbt: Path, dbt_project: Path
) -> None:
    annotate(core)
    out = dbt_project / "models" / "sources.yml"
    step = {"kind": "export_docs", "profile": "shop", "format": "dbt", "dbt_shape": "sources",
            "path": str(out)}  # fmt: skip
    run = fire_steps(core, clock, [step])
    assert run.status == "succeeded", run.error
    text = out.read_text()
    # The sources' database is the shop's; dbt's duckdb target names its own.
    out.write_text(text.replace('database: "main"', 'database: "warehouse"'))
    sources = parse(dbt, dbt_project)["sources"]
    users = sources["source.amx_docs.public.users"]
    assert users["description"] == 'People who sign in ("users")'
    assert (users["schema"], users["database"]) == ("public", "warehouse")
    assert sorted(users["tags"]) == ["people", "pii"]
    assert users["columns"]["email"]["description"] == "Login address: unique"
    assert users["columns"]["email"]["tags"] == ["pii"]
    invoices = sources["source.amx_docs.sales.invoices"]
    assert invoices["columns"]["amount"]["description"] == "Total, with tax"
    assert set(sources) == {
        "source.amx_docs.public.users",
        "source.amx_docs.public.orders",
        "source.amx_docs.sales.invoices",
    }


def test_dbt_models_parse_with_dbt_and_document_the_models(
    core: Core, clock: FrozenClock, dbt: Path, dbt_project: Path
) -> None:
    annotate(core)
    for name in ("users", "orders", "invoices"):
        (dbt_project / "models" / f"{name}.sql").write_text("select 1 as id\n")
    out = dbt_project / "models" / "schema.yml"
    step = {"kind": "export_docs", "profile": "shop", "format": "dbt", "path": str(out)}
    run = fire_steps(core, clock, [step])
    assert run.status == "succeeded", run.error
    nodes = parse(dbt, dbt_project)["nodes"]
    users = nodes["model.amx_docs.users"]
    assert users["description"] == 'People who sign in ("users")'
    assert users["meta"]["amx_path"] == USERS
    assert users["columns"]["email"]["description"] == "Login address: unique"
    assert nodes["model.amx_docs.invoices"]["description"] == "Bills sent"
