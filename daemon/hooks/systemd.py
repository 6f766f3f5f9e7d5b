"""Linux: a systemd --user unit that starts the daemon at login and restarts it on failure."""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from daemon.hooks.base import (
    KEEP_QUEUED,
    NO_MANAGER_HINT,
    HookStatus,
    InstallResult,
    Step,
    Which,
    format_preview,
    password_warnings,
    read_or_none,
    restore,
    write_atomic,
)
from daemon.hooks.runner import CommandRunner, Completed
from daemon.hooks.spec import DaemonCommand

UNIT = "amx-daemon.service"
API_UNIT = "amx-studio-api.service"
SYSTEMCTL = ["systemctl", "--user"]
PROBE = [*SYSTEMCTL, "show-environment"]
RELOAD = [*SYSTEMCTL, "daemon-reload"]
_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./$-]+")


@dataclass(frozen=True)
class Unit:
    """One unit amx installs: its name and what sets it apart."""

    name: str
    description: str
    what: str  # how messages name what it runs
    service: tuple[str, ...]  # the [Service] lines after the environment
    restarted: str  # what a reinstall says about the restart
    stopping: str  # what uninstall says about the stop
    removed: str  # what uninstall adds after "removed PATH"
    keeps: str  # the install message's closing words


UNITS: dict[Which, Unit] = {
    "daemon": Unit(
        name=UNIT,
        description="AMX Studio Schedules daemon (fires queued metadata analysis runs)",
        what="daemon",
        service=(
            "Restart=on-failure",
            "RestartSec=5",
            "# The daemon finishes its running jobs on SIGTERM before it exits; it stops its own",
            "# job process, so only the daemon gets the signal.",
            "KillSignal=SIGTERM",
            "KillMode=mixed",
            "TimeoutStopSec=60",
        ),
        restarted="running jobs finish first",
        stopping="it finishes running jobs first",
        removed=f"; {KEEP_QUEUED}",
        keeps="it starts at login and restarts on failure",
    ),
    "api": Unit(
        name=API_UNIT,
        description="AMX Studio Schedules HTTP API (amx serve)",
        what="API",
        service=(
            "# The API serves whether or not the daemon runs, so it comes back whenever it stops.",
            "Restart=always",
            "RestartSec=5",
            "# On SIGTERM the API finishes the requests it is answering, then exits.",
            "KillSignal=SIGTERM",
            "TimeoutStopSec=30",
        ),
        restarted="open requests finish first",
        stopping="it finishes open requests first",
        removed="",
        keeps="it starts at login and comes back whenever it stops",
    ),
}


def _ctl(*words: str, which: Which = "daemon") -> list[str]:
    return [*SYSTEMCTL, *words, UNITS[which].name]


ENABLE_NOW = _ctl("enable", "--now")
ENABLE = _ctl("enable")
# --no-block: a stop waits for the daemon to drain (up to TimeoutStopSec=60), longer than the
# runner's timeout; systemd carries the job out on its own.
RESTART = _ctl("restart", "--no-block")
DISABLE_NOW = _ctl("disable", "--now", "--no-block")
IS_ENABLED = _ctl("is-enabled")
IS_ACTIVE = _ctl("is-active")


def _user() -> str:
    return os.environ.get("USER") or getpass.getuser()


def linger_check() -> list[str]:
    """The loginctl line that tells whether the user's services outlive their sessions."""
    return ["loginctl", "show-user", _user(), "--property=Linger"]


def path(which: Which = "daemon") -> Path:
    """Where the unit lives: the user's systemd config directory."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user" / UNITS[which].name


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


def render(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """The unit file's text."""
    unit = UNITS[which]
    exec_start = " ".join([exec_program(cmd.argv[0]), *map(exec_arg, cmd.argv[1:])])
    environment = [
        f'Environment="{_escape(f"{name}={value}".replace("%", "%%"))}"'
        for name, value in cmd.environment
    ]
    workdir = str(cmd.working_directory).replace("%", "%%")
    return "\n".join(
        [
            f"# Written by `amx schedule install-daemon{' --api' if which == 'api' else ''}`; "
            "reinstalling overwrites edits.",
            "[Unit]",
            f"Description={unit.description}",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={exec_start}",
            f"WorkingDirectory={workdir}",
            *environment,
            *unit.service,
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ]
    )


def _commands(reinstall: bool, which: Which) -> list[list[str]]:
    if reinstall:
        return [RELOAD, _ctl("enable", which=which), _ctl("restart", "--no-block", which=which)]
    return [RELOAD, _ctl("enable", "--now", which=which)]


def _steps(reinstall: bool, which: Which) -> list[Step]:
    notes = {"restart": "already installed: restart on the new unit"}
    steps = [Step(PROBE, "checks the user service manager answers")]
    steps += [Step(argv, notes.get(argv[2], "")) for argv in _commands(reinstall, which)]
    if which == "api":
        return steps
    return [*steps, Step(linger_check(), "checks the daemon keeps running after logout")]


def preview(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """What `--print` shows; installs nothing."""
    target = path(which)
    what = "systemd --user unit" + (" for the API" if which == "api" else "")
    return format_preview(what, target, render(cmd, which), _steps(target.exists(), which))


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


def install(runner: CommandRunner, cmd: DaemonCommand, which: Which = "daemon") -> InstallResult:
    """Write the unit, reload, enable and start it (restart it when it was already there)."""
    unit = UNITS[which]
    probe = runner.run(PROBE)
    if not probe.ok:
        return InstallResult(False, _no_manager(probe))
    target = path(which)
    previous = read_or_none(target)
    write_atomic(target, render(cmd, which).encode("utf-8"), 0o644)
    for argv in _commands(previous is not None, which):
        done = runner.run(argv)
        if not done.ok:
            restore(target, previous)
            runner.run(RELOAD)
            return InstallResult(
                False, f"{' '.join(argv)} failed ({done.reason()}); the unit was not installed."
            )
    started = f"started {unit.name}"
    if previous is not None:
        started = f"restarted {unit.name} ({unit.restarted})"
    linger = _linger_warning(runner) if which == "daemon" else ()
    return InstallResult(
        True,
        f"installed {target} and {started}; {unit.keeps}.",
        target,
        linger + password_warnings(cmd),
    )


def uninstall(runner: CommandRunner, which: Which = "daemon") -> InstallResult:
    """Stop and disable the unit and remove its file; the schedules themselves are untouched."""
    unit = UNITS[which]
    target = path(which)
    existed = target.exists()
    runner.run(_ctl("disable", "--now", "--no-block", which=which))
    target.unlink(missing_ok=True)
    runner.run(RELOAD)
    if not existed:
        return InstallResult(True, f"no {unit.what} unit was installed at {target}{unit.removed}.")
    return InstallResult(
        True,
        f"stopped the {unit.what} ({unit.stopping}) and removed {target}{unit.removed}.",
        target,
    )


def installed_argv(which: Which = "daemon") -> list[str] | None:
    """The installed unit's ExecStart words, split on blanks (enough for its bare flags)."""
    text = read_or_none(path(which))
    if text is None:
        return None
    for line in text.decode("utf-8", "replace").splitlines():
        if line.startswith("ExecStart="):
            return line.removeprefix("ExecStart=").split()
    return []


def status(runner: CommandRunner, which: Which = "daemon") -> HookStatus:
    """Ask systemd whether the unit is enabled and active."""
    target = path(which)
    installed = target.exists()
    if which == "api" and not installed:
        return HookStatus(False, False, f"not installed (no {target})")
    enabled = runner.run(_ctl("is-enabled", which=which))
    active = runner.run(_ctl("is-active", which=which))
    for done in (enabled, active):
        if done.returncode == 127 or "failed to connect to bus" in done.stderr.lower():
            where = f"unit file {target}" if installed else "no unit file"
            return HookStatus(installed, None, f"{where}; {_no_manager(done)}")
    enabled_state = enabled.stdout.strip() or enabled.reason()
    active_state = active.stdout.strip() or active.reason()
    if not installed:
        return HookStatus(False, active_state == "active", f"not installed (no {target})")
    return HookStatus(True, active_state == "active", f"{enabled_state}, {active_state}")
