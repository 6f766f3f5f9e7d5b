"""`amx schedule install-daemon --api`: the API's hook beside the daemon's, through the command
line, and the command that hook runs, started for real."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.clock import FrozenClock
from daemon.hooks import Completed, RecordingRunner, launchd, systemd, windows
from studio_tui.cli import run
from studio_tui.commands.base import OsHooks
from tests.support.receivers import free_port
from tests.test_hooks import systemd_words

PY = os.path.abspath(sys.executable)
API_UNIT = "amx-studio-api.service"
UNIT = "amx-daemon.service"
ENABLED = {
    ("systemctl", "--user", "is-enabled"): Completed(0, "enabled\n"),
    ("systemctl", "--user", "is-active"): Completed(0, "active\n"),
}


class Cli:
    """`amx` in-process on one SQLite file, its OS commands answered by a RecordingRunner."""

    def __init__(self, url: str, clock: FrozenClock, platform: str = "linux") -> None:
        self.url, self.clock = url, clock
        self.runner = RecordingRunner(ENABLED)
        self.platform = platform
        self.out = self.err = ""

    def __call__(self, *argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        self.runner.calls.clear()
        code = run(
            ["--database-url", self.url, *argv],
            out=out,
            err=err,
            clock=self.clock,
            os_hooks=OsHooks(self.platform, self.runner),  # type: ignore[arg-type]
        )
        self.out, self.err = out.getvalue(), err.getvalue()
        return code


@pytest.fixture
def cli(sqlite_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("USER", "ann")
    return Cli(sqlite_url, clock)


def test_install_with_api_installs_both_hooks_and_says_where_it_answers(cli: Cli) -> None:
    assert cli("schedule", "install-daemon", "--api") == 0, cli.err
    assert systemd.path().exists() and systemd.path("api").exists()
    assert ["systemctl", "--user", "enable", "--now", UNIT] in cli.runner.calls
    assert cli.runner.calls[-1] == ["systemctl", "--user", "enable", "--now", API_UNIT]
    assert f"started {API_UNIT}" in cli.out
    assert "the API answers at http://127.0.0.1:8470 (OpenAPI at /docs)." in cli.out
    assert "warning" not in cli.err
    unit = systemd.path("api").read_text()
    assert f"-m daemon.api --database-url {cli.url} --host 127.0.0.1 --port 8470" in unit
    first = systemd.path("api").read_bytes()
    assert cli("schedule", "install-daemon", "--api") == 0, cli.err
    assert systemd.path("api").read_bytes() == first, "installing again changes nothing"
    assert cli.runner.calls[-1] == ["systemctl", "--user", "restart", "--no-block", API_UNIT]


def test_install_without_api_leaves_an_installed_api_hook_and_says_so(cli: Cli) -> None:
    assert cli("schedule", "install-daemon", "--api", "--api-port", "8471") == 0, cli.err
    before = systemd.path("api").read_bytes()
    assert cli("schedule", "install-daemon") == 0, cli.err
    assert systemd.path("api").read_bytes() == before
    assert not [c for c in cli.runner.calls if API_UNIT in c]
    assert f"left the API's hook at {systemd.path('api')} as it is" in cli.out
    assert cli("schedule", "install-daemon", "--print") == 0
    assert f"# the API's hook at {systemd.path('api')} is left as it is" in cli.out


def test_a_wide_api_host_is_installed_only_when_said_and_warns(cli: Cli) -> None:
    assert cli("schedule", "install-daemon", "--api", "--api-host", "0.0.0.0") == 0, cli.err
    assert "--host 0.0.0.0 --port 8470" in systemd.path("api").read_text()
    assert cli.err.strip() == (
        "warning: serving on 0.0.0.0, reachable from other machines; tokens travel in clear "
        "text unless a TLS proxy stands in front."
    )


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--api-host", "0.0.0.0"), "--api-host and --api-port set up the API's hook; add --api"),
        (("--api", "--api-host", "my host"), "'my host' is not an address to listen on"),
    ],
)
def test_api_options_that_cannot_work_install_nothing(
    cli: Cli, argv: tuple[str, ...], said: str
) -> None:
    assert cli("schedule", "install-daemon", *argv) == 1
    assert cli.err.startswith(f"error: {said}") and cli.err.count("\n") == 1
    assert "Traceback" not in cli.err
    assert cli.runner.calls == []
    assert not systemd.path().exists() and not systemd.path("api").exists()
    assert cli("schedule", "install-daemon", "--api", "--api-port", "0") == 2
    assert "port '0' is not from 1 to 65535" in cli.err


def test_a_literal_password_is_refused_for_both_hooks(cli: Cli) -> None:
    cli.url = "postgresql+psycopg://amx:hunter2@db/amx"
    assert cli("schedule", "install-daemon", "--api", "--print") == 1
    assert cli.err.startswith("error: ") and "hunter2" not in cli.err


@pytest.mark.parametrize(
    ("platform", "module", "expected"),
    [
        ("linux", systemd, ["amx-studio-api.service", "Restart=always", "enable --now amx-studio-api"]),
        ("macos", launchd, ["com.amx-studio.api.plist", "<key>KeepAlive</key>\n\t<true/>", "launchctl bootstrap"]),
        ("windows", windows, ["amx-api-task.xml", "AMX Studio API", "schtasks /Create"]),
    ],
)  # fmt: skip
def test_print_with_api_shows_both_hooks_and_installs_nothing(
    cli: Cli, platform: str, module: object, expected: list[str]
) -> None:
    assert cli("schedule", "install-daemon", "--print", "--api", "--platform", platform) == 0
    daemon_part, _, api_part = cli.out.partition(" for the API")
    assert re.search(r"-m(</string>\s*<string>| )daemon\b", daemon_part)
    assert "daemon.api" not in daemon_part
    for text in expected:
        assert text in api_part, text
    assert "daemon.api" in api_part
    assert cli.runner.calls == []
    assert not Path(module.path()).exists() and not Path(module.path("api")).exists()  # type: ignore[attr-defined]


def test_status_reports_the_api_hook_and_its_url(cli: Cli) -> None:
    assert cli("schedule", "status") == 0
    assert "api hook" not in cli.out, "no API hook, no line about it"
    assert cli("schedule", "status", "--json") == 0
    assert json.loads(cli.out)["api_hook"] == {
        "installed": False,
        "active": False,
        "detail": f"not installed (no {systemd.path('api')})",
        "url": None,
    }
    assert not [c for c in cli.runner.calls if API_UNIT in c]
    assert (
        cli("schedule", "install-daemon", "--api", "--api-host", "::1", "--api-port", "8472") == 0
    )
    assert cli("schedule", "status") == 0
    assert "api hook      active at http://[::1]:8472 (enabled, active)" in cli.out
    assert cli("schedule", "status", "--json") == 0
    assert json.loads(cli.out)["api_hook"] == {
        "installed": True,
        "active": True,
        "detail": "enabled, active",
        "url": "http://[::1]:8472",
    }
    cli.runner.answers = {("systemctl", "--user", "is-active"): Completed(3, "failed\n")}
    assert cli("schedule", "status") == 0
    assert "api hook      installed but not active at http://[::1]:8472" in cli.out


def test_uninstall_removes_both_hooks_or_only_the_apis(cli: Cli) -> None:
    assert cli("schedule", "install-daemon", "--api") == 0
    assert cli("schedule", "uninstall-daemon", "--api-only") == 0, cli.err
    assert systemd.path().exists() and not systemd.path("api").exists()
    assert cli.runner.calls[0] == [
        "systemctl",
        "--user",
        "disable",
        "--now",
        "--no-block",
        API_UNIT,
    ]
    assert not [c for c in cli.runner.calls if UNIT in c]
    assert cli("schedule", "install-daemon", "--api") == 0
    assert cli("schedule", "uninstall-daemon") == 0, cli.err
    assert not systemd.path().exists() and not systemd.path("api").exists()
    assert (
        f"stopped the API (it finishes open requests first) and removed {systemd.path('api')}."
        in cli.out
    )
    assert "stopped the daemon" in cli.out
    assert cli("schedule", "uninstall-daemon") == 0
    assert "no daemon unit was installed" in cli.out and "API" not in cli.out


def unit_command(text: str) -> tuple[list[str], dict[str, str], str]:
    """The argv, environment and working directory a systemd unit starts its service with."""
    argv: list[str] = []
    env: dict[str, str] = {}
    cwd = ""
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            argv = systemd_words(value)
        elif key == "Environment":
            name, _, setting = systemd_words(f"/x {value}")[1].partition("=")
            env[name] = setting
        elif key == "WorkingDirectory":
            cwd = value.replace("%%", "%")
    return argv, env, cwd


@pytest.mark.slow
def test_the_api_hooks_command_really_serves_the_api(cli: Cli, tmp_path: Path) -> None:
    port = free_port()
    assert cli("schedule", "install-daemon", "--api", "--api-port", str(port)) == 0, cli.err
    argv, env, cwd = unit_command(systemd.path("api").read_text())
    assert argv[:3] == [PY, "-m", "daemon.api"]
    # systemd --user gives its services HOME besides the unit's own environment.
    env["HOME"] = str(Path.home())
    log = (tmp_path / "api.log").open("w")
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/pipeline/scheduler/health")
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None, (tmp_path / "api.log").read_text()
        assert answer.status_code == 503 and answer.json()["alive"] is False
        assert httpx.get(f"http://127.0.0.1:{port}/api/scheduler/scenarios").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    # uvicorn finishes its requests, then ends by the signal it got: a clean stop for systemd.
    assert proc.returncode in (0, -signal.SIGTERM), proc.returncode
    said = (tmp_path / "api.log").read_text()
    assert f"serving the AMX API on http://127.0.0.1:{port}" in said
    assert "warning" not in said and "Traceback" not in said


def test_python_m_daemon_api_refuses_in_one_sentence(sqlite_url: str) -> None:
    def api(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "daemon.api", "--database-url", sqlite_url, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    bad = api("--host", "my host")
    assert bad.returncode == 1
    assert bad.stderr == (
        "error: 'my host' is not an address to listen on; give an IP address such as 127.0.0.1 "
        "or ::1, or a host name of this machine.\n"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = api("--port", str(port))
    assert busy.returncode == 1
    assert busy.stderr.startswith(f"error: cannot listen on 127.0.0.1 port {port}: ")
    assert busy.stderr.count("\n") == 1 and "Traceback" not in busy.stderr
