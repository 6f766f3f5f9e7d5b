"""The command line answers at once: building its parser and printing help load neither the
database layer nor the models, and `amx schedule next` (no database) loads no storage either.
Each check runs in a fresh interpreter, so nothing another test imported can hide a regression."""

from __future__ import annotations

import json
import threading

import pytest

from core.api import Core
from studio_tui.cli import COMMANDS
from tests.support.child import python

# What printing help or building the parser must never load.
HEAVY = (
    "sqlalchemy",
    "pydantic",
    "textual",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "jinja2",
    "alembic",
    "yaml",
    "croniter",
    "core.storage",
    "core.api",
)


def loaded_after(argv: list[str]) -> tuple[int, str, list[str]]:
    """Run `amx argv` in a fresh interpreter: its exit code, what it printed, and which of the
    HEAVY modules it loaded."""
    code = (
        "import contextlib, io, json, sys\n"
        "from studio_tui.cli import run\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = run({argv!r}, out=out, err=err)\n"
        f"heavy = {HEAVY!r}\n"
        "bad = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy))\n"
        "print(json.dumps([code, out.getvalue(), bad]))\n"
    )
    done = python(code)
    found = json.loads(done.stdout)
    return found[0], found[1], found[2]


def test_amx_help_loads_no_database_layer_models_or_studio() -> None:
    code, out, bad = loaded_after(["--help"])
    assert code == 0
    assert "schedule" in out and "daemon" in out
    assert bad == []


@pytest.mark.parametrize("group", [*COMMANDS, "demo"])
def test_each_groups_help_loads_none_of_them_either(group: str) -> None:
    code, out, bad = loaded_after([group, "--help"])
    assert code == 0
    assert f"amx {group}" in out
    assert bad == []


def test_schedule_next_loads_the_triggers_but_no_storage_or_models() -> None:
    code, out, bad = loaded_after(
        ["schedule", "next", "--cron", "0 9 * * 1-5", "--timezone", "UTC", "-n", "2"]
    )
    assert code == 0
    assert out.count("09:00 UTC") == 2
    assert bad == ["croniter", "croniter.croniter"]


def test_a_usage_error_is_reported_without_loading_the_core() -> None:
    code, _, bad = loaded_after(["schedule", "list", "--limit", "many"])
    assert code == 2
    assert bad == []


def test_the_install_daemon_platform_choices_are_the_hooks_platforms() -> None:
    from daemon.hooks import PLATFORMS
    from studio_tui.commands.hooks import PLATFORM_CHOICES

    assert list(PLATFORMS) == PLATFORM_CHOICES


def test_the_install_daemon_api_defaults_are_the_apis_defaults() -> None:
    from daemon.api.address import DEFAULT_HOST, DEFAULT_PORT
    from studio_tui.commands.hooks import API_HOST, API_PORT

    assert (API_HOST, API_PORT) == (DEFAULT_HOST, DEFAULT_PORT)


def test_the_daemon_option_defaults_are_the_workers_defaults() -> None:
    from daemon import options
    from daemon.worker import WorkerConfig

    defaults = WorkerConfig(worker_id="defaults")
    assert (defaults.concurrency, defaults.poll, defaults.heartbeat, defaults.lease) == (
        options.CONCURRENCY,
        options.POLL_S,
        options.HEARTBEAT_S,
        options.LEASE_S,
    )
    assert (defaults.grace, defaults.retry_base) == (options.GRACE_S, options.RETRY_BASE_S)


def test_a_core_makes_each_service_once_even_when_threads_ask_at_once(db_url: str) -> None:
    core = Core.open(db_url)
    try:
        start = threading.Barrier(8)
        templates: list[object] = []
        schedules: list[object] = []

        def ask() -> None:
            start.wait()
            templates.append(core.templates)
            schedules.append(core.job.schedules)

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(templates) == 8 and all(t is core.templates for t in templates)
        assert len(schedules) == 8 and all(s is core.schedules for s in schedules)
        assert core.templates.schedules is core.schedules
        assert core.catalog.profiles is core.profiles
    finally:
        core.close()


def test_a_command_that_keeps_running_gets_garbage_collection_back() -> None:
    # Collection pauses while a command starts, and resumes for one that keeps running.
    code = (
        "import gc, sys, time\n"
        "import studio_tui.commands.schedule as schedule\n"
        "def long_running(ctx):\n"
        "    paused = not gc.isenabled()\n"
        "    deadline = time.monotonic() + 60\n"
        "    while not gc.isenabled() and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    print(paused, gc.isenabled())\n"
        "    return 0\n"
        "schedule.cmd_next = long_running\n"
        "sys.argv = ['amx', 'schedule', 'next', '--every', '1h']\n"
        "from studio_tui.cli import main\n"
        "print(main(), gc.isenabled())\n"
    )
    done = python(code)
    assert done.stdout.split() == ["True", "True", "0", "True"]
