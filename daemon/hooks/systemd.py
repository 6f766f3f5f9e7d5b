"""Linux: a systemd --user unit that starts the daemon at login and restarts it on failure."""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

from core.errors import InvalidInput
from daemon.hooks.base import (
    KEEP_QUEUED,
    NO_MANAGER_HINT,
    HookStatus,
    InstallResult,
    Step,
    format_preview,
    password_warnings,
    read_or_none,
    restore,
    write_atomic,
)
from daemon.hooks.runner import CommandRunner, Completed
from daemon.hooks.spec import DaemonCommand

UNIT = "amx-daemon.service"
SYSTEMCTL = ["systemctl", "--user"]
PROBE = [*SYSTEMCTL, "show-environment"]
RELOAD = [*SYSTEMCTL, "daemon-reload"]
ENABLE_NOW = [*SYSTEMCTL, "enable", "--now", UNIT]
ENABLE = [*SYSTEMCTL, "enable", UNIT]
# --no-block: a stop waits for the daemon to drain (up to TimeoutStopSec=60), longer than the
# runner's timeout; systemd carries the job out on its own.
RESTART = [*SYSTEMCTL, "restart", "--no-block", UNIT]
DISABLE_NOW = [*SYSTEMCTL, "disable", "--now", "--no-block", UNIT]
IS_ENABLED = [*SYSTEMCTL, "is-enabled", UNIT]
IS_ACTIVE = [*SYSTEMCTL, "is-active", UNIT]
_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./$-]+")


def _user() -> str:
    return os.environ.get("USER") or getpass.getuser()


def linger_check() -> list[str]:
    """The loginctl line that tells whether the user's services outlive their sessions."""
    return ["loginctl", "show-user", _user(), "--property=Linger"]


def path() -> Path:
    """Where the unit lives: the user's systemd config directory."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user" / UNIT


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def exec_arg(arg: str) -> str:
    """One ExecStart argument: % and $ doubled (specifiers, variables), quoted when not bare."""
    doubled = arg.replace("%", "%%").replace("$", "$$")
    if _BARE.fullmatch(arg):
        return doubled
    return f'"{_escape(doubled)}"'


def exec_program(program: str) -> str:
    """The ExecStart executable: systemd expands only specifiers there and refuses quotes."""
    if any(ch in "\"'\\" or ord(ch) < 0x20 or ch == "\x7f" for ch in program):
        raise InvalidInput(
            "python",
            f"systemd cannot start a program whose path holds quotes or backslashes ({program}); "
            "install amx under a plainer path.",
        )
    doubled = program.replace("%", "%%")
    return doubled if _BARE.fullmatch(program) else f'"{doubled}"'


def render(cmd: DaemonCommand) -> str:
    """The unit file's text."""
    exec_start = " ".join([exec_program(cmd.argv[0]), *map(exec_arg, cmd.argv[1:])])
    environment = [
        f'Environment="{_escape(f"{name}={value}".replace("%", "%%"))}"'
        for name, value in cmd.environment
    ]
    workdir = str(cmd.working_directory).replace("%", "%%")
    return "\n".join(
        [
            "# Written by `amx schedule install-daemon`; reinstalling overwrites edits.",
            "[Unit]",
            "Description=AMX Studio Schedules daemon (fires queued metadata analysis runs)",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={exec_start}",
            f"WorkingDirectory={workdir}",
            *environment,
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
            "",
        ]
    )


def _steps(reinstall: bool) -> list[Step]:
    steps = [Step(PROBE, "checks the user service manager answers"), Step(RELOAD)]
    if reinstall:
        steps += [Step(ENABLE), Step(RESTART, "already installed: restart on the new unit")]
    else:
        steps.append(Step(ENABLE_NOW))
    return [*steps, Step(linger_check(), "checks the daemon keeps running after logout")]


def preview(cmd: DaemonCommand) -> str:
    """What `--print` shows; installs nothing."""
    return format_preview("systemd --user unit", path(), render(cmd), _steps(path().exists()))


def _no_manager(done: Completed) -> str:
    cause = (
        "systemctl is not installed"
        if done.returncode == 127
        else f'systemctl --user says "{done.reason()}"'
    )
    return f"the systemd user service manager is not available here ({cause}); {NO_MANAGER_HINT}."


def _linger_warning(runner: CommandRunner) -> tuple[str, ...]:
    done = runner.run(linger_check())
    if done.ok and "linger=no" in done.stdout.strip().lower():
        return (
            "--user services stop when you log out (e.g. over SSH); keep it running with: "
            f"loginctl enable-linger {_user()}",
        )
    return ()


def install(runner: CommandRunner, cmd: DaemonCommand) -> InstallResult:
    """Write the unit, reload, enable and start it (restart it when it was already there)."""
    probe = runner.run(PROBE)
    if not probe.ok:
        return InstallResult(False, _no_manager(probe))
    target = path()
    previous = read_or_none(target)
    write_atomic(target, render(cmd).encode("utf-8"), 0o644)
    commands = [RELOAD, ENABLE, RESTART] if previous is not None else [RELOAD, ENABLE_NOW]
    for argv in commands:
        done = runner.run(argv)
        if not done.ok:
            restore(target, previous)
            runner.run(RELOAD)
            return InstallResult(
                False, f"{' '.join(argv)} failed ({done.reason()}); the unit was not installed."
            )
    started = f"started {UNIT}"
    if previous is not None:
        started = f"restarted {UNIT} (running jobs finish first)"
    return InstallResult(
        True,
        f"installed {target} and {started}; it starts at login and restarts on failure.",
        target,
        _linger_warning(runner) + password_warnings(cmd),
    )


def uninstall(runner: CommandRunner) -> InstallResult:
    """Stop and disable the unit and remove its file; the schedules themselves are untouched."""
    target = path()
    existed = target.exists()
    runner.run(DISABLE_NOW)
    target.unlink(missing_ok=True)
    runner.run(RELOAD)
    if not existed:
        return InstallResult(True, f"no daemon unit was installed at {target}; {KEEP_QUEUED}.")
    return InstallResult(
        True,
        f"stopped the daemon (it finishes running jobs first) and removed {target}; {KEEP_QUEUED}.",
        target,
    )


def status(runner: CommandRunner) -> HookStatus:
    """Ask systemd whether the unit is enabled and active."""
    target = path()
    installed = target.exists()
    enabled = runner.run(IS_ENABLED)
    active = runner.run(IS_ACTIVE)
    for done in (enabled, active):
        if done.returncode == 127 or "failed to connect to bus" in done.stderr.lower():
            where = f"unit file {target}" if installed else "no unit file"
            return HookStatus(installed, None, f"{where}; {_no_manager(done)}")
    enabled_state = enabled.stdout.strip() or enabled.reason()
    active_state = active.stdout.strip() or active.reason()
    if not installed:
        return HookStatus(False, active_state == "active", f"not installed (no {target})")
    return HookStatus(True, active_state == "active", f"{enabled_state}, {active_state}")
