"""core/ and daemon/ stay headless: importing them must not load Textual."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

from tests.support.child import python

ROOT = Path(__file__).resolve().parent.parent


def modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if ".migrations.versions" in info.name or info.name.endswith(".migrations.env"):
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("module", modules("core") + modules("daemon"))
def test_headless_module_never_imports_textual(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "print(','.join(bad))"
    )
    result = python(code)
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


def test_the_resident_daemon_loads_neither_pydantic_nor_the_analysis_code() -> None:
    # `amx daemon run` stays small: claiming and watching only; jobs run in a job process.
    code = (
        "import sys; from studio_tui.cli import build_parser, command_word; "
        "build_parser(command_word(['--database-url', 'x', 'daemon', 'run'])); "
        "import daemon.main, daemon.worker, daemon.job_process, studio_tui.commands.daemon; "
        "heavy = {'pydantic', 'httpx', 'textual', 'alembic', 'fastapi', 'starlette', 'uvicorn'}; "
        "ours = {'core.api', 'core.analysis.job', 'core.catalog.service', 'core.analysis.llm', 'core.schedules.spec', 'core.schedules.views', "
        "'core.schedules.service', 'core.analysis.review', 'core.catalog.profiles', 'daemon.execute', 'daemon.health', 'daemon.api'}; "
        "ours |= {m for m in sys.modules if m.startswith('daemon.api.')}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in ours); "
        "print(','.join(bad))"
    )
    result = python(code)
    assert result.stdout.strip() == "", f"the daemon loads {result.stdout.strip()}"


def test_product_code_uses_no_private_textual_module() -> None:
    private = re.compile(r"^\s*(from|import)\s+textual\._", re.MULTILINE)
    found = [
        str(path.relative_to(ROOT))
        for package in ("core", "daemon", "studio_tui", "themes")
        for path in (ROOT / package).rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# What `amx schedule list` reads a SQLite file with: none of it may load the database layer,
# the models or croniter, or the quick list would be no quicker than the service.
QUICK_READ = (
    "core.storage.location",
    "core.storage.revisions",
    "core.storage.due_index",
    "core.storage.sqlite_read",
    "core.schedules.rule_text",
    "core.schedules.list_order",
    "core.schedules.step_outline",
    "core.schedules.quick_list",
    "core.secrets",
    "studio_tui.render",
)


def test_the_quick_read_modules_load_no_database_layer_models_or_croniter() -> None:
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {QUICK_READ!r}]; "
        "heavy = {'sqlalchemy', 'pydantic', 'alembic', 'croniter', 'dateutil', 'tzlocal'}; "
        "ours = {'core.storage.engine', 'core.storage.tables', 'core.schedules.views', "
        "'core.schedules.triggers', 'core.schedules.scenario', 'core.api'}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in ours); "
        "print(','.join(bad))"
    )
    result = python(code)
    assert result.stdout.strip() == "", f"the quick read loads {result.stdout.strip()}"
