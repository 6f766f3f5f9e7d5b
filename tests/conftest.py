"""Shared fixtures: a frozen clock, and the product's database on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import textual.constants

from core.api import Core
from core.clock import FrozenClock
from tests.support.daemons import stop_all
from tests.support.pg import Cluster, find_bindir, start_cluster
from tests.support.shop import make_shop

pytest_plugins = ["tests.support.cli"]  # the `amx` fixture

# 09:00 in Asia/Jakarta, a Saturday.
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_names = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    # Syrupy allows for -k but not -m: a run chosen by marker (`pytest -m postgres`) leaves the
    # other tests' snapshots unused on purpose, so it warns about them rather than failing.
    if config.option.markexpr:
        config.option.warn_unused_snapshots = True


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the user's real data directory and database settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))


# The terminal every test runs in, whatever the caller's shell exports: colours on, UTF-8, 80x24.
TERMINAL = {
    "TERM": "xterm-256color",
    "COLORTERM": "truecolor",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "COLUMNS": "80",
    "LINES": "24",
    "TZ": "Asia/Jakarta",
}
# Switches a person may keep in their shell that change what Rich, Textual or the product draw.
UNSET = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
    "ESCDELAY",
    "AMX_DATABASE_URL",
    "AMX_DEBUG",
    "AMX_DEFAULT_TIMEZONE",
)


@cache
def _clean_textual_constants() -> ModuleType:
    """textual.constants as a clean environment makes it (Textual reads it once, at import)."""
    spec = importlib.util.find_spec("textual.constants")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh


@pytest.fixture(autouse=True)
def _pinned_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the terminal, locale and zone, and drop colour and Textual switches the caller
    exported, so snapshots and CLI output never depend on the shell running the tests (a test
    that wants NO_COLOR sets it itself)."""
    exported = [n for n in os.environ if n.startswith(("TEXTUAL", "LC_"))]
    for name in [*UNSET, *exported]:
        # The snapshot plugin passes its own report directory to itself this way.
        if not name.startswith("TEXTUAL_SNAPSHOT"):
            monkeypatch.delenv(name, raising=False)
    for name, value in TERMINAL.items():
        monkeypatch.setenv(name, value)
    clean = _clean_textual_constants()
    for name in dir(clean):
        if name.isupper() and hasattr(textual.constants, name):
            monkeypatch.setattr(textual.constants, name, getattr(clean, name))


@pytest.fixture(autouse=True)
def _no_daemon_left_behind() -> Iterator[None]:
    """A test that fails half-way must not leave its daemon processes running."""
    yield
    stop_all()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at NOW; tests move it explicitly."""
    return FrozenClock(NOW)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole run."""
    if find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed; scripts/postgres installs it")
        pytest.skip("PostgreSQL server programs are not installed (scripts/postgres installs them)")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'amx.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{os.getpid()}_{next(_names)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A new SQLite database file."""
    return f"sqlite:///{tmp_path / 'amx.db'}"


@pytest.fixture
def core(db_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Core]:
    """The core on a new database, with a DB profile `shop` on a small SQLite shop."""
    opened = Core.open(db_url, clock)
    opened.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    yield opened
    opened.close()


@pytest.fixture
def client(core: Core) -> Iterator[Any]:
    """An HTTP client (httpx) of `amx serve`'s app on `core`, with a read-write token."""
    from tests.support.api_server import api_client

    with api_client(core) as http:
        yield http
