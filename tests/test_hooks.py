"""The per-OS daemon hooks: rendered files, exact command lines, idempotence and refusals."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.storage.location import default_url
from daemon import hooks
from daemon.hooks import (
    KEEP_QUEUED,
    CommandFailed,
    Completed,
    DaemonCommand,
    RecordingRunner,
    SubprocessRunner,
    api_command,
    launchd,
    systemd,
    windows,
)

PY = os.path.abspath(sys.executable)
UID = os.getuid()
UNIT = "amx-daemon.service"
LABEL = "com.amx-studio.daemon"
TASK = "AMX Studio Daemon"
NS = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"
NO_BUS = Completed(1, "", "Failed to connect to bus: No such file or directory\n")
SECRETS = {
    "PGPASSWORD": "pg-hunter2-secret",
    "OPENAI_API_KEY": "sk-live-0123456789abcdef",
    "AWS_SECRET_ACCESS_KEY": "aws-wJalrXUtnFEMI-secret",
    "GITHUB_TOKEN": "ghp_tokentokentoken",
    "AMX_DB_PASSWORD": "amx-db-secret",
}


@pytest.fixture(autouse=True)
def _user(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed user name for loginctl and the Windows logon trigger (HOME/XDG come from conftest)."""
    monkeypatch.setenv("USER", "ann")
    monkeypatch.setenv("USERNAME", "ann")
    monkeypatch.setenv("USERDOMAIN", "CORP")
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")


@pytest.fixture
def cmd() -> DaemonCommand:
    return DaemonCommand.build()


def lines(text: str) -> list[str]:
    return text.splitlines()


def one_sentence(text: str) -> bool:
    body = text.replace("e.g.", "eg")
    return body.endswith(".") and ". " not in body and "\n" not in body


def systemd_words(line: str) -> list[str]:
    """Split an ExecStart= value the way systemd does (quotes, C escapes, %% and $$)."""
    words: list[str] = []
    i = 0
    while i < len(line):
        if line[i] in " \t":
            i += 1
            continue
        word: list[str] = []
        while i < len(line) and line[i] not in " \t":
            if line[i] != '"':
                word.append(line[i])
                i += 1
                continue
            i += 1
            while line[i] != '"':
                if line[i] == "\\":
                    code = line[i + 1]
                    if code == "x":
                        word.append(chr(int(line[i + 2 : i + 4], 16)))
                        i += 4
                        continue
                    word.append({"n": "\n", "t": "\t"}.get(code, code))
                    i += 2
                    continue
                word.append(line[i])
                i += 1
            i += 1
        words.append("".join(word))
    program, *args = words
    return [program.replace("%%", "%")] + [w.replace("%%", "%").replace("$$", "$") for w in args]


def verify_unit(text: str, tmp_path: Path, name: str = UNIT) -> subprocess.CompletedProcess[str]:
    """Run the real systemd-analyze verify on the unit text, offline and as a user unit."""
    tool = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    assert Path(tool).exists(), "systemd-analyze is needed for this test (apt-get install systemd)"
    unit = tmp_path / "verify" / name
    unit.parent.mkdir(exist_ok=True)
    unit.write_text(text)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    # --user needs a runtime directory to set up its (offline) manager; containers have none.
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "SYSTEMD_LOG_LEVEL": "notice"}
    return subprocess.run(
        [tool, "verify", "--user", "--man=no", "--generators=no", str(unit)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


# --- the daemon command -------------------------------------------------------------------


def test_default_command_is_this_python_running_the_daemon(cmd: DaemonCommand) -> None:
    assert cmd.argv == (PY, "-m", "daemon")
    assert cmd.working_directory == Path.home()
    assert cmd.log_directory == Path(os.environ["XDG_STATE_HOME"]) / "amx-studio" / "log"
    assert cmd.env == {"LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin"}


def test_default_url_adds_no_flag_and_a_chosen_one_goes_before_the_subcommand() -> None:
    assert "--database-url" not in DaemonCommand.build(default_url()).argv
    url = "postgresql+psycopg://amx@db.example/amx"
    assert DaemonCommand.build(url).argv == (
        PY, "-m", "daemon", "--database-url", url,
    )  # fmt: skip


def test_relative_sqlite_path_is_pinned_because_the_daemon_runs_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    built = DaemonCommand.build("sqlite:///team/amx.db")
    assert built.database_url == f"sqlite:///{tmp_path}/team/amx.db"


def test_database_url_from_the_environment_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://amx:env:PGPASSWORD@db/amx"
    monkeypatch.setenv("AMX_DATABASE_URL", url)
    built = DaemonCommand.build()
    assert built.env["AMX_DATABASE_URL"] == url
    assert "--database-url" not in built.argv
    assert built.password_variables == ("PGPASSWORD",)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://amx:hunter2@db/amx",
        "postgresql+psycopg://amx:hunter2%40x@db/amx",
        "postgresql+psycopg://amx@db/amx?password=hunter2",
        "postgresql+psycopg://amx:env:not-a-name@db/amx",
    ],
)
def test_literal_password_is_refused_in_one_sentence(url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        DaemonCommand.build(url)
    assert err.value.field == "database_url"
    assert "hunter2" not in str(err.value)
    assert one_sentence(str(err.value))
    assert "never written into the daemon's service file" in str(err.value)


def test_password_in_amx_database_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMX_DATABASE_URL", "postgresql+psycopg://amx:hunter2@db/amx")
    with pytest.raises(InvalidInput, match="AMX_DATABASE_URL holds a password") as err:
        DaemonCommand.build()
    assert err.value.field == "database_url"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://amx:env:PGPASSWORD@db/amx",
        "postgresql+psycopg://amx:keyring:amx/prod@db/amx",
        "postgresql+psycopg://amx@db/amx",
    ],
)
def test_password_references_and_passwordless_urls_are_fine(url: str) -> None:
    assert DaemonCommand.build(url).database_url is not None


def test_a_hand_built_command_cannot_smuggle_a_secret(cmd: DaemonCommand) -> None:
    with pytest.raises(InvalidInput):
        DaemonCommand(
            (*cmd.argv[:3], "--database-url", "postgresql://a:pw@h/d"),
            cmd.working_directory,
            cmd.log_directory,
        )
    with pytest.raises(InvalidInput, match="OPENAI_API_KEY is not passed"):
        DaemonCommand(
            cmd.argv, cmd.working_directory, cmd.log_directory, (("OPENAI_API_KEY", "sk-x"),)
        )
    with pytest.raises(InvalidInput, match="absolute"):
        DaemonCommand(("python", "-m", "x"), cmd.working_directory, cmd.log_directory)


def test_libpq_file_locations_pass_through_but_not_pgpassword(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSFILE", "/home/ann/.config/pgpass")
    monkeypatch.setenv("PGSERVICEFILE", "/home/ann/.config/pg_service.conf")
    monkeypatch.setenv("PGPASSWORD", "hunter2-not-for-files")
    built = DaemonCommand.build("postgresql+psycopg:///?service=amx")
    assert built.env["PGPASSFILE"] == "/home/ann/.config/pgpass"
    assert built.env["PGSERVICEFILE"] == "/home/ann/.config/pg_service.conf"
    assert "PGPASSWORD" not in built.env
    unit = hooks.preview("linux", built)
    assert 'Environment="PGSERVICEFILE=/home/ann/.config/pg_service.conf"' in unit
    assert "hunter2" not in unit


def test_no_secret_reaches_any_rendered_file(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AMX_DATABASE_URL", "postgresql+psycopg://amx:env:PGPASSWORD@db/amx")
    built = DaemonCommand.build()
    assert set(built.env) == {"PATH", "LANG", "AMX_DATABASE_URL"}
    for platform in hooks.PLATFORMS:
        text = hooks.preview(platform, built)
        for name, value in SECRETS.items():
            assert value not in text, f"{name} leaked into the {platform} hook"
        assert "env:PGPASSWORD" in text


# --- systemd ------------------------------------------------------------------------------


def test_unit_passes_the_real_systemd_analyze_verify(cmd: DaemonCommand, tmp_path: Path) -> None:
    result = verify_unit(systemd.render(cmd), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_awkward_paths_pass_verify_and_split_back_exactly(tmp_path: Path) -> None:
    home = tmp_path / "py dir %h $HOME ü"
    home.mkdir()
    python = home / "python 3"
    python.symlink_to(PY)
    base = DaemonCommand.build(python=str(python), environ={"PATH": '/a b:%h:$x"q\\z'})
    built = DaemonCommand(
        (*base.argv, "--label", 'say "hi" \\ 100% $HOME;'),
        tmp_path / "work %i",
        base.log_directory,
        base.environment,
    )
    text = systemd.render(built)
    result = verify_unit(text, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    exec_start = next(line for line in lines(text) if line.startswith("ExecStart="))
    assert systemd_words(exec_start.removeprefix("ExecStart=")) == list(built.argv)
    assert f"WorkingDirectory={tmp_path}/work %%i" in lines(text)
    assert 'Environment="PATH=/a b:%%h:$x\\"q\\\\z"' in lines(text)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(min_codepoint=1, max_codepoint=0x7F) | st.sampled_from("éß€ ")))
def test_exec_arguments_round_trip_through_systemd_quoting(arg: str) -> None:
    line = f"/usr/bin/python {systemd.exec_arg(arg)}"
    assert systemd_words(line) == ["/usr/bin/python", arg]


def test_program_path_systemd_cannot_run_is_refused(tmp_path: Path) -> None:
    built = DaemonCommand.build(python=str(tmp_path / 'it"s' / "python"))
    with pytest.raises(InvalidInput, match="quotes or backslashes"):
        systemd.render(built)


def test_unit_has_the_service_settings(cmd: DaemonCommand) -> None:
    text = lines(systemd.render(cmd))
    assert text[text.index("[Unit]") :] == [
        "[Unit]",
        "Description=AMX Studio Schedules daemon (fires queued metadata analysis runs)",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={PY} -m daemon",
        f"WorkingDirectory={Path.home()}",
        'Environment="LANG=C.UTF-8"',
        'Environment="PATH=/usr/local/bin:/usr/bin:/bin"',
        "Restart=on-failure",
        "RestartSec=5",
        "# The daemon finishes its running jobs on SIGTERM before it exits; it stops its own",
        "# job process, so only the daemon gets the signal.",
        "KillSignal=SIGTERM",
        "KillMode=mixed",
        "TimeoutStopSec=60",
        "",
        "[Install]",
        "WantedBy=default.target",
    ]


def test_systemd_install_commands_file_and_mode(cmd: DaemonCommand) -> None:
    runner = RecordingRunner()
    result = hooks.install("linux", runner, cmd)
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / UNIT
    assert result.ok and result.path == unit == systemd.path()
    assert runner.calls == [
        ["systemctl", "--user", "show-environment"],
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", UNIT],
        ["loginctl", "show-user", "ann", "--property=Linger"],
    ]
    assert unit.read_text() == systemd.render(cmd)
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert not [p for p in unit.parent.iterdir() if p.name != UNIT]
    assert result.warnings == ()


def test_systemd_reinstall_rewrites_the_same_file_and_just_restarts(cmd: DaemonCommand) -> None:
    hooks.install("linux", RecordingRunner(), cmd)
    first = systemd.path().read_bytes()
    runner = RecordingRunner()
    result = hooks.install("linux", runner, cmd)
    assert result.ok and "restarted" in result.message
    assert systemd.path().read_bytes() == first
    assert runner.calls == [
        ["systemctl", "--user", "show-environment"],
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", UNIT],
        ["systemctl", "--user", "restart", "--no-block", UNIT],
        ["loginctl", "show-user", "ann", "--property=Linger"],
    ]


def test_linger_off_gives_the_logout_warning(cmd: DaemonCommand) -> None:
    runner = RecordingRunner({("loginctl",): Completed(0, "Linger=no\n")})
    result = hooks.install("linux", runner, cmd)
    assert result.ok
    assert result.warnings == (
        "--user services stop when you log out (e.g. over SSH); keep it running with: "
        "loginctl enable-linger ann",
    )
    runner = RecordingRunner({("loginctl",): Completed(0, "Linger=yes\n")})
    assert hooks.install("linux", runner, cmd).warnings == ()


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        (NO_BUS, 'systemctl --user says "Failed to connect to bus: No such file or directory"'),
        (
            Completed(127, "", "systemctl is not installed or not on PATH"),
            "systemctl is not installed",
        ),
    ],
)
def test_no_user_service_manager_fails_in_one_sentence_and_leaves_no_unit(
    cmd: DaemonCommand, answer: Completed, cause: str
) -> None:
    runner = RecordingRunner({("systemctl", "--user"): answer})
    result = hooks.install("linux", runner, cmd)
    assert not result.ok
    assert result.message.startswith("the systemd user service manager is not available here (")
    assert cause in result.message
    assert "`amx daemon run` under tmux" in result.message and "amx studio" in result.message
    assert one_sentence(result.message)
    assert runner.calls == [["systemctl", "--user", "show-environment"]]
    assert not systemd.path().exists()


def test_failed_enable_removes_a_new_unit_and_restores_an_old_one(cmd: DaemonCommand) -> None:
    failing: dict[tuple[str, ...], Completed] = {
        ("systemctl", "--user", "enable"): Completed(1, "", "Access denied\n")
    }
    result = hooks.install("linux", RecordingRunner(failing), cmd)
    assert not result.ok and "Access denied" in result.message
    assert not systemd.path().exists()
    systemd.path().parent.mkdir(parents=True, exist_ok=True)
    systemd.path().write_text("# an older unit\n")
    assert not hooks.install("linux", RecordingRunner(failing), cmd).ok
    assert systemd.path().read_text() == "# an older unit\n"


def test_systemd_uninstall_stops_removes_and_keeps_schedules(cmd: DaemonCommand) -> None:
    hooks.install("linux", RecordingRunner(), cmd)
    runner = RecordingRunner()
    result = hooks.uninstall("linux", runner)
    assert result.ok and result.message.endswith(f"{KEEP_QUEUED}.")
    assert runner.calls == [
        ["systemctl", "--user", "disable", "--now", "--no-block", UNIT],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert not systemd.path().exists()
    again = hooks.uninstall("linux", RecordingRunner({("systemctl",): NO_BUS}))
    assert again.ok and "no daemon unit was installed" in again.message
    assert KEEP_QUEUED in again.message


def test_systemd_status(cmd: DaemonCommand) -> None:
    runner = RecordingRunner(
        {
            ("systemctl", "--user", "is-enabled"): Completed(0, "enabled\n"),
            ("systemctl", "--user", "is-active"): Completed(0, "active\n"),
        }
    )
    hooks.install("linux", RecordingRunner(), cmd)
    runner.calls.clear()
    assert hooks.status("linux", runner) == hooks.HookStatus(True, True, "enabled, active")
    assert runner.calls == [
        ["systemctl", "--user", "is-enabled", UNIT],
        ["systemctl", "--user", "is-active", UNIT],
    ]
    down = RecordingRunner({("systemctl",): NO_BUS})
    state = hooks.status("linux", down)
    assert state.installed and state.active is None and "not available here" in state.detail
    stopped = RecordingRunner({("systemctl",): Completed(3, "inactive\n")})
    assert hooks.status("linux", stopped).active is False


# --- launchd ------------------------------------------------------------------------------


def test_plist_round_trips_with_the_agent_keys(cmd: DaemonCommand) -> None:
    runner = RecordingRunner()
    result = hooks.install("macos", runner, cmd)
    plist = Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    assert result.ok and result.path == plist == launchd.path()
    assert stat.S_IMODE(plist.stat().st_mode) == 0o644
    data = plistlib.loads(plist.read_bytes())
    log = str(cmd.log_directory / "daemon.log")
    assert data == {
        "Label": LABEL,
        "ProgramArguments": list(cmd.argv),
        "WorkingDirectory": str(Path.home()),
        "EnvironmentVariables": {"LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "ProcessType": "Background",
    }
    assert cmd.log_directory.is_dir()
    assert runner.calls == [
        ["launchctl", "bootout", f"gui/{UID}/{LABEL}"],
        ["launchctl", "bootstrap", f"gui/{UID}", str(plist)],
    ]


def test_launchd_reinstall_ignores_a_failed_bootout_and_is_idempotent(
    cmd: DaemonCommand,
) -> None:
    not_loaded = Completed(3, "", "Boot-out failed: 3: No such process\n")
    hooks.install("macos", RecordingRunner({("launchctl", "bootout"): not_loaded}), cmd)
    first = launchd.path().read_bytes()
    runner = RecordingRunner()
    assert hooks.install("macos", runner, cmd).ok
    assert launchd.path().read_bytes() == first
    assert [c[1] for c in runner.calls] == ["bootout", "bootstrap"]


def test_launchd_bootstrap_failure_leaves_no_plist(cmd: DaemonCommand) -> None:
    failing = Completed(
        125, "", "Bootstrap failed: 125: Domain does not support specified action\n"
    )
    result = hooks.install("macos", RecordingRunner({("launchctl", "bootstrap"): failing}), cmd)
    assert not result.ok
    assert "desktop login session" in result.message and "tmux" in result.message
    assert not launchd.path().exists()


def test_launchd_uninstall_and_status(cmd: DaemonCommand) -> None:
    hooks.install("macos", RecordingRunner(), cmd)
    printed = Completed(0, f"gui/{UID}/{LABEL} = {{\n\tstate = running\n\tpid = 4242\n}}\n")
    runner = RecordingRunner({("launchctl", "print"): printed})
    assert hooks.status("macos", runner) == hooks.HookStatus(
        True, True, "loaded, running, pid 4242"
    )
    assert runner.calls == [["launchctl", "print", f"gui/{UID}/{LABEL}"]]
    runner = RecordingRunner()
    result = hooks.uninstall("macos", runner)
    assert result.ok and result.message.endswith(f"{KEEP_QUEUED}.")
    assert runner.calls == [["launchctl", "bootout", f"gui/{UID}/{LABEL}"]]
    assert not launchd.path().exists()
    missing = Completed(113, "", 'Could not find service "com.amx-studio.daemon"\n')
    state = hooks.status("macos", RecordingRunner({("launchctl",): missing}))
    assert state == hooks.HookStatus(False, False, f"not installed; not loaded in gui/{UID}")


# --- Windows ------------------------------------------------------------------------------


def test_task_xml_parses_with_the_namespace_and_settings(cmd: DaemonCommand) -> None:
    runner = RecordingRunner()
    result = hooks.install("windows", runner, cmd)
    xml = Path(os.environ["XDG_DATA_HOME"]) / "amx-studio" / "amx-daemon-task.xml"
    assert result.ok and result.path == xml == windows.path()
    raw = xml.read_bytes()
    assert raw.startswith(b"\xff\xfe")  # UTF-16 with its byte-order mark, as schtasks reads it
    assert raw.decode("utf-16").startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = ET.fromstring(raw)
    assert task.tag == f"{NS}Task"

    def find(path: str) -> str | None:
        return task.findtext("/".join(NS + part for part in path.split("/")))

    assert find("Triggers/LogonTrigger/UserId") == "CORP\\ann"
    assert find("Triggers/LogonTrigger/Enabled") == "true"
    assert find("Principals/Principal/LogonType") == "InteractiveToken"
    for key, value in {
        "StartWhenAvailable": "true",
        "ExecutionTimeLimit": "PT0S",
        "MultipleInstancesPolicy": "IgnoreNew",
        "DisallowStartIfOnBatteries": "false",
        "StopIfGoingOnBatteries": "false",
        "Hidden": "true",
        "RestartOnFailure/Interval": "PT1M",
        "RestartOnFailure/Count": "255",
    }.items():
        assert find(f"Settings/{key}") == value, key
    assert find("Actions/Exec/Command") == PY
    assert find("Actions/Exec/Arguments") == "-m daemon"
    assert find("Actions/Exec/WorkingDirectory") == str(Path.home())
    assert runner.calls == [
        ["schtasks", "/Create", "/TN", TASK, "/XML", str(xml), "/F"],
        ["schtasks", "/Run", "/TN", TASK],
    ]


def test_windows_arguments_are_quoted_and_carry_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMX_DATABASE_URL", "sqlite:////home/Ann Lee/amx.db")
    built = DaemonCommand.build(python="/Program Files/Python 3.12/python.exe")
    task = ET.fromstring(windows.render(built).encode("utf-16"))
    exec_ = task.find(f"{NS}Actions/{NS}Exec")
    assert exec_ is not None
    assert exec_.findtext(f"{NS}Command") == '"/Program Files/Python 3.12/python.exe"'
    assert exec_.findtext(f"{NS}Arguments") == (
        '-m daemon --database-url "sqlite:////home/Ann Lee/amx.db"'
    )


def test_windows_reinstall_uninstall_and_status(cmd: DaemonCommand) -> None:
    hooks.install("windows", RecordingRunner(), cmd)
    first = windows.path().read_bytes()
    runner = RecordingRunner({("schtasks", "/End"): Completed(1, "", "ERROR: not running\n")})
    assert hooks.install("windows", runner, cmd).ok
    assert windows.path().read_bytes() == first
    assert runner.calls == [
        ["schtasks", "/Create", "/TN", TASK, "/XML", str(windows.path()), "/F"],
        ["schtasks", "/End", "/TN", TASK],
        ["schtasks", "/Run", "/TN", TASK],
    ]
    listing = Completed(0, f"TaskName:      \\{TASK}\nStatus:        Running\nLogon Mode: x\n")
    runner = RecordingRunner({("schtasks", "/Query"): listing})
    assert hooks.status("windows", runner) == hooks.HookStatus(
        True, True, f"task '{TASK}': Running"
    )
    assert runner.calls == [["schtasks", "/Query", "/TN", TASK, "/FO", "LIST", "/V"]]
    runner = RecordingRunner()
    result = hooks.uninstall("windows", runner)
    assert result.ok and result.message.endswith(f"{KEEP_QUEUED}.")
    assert runner.calls == [
        ["schtasks", "/End", "/TN", TASK],
        ["schtasks", "/Delete", "/TN", TASK, "/F"],
    ]
    assert not windows.path().exists()


def test_windows_uninstall_without_a_task_and_refused_delete() -> None:
    gone = Completed(1, "", "ERROR: The system cannot find the file specified.\n")
    result = hooks.uninstall("windows", RecordingRunner({("schtasks",): gone}))
    assert result.ok and result.message == f"no task '{TASK}' was registered; {KEEP_QUEUED}."
    denied = Completed(1, "", "ERROR: Access is denied.\n")
    result = hooks.uninstall("windows", RecordingRunner({("schtasks", "/Delete"): denied}))
    assert not result.ok and "Access is denied" in result.message


def test_windows_failed_create_leaves_no_xml(cmd: DaemonCommand) -> None:
    refused = Completed(1, "", "ERROR: The task XML contains a value which is out of range.\n")
    result = hooks.install("windows", RecordingRunner({("schtasks", "/Create"): refused}), cmd)
    assert not result.ok and "out of range" in result.message
    assert not windows.path().exists()


# --- dispatch, preview, runners -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "platform"),
    [("linux", "linux"), ("darwin", "macos"), ("win32", "windows"), ("cygwin", "windows")],
)
def test_current_platform(name: str, platform: str) -> None:
    assert hooks.current_platform(name) == platform


@pytest.mark.parametrize("platform", hooks.PLATFORMS)
def test_preview_shows_path_content_and_the_exact_commands_and_installs_nothing(
    platform: hooks.Platform, cmd: DaemonCommand
) -> None:
    text = hooks.preview(platform, cmd)
    target = hooks.path(platform)
    assert f": {target}\n" in text
    assert hooks.hook(platform).render(cmd).rstrip("\n") in text
    assert not target.exists()
    shown = [line.split("    #")[0] for line in text.split("# and then run:\n")[1].splitlines()]
    runner = RecordingRunner()
    assert hooks.install(platform, runner, cmd).ok
    join = subprocess.list2cmdline if platform == "windows" else shlex.join
    assert shown == [join(argv) for argv in runner.calls]


def test_preview_on_linux_after_install_shows_the_restart(cmd: DaemonCommand) -> None:
    hooks.install("linux", RecordingRunner(), cmd)
    assert "systemctl --user restart --no-block amx-daemon.service" in hooks.preview("linux", cmd)


def test_env_reference_is_named_in_a_warning(cmd: DaemonCommand) -> None:
    built = DaemonCommand.build("postgresql+psycopg://amx:env:PGPASSWORD@db/amx")
    for platform in hooks.PLATFORMS:
        warnings = hooks.install(platform, RecordingRunner(), built).warnings
        assert any("$PGPASSWORD" in w and "~/.pgpass" in w for w in warnings), platform


def test_subprocess_runner_never_raises_for_a_missing_program() -> None:
    done = SubprocessRunner().run(["amx-no-such-program-xyz", "--version"])
    assert done.returncode == 127
    assert done.stderr == "amx-no-such-program-xyz is not installed or not on PATH"


def test_subprocess_runner_output_timeout_and_check() -> None:
    runner = SubprocessRunner()
    assert runner.run([PY, "-c", "print('hi')"]) == Completed(0, "hi\n", "")
    slow = SubprocessRunner(timeout=0.2).run([PY, "-c", "import time; time.sleep(5)"])
    assert slow.returncode == 124 and "did not finish within 0.2 s" in slow.stderr
    with pytest.raises(CommandFailed, match="failed: boom"):
        runner.run([PY, "-c", "import sys; sys.exit('boom')"], check=True)


def test_recording_runner_answers_by_longest_prefix() -> None:
    runner = RecordingRunner(
        {("a",): Completed(1, "short"), ("a", "b"): Completed(2, "long")},
        default=Completed(0, "default"),
    )
    assert runner.run(["a", "b", "c"]).stdout == "long"
    assert runner.run(["a", "x"]).stdout == "short"
    assert runner.run(["z"]).stdout == "default"
    assert runner.calls == [["a", "b", "c"], ["a", "x"], ["z"]]
    with pytest.raises(CommandFailed):
        runner.run(["a"], check=True)


# --- the API's hook beside the daemon's (`install-daemon --api`) ----------------------------

API_UNIT = "amx-studio-api.service"
API_LABEL = "com.amx-studio.api"
API_TASK = "AMX Studio API"


@pytest.fixture
def api(cmd: DaemonCommand) -> DaemonCommand:
    return api_command(cmd, "127.0.0.1", 8470)


def test_api_command_runs_the_api_module_on_the_daemons_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert api_command(DaemonCommand.build(), "127.0.0.1", 8470).argv == (
        PY, "-m", "daemon.api", "--host", "127.0.0.1", "--port", "8470",
    )  # fmt: skip
    url = "postgresql+psycopg://amx@db.example/amx"
    built = api_command(DaemonCommand.build(url), "::1", 9000)
    assert built.argv == (
        PY, "-m", "daemon.api", "--database-url", url, "--host", "::1", "--port", "9000",
    )  # fmt: skip
    assert hooks.listens_on(built.argv) == ("::1", 9000)
    monkeypatch.setenv("AMX_DATABASE_URL", "postgresql+psycopg://amx:env:PGPASSWORD@db/amx")
    daemon = DaemonCommand.build()
    served = api_command(daemon, "127.0.0.1", 8470)
    assert served.environment == daemon.environment
    assert served.working_directory == daemon.working_directory
    assert served.password_variables == ("PGPASSWORD",)


@pytest.mark.parametrize(
    ("host", "port", "field"),
    [("bad host", 8470, "api_host"), ('x"; rm', 8470, "api_host"), ("", 8470, "api_host"),
     ("127.0.0.1", 0, "api_port"), ("127.0.0.1", 70000, "api_port")],
)  # fmt: skip
def test_api_command_refuses_an_unusable_address_in_one_sentence(
    cmd: DaemonCommand, host: str, port: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        api_command(cmd, host, port)
    assert err.value.field == field
    assert one_sentence(str(err.value))


def test_api_command_keeps_refusing_a_literal_password(cmd: DaemonCommand) -> None:
    smuggled = DaemonCommand.__new__(DaemonCommand)
    object.__setattr__(smuggled, "argv", (*cmd.argv, "--database-url", "postgresql://a:pw@h/d"))
    for name in ("working_directory", "log_directory", "environment"):
        object.__setattr__(smuggled, name, getattr(cmd, name))
    with pytest.raises(InvalidInput, match="holds a password"):
        api_command(smuggled, "127.0.0.1", 8470)


def test_api_unit_passes_the_real_systemd_analyze_verify(
    api: DaemonCommand, tmp_path: Path
) -> None:
    text = systemd.render(api, "api")
    result = verify_unit(text, tmp_path, API_UNIT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    exec_start = next(line for line in lines(text) if line.startswith("ExecStart="))
    assert systemd_words(exec_start.removeprefix("ExecStart=")) == list(api.argv)


def test_api_unit_with_awkward_paths_and_a_url_passes_verify(tmp_path: Path) -> None:
    home = tmp_path / "py dir %h $HOME ü"
    home.mkdir()
    python = home / "python 3"
    python.symlink_to(PY)
    url = f"sqlite:///{tmp_path}/team 100% $HOME/amx.db"
    built = api_command(
        DaemonCommand.build(url, python=str(python), environ={"PATH": "/a b:%h"}), "::1", 8471
    )
    text = systemd.render(built, "api")
    result = verify_unit(text, tmp_path, API_UNIT)
    assert result.returncode == 0, result.stderr
    exec_start = next(line for line in lines(text) if line.startswith("ExecStart="))
    assert systemd_words(exec_start.removeprefix("ExecStart=")) == list(built.argv)


def test_api_unit_shares_the_daemons_environment_and_always_restarts(
    cmd: DaemonCommand, api: DaemonCommand
) -> None:
    daemon, served = lines(systemd.render(cmd)), lines(systemd.render(api, "api"))
    shared = [line for line in daemon if line.startswith(("Environment=", "WorkingDirectory="))]
    assert shared and [line for line in served if line in shared] == shared
    assert served[served.index("[Unit]") :] == [
        "[Unit]",
        "Description=AMX Studio Schedules HTTP API (amx serve)",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={PY} -m daemon.api --host 127.0.0.1 --port 8470",
        f"WorkingDirectory={Path.home()}",
        'Environment="LANG=C.UTF-8"',
        'Environment="PATH=/usr/local/bin:/usr/bin:/bin"',
        "# The API serves whether or not the daemon runs, so it comes back whenever it stops.",
        "Restart=always",
        "RestartSec=5",
        "# On SIGTERM the API finishes the requests it is answering, then exits.",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=30",
        "",
        "[Install]",
        "WantedBy=default.target",
    ]


def test_systemd_api_install_reinstall_status_and_uninstall(
    cmd: DaemonCommand, api: DaemonCommand
) -> None:
    hooks.install("linux", RecordingRunner(), cmd)
    daemon_unit = systemd.path().read_bytes()
    runner = RecordingRunner()
    result = hooks.install("linux", runner, api, "api")
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / API_UNIT
    assert result.ok and result.path == unit == systemd.path("api")
    assert result.message == (
        f"installed {unit} and started {API_UNIT}; it starts at login and comes back whenever "
        "it stops."
    )
    assert runner.calls == [
        ["systemctl", "--user", "show-environment"],
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", API_UNIT],
    ]
    assert unit.read_text() == systemd.render(api, "api")
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert systemd.path().read_bytes() == daemon_unit
    first = unit.read_bytes()
    runner = RecordingRunner()
    again = hooks.install("linux", runner, api, "api")
    assert again.ok and "restarted" in again.message and unit.read_bytes() == first
    assert runner.calls[1:] == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", API_UNIT],
        ["systemctl", "--user", "restart", "--no-block", API_UNIT],
    ]
    assert hooks.api_url("linux") == "http://127.0.0.1:8470"
    answers = {
        ("systemctl", "--user", "is-enabled"): Completed(0, "enabled\n"),
        ("systemctl", "--user", "is-active"): Completed(0, "active\n"),
    }
    runner = RecordingRunner(answers)
    assert hooks.status("linux", runner, "api") == hooks.HookStatus(True, True, "enabled, active")
    assert runner.calls == [
        ["systemctl", "--user", "is-enabled", API_UNIT],
        ["systemctl", "--user", "is-active", API_UNIT],
    ]
    runner = RecordingRunner()
    gone = hooks.uninstall("linux", runner, "api")
    assert gone.ok and gone.message == (
        f"stopped the API (it finishes open requests first) and removed {unit}."
    )
    assert runner.calls == [
        ["systemctl", "--user", "disable", "--now", "--no-block", API_UNIT],
        ["systemctl", "--user", "daemon-reload"],
    ]
    assert not unit.exists() and systemd.path().read_bytes() == daemon_unit
    assert hooks.api_url("linux") is None
    asked = RecordingRunner()
    assert hooks.status("linux", asked, "api") == hooks.HookStatus(
        False, False, f"not installed (no {unit})"
    )
    assert asked.calls == [], "without an API unit the OS is not asked about it"


def test_launchd_api_agent_always_comes_back(api: DaemonCommand) -> None:
    runner = RecordingRunner()
    result = hooks.install("macos", runner, api, "api")
    plist = Path.home() / "Library" / "LaunchAgents" / f"{API_LABEL}.plist"
    assert result.ok and result.path == plist == launchd.path("api")
    log = str(api.log_directory / "api.log")
    assert plistlib.loads(plist.read_bytes()) == {
        "Label": API_LABEL,
        "ProgramArguments": [PY, "-m", "daemon.api", "--host", "127.0.0.1", "--port", "8470"],
        "WorkingDirectory": str(Path.home()),
        "EnvironmentVariables": {"LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin"},
        "RunAtLoad": True,
        "KeepAlive": True,
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "ProcessType": "Background",
    }
    assert runner.calls == [
        ["launchctl", "bootout", f"gui/{UID}/{API_LABEL}"],
        ["launchctl", "bootstrap", f"gui/{UID}", str(plist)],
    ]
    assert not launchd.path().exists(), "the daemon's agent is its own"
    assert hooks.api_url("macos") == "http://127.0.0.1:8470"
    printed = Completed(0, f"gui/{UID}/{API_LABEL} = {{\n\tstate = running\n\tpid = 77\n}}\n")
    runner = RecordingRunner({("launchctl", "print"): printed})
    assert hooks.status("macos", runner, "api") == hooks.HookStatus(
        True, True, "loaded, running, pid 77"
    )
    assert runner.calls == [["launchctl", "print", f"gui/{UID}/{API_LABEL}"]]
    runner = RecordingRunner()
    gone = hooks.uninstall("macos", runner, "api")
    assert gone.ok and gone.message == f"stopped the API and removed {plist}."
    assert runner.calls == [["launchctl", "bootout", f"gui/{UID}/{API_LABEL}"]]
    assert not plist.exists()


def test_windows_api_task_xml_and_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMX_DATABASE_URL", "sqlite:////home/Ann Lee/amx.db")
    built = api_command(DaemonCommand.build(), "0.0.0.0", 8480)
    runner = RecordingRunner()
    result = hooks.install("windows", runner, built, "api")
    xml = Path(os.environ["XDG_DATA_HOME"]) / "amx-studio" / "amx-api-task.xml"
    assert result.ok and result.path == xml == windows.path("api")
    raw = xml.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    task = ET.fromstring(raw)

    def find(path: str) -> str | None:
        return task.findtext("/".join(NS + part for part in path.split("/")))

    assert find("RegistrationInfo/URI") == f"\\{API_TASK}"
    assert find("Triggers/LogonTrigger/UserId") == "CORP\\ann"
    assert find("Settings/RestartOnFailure/Count") == "255"
    assert find("Actions/Exec/Command") == PY
    assert find("Actions/Exec/Arguments") == (
        '-m daemon.api --host 0.0.0.0 --port 8480 --database-url "sqlite:////home/Ann Lee/amx.db"'
    )
    assert runner.calls == [
        ["schtasks", "/Create", "/TN", API_TASK, "/XML", str(xml), "/F"],
        ["schtasks", "/Run", "/TN", API_TASK],
    ]
    assert hooks.api_url("windows") == "http://0.0.0.0:8480"
    runner = RecordingRunner()
    gone = hooks.uninstall("windows", runner, "api")
    assert gone.ok and gone.message == f"stopped the API and deleted the task '{API_TASK}'."
    assert runner.calls == [
        ["schtasks", "/End", "/TN", API_TASK],
        ["schtasks", "/Delete", "/TN", API_TASK, "/F"],
    ]
    assert not xml.exists()


@pytest.mark.parametrize("platform", hooks.PLATFORMS)
def test_api_preview_shows_the_exact_commands_and_installs_nothing(
    platform: hooks.Platform, api: DaemonCommand
) -> None:
    text = hooks.preview(platform, api, "api")
    target = hooks.path(platform, "api")
    assert f": {target}\n" in text and "for the API" in text
    assert hooks.hook(platform).render(api, "api").rstrip("\n") in text
    assert not target.exists()
    shown = [line.split("    #")[0] for line in text.split("# and then run:\n")[1].splitlines()]
    runner = RecordingRunner()
    assert hooks.install(platform, runner, api, "api").ok
    join = subprocess.list2cmdline if platform == "windows" else shlex.join
    assert shown == [join(argv) for argv in runner.calls]


def test_no_secret_reaches_an_api_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AMX_DATABASE_URL", "postgresql+psycopg://amx:env:PGPASSWORD@db/amx")
    built = api_command(DaemonCommand.build(), "127.0.0.1", 8470)
    for platform in hooks.PLATFORMS:
        text = hooks.preview(platform, built, "api")
        for name, value in SECRETS.items():
            assert value not in text, f"{name} leaked into the {platform} API hook"
        assert "env:PGPASSWORD" in text
        warnings = hooks.install(platform, RecordingRunner(), built, "api").warnings
        assert any("$PGPASSWORD" in w for w in warnings), platform
