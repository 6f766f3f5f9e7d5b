"""macOS: a LaunchAgent that starts the daemon at login and restarts it when it fails."""

from __future__ import annotations

import os
import plistlib
import re
from pathlib import Path
from typing import Any

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
from daemon.hooks.runner import CommandRunner
from daemon.hooks.spec import DaemonCommand

LABEL = "com.amx-studio.daemon"
LOG_NAME = "daemon.log"
LABELS: dict[Which, str] = {"daemon": LABEL, "api": "com.amx-studio.api"}
LOG_NAMES: dict[Which, str] = {"daemon": LOG_NAME, "api": "api.log"}
# The daemon stays down after a clean, deliberate exit; the API always comes back.
KEEP_ALIVE: dict[Which, object] = {"daemon": {"SuccessfulExit": False}, "api": True}
WHAT: dict[Which, str] = {"daemon": "daemon", "api": "API"}


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return int(getuid()) if getuid is not None else 0


def domain() -> str:
    """The login session's launchd domain, gui/UID."""
    return f"gui/{_uid()}"


def service(which: Which = "daemon") -> str:
    """The service target, gui/UID/LABEL."""
    return f"{domain()}/{LABELS[which]}"


def bootout(which: Which = "daemon") -> list[str]:
    """Unload the agent (stops the daemon)."""
    return ["launchctl", "bootout", service(which)]


def bootstrap(which: Which = "daemon") -> list[str]:
    """Load the agent from its plist (starts the daemon: RunAtLoad)."""
    return ["launchctl", "bootstrap", domain(), str(path(which))]


def print_service(which: Which = "daemon") -> list[str]:
    """Ask launchd about the agent."""
    return ["launchctl", "print", service(which)]


def path(which: Which = "daemon") -> Path:
    """Where the agent's plist lives."""
    return Path.home() / "Library" / "LaunchAgents" / f"{LABELS[which]}.plist"


def plist(cmd: DaemonCommand, which: Which = "daemon") -> dict[str, Any]:
    """The agent's definition as a dict."""
    log = str(cmd.log_directory / LOG_NAMES[which])
    return {
        "Label": LABELS[which],
        "ProgramArguments": list(cmd.argv),
        "WorkingDirectory": str(cmd.working_directory),
        "EnvironmentVariables": cmd.env,
        "RunAtLoad": True,
        "KeepAlive": KEEP_ALIVE[which],
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "ProcessType": "Background",
    }


def render(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """The plist file's text."""
    return plistlib.dumps(plist(cmd, which), fmt=plistlib.FMT_XML).decode("utf-8")


def _steps(which: Which) -> list[Step]:
    return [
        Step(bootout(which), "unloads an earlier copy; failure is fine"),
        Step(bootstrap(which)),
    ]


def preview(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """What `--print` shows; installs nothing."""
    what = "launchd LaunchAgent" + (" for the API" if which == "api" else "")
    return format_preview(what, path(which), render(cmd, which), _steps(which))


def installed_argv(which: Which = "daemon") -> list[str] | None:
    """The installed agent's ProgramArguments, or None when there is no plist."""
    raw = read_or_none(path(which))
    if raw is None:
        return None
    try:
        args = plistlib.loads(raw).get("ProgramArguments", [])
    except (plistlib.InvalidFileException, ValueError, AttributeError):
        return []
    return [str(a) for a in args] if isinstance(args, list) else []


def install(runner: CommandRunner, cmd: DaemonCommand, which: Which = "daemon") -> InstallResult:
    """Write the plist, unload any earlier copy and load it again."""
    target = path(which)
    previous = read_or_none(target)
    # launchd opens the log file but does not create its directory.
    cmd.log_directory.mkdir(parents=True, exist_ok=True)
    write_atomic(target, render(cmd, which).encode("utf-8"), 0o644)
    runner.run(bootout(which))
    done = runner.run(bootstrap(which))
    if not done.ok:
        restore(target, previous)
        if done.returncode == 127:
            cause = "launchctl is not installed"
        else:
            cause = f"launchctl bootstrap said: {done.reason()}"
        hint = (
            "; LaunchAgents need a desktop login session, so log in on the Mac once, or "
            + NO_MANAGER_HINT
            if re.search(r"domain", done.stderr, re.IGNORECASE)
            else ""
        )
        return InstallResult(False, f"the LaunchAgent could not be loaded ({cause}){hint}.")
    restarts = "restarts on failure" if which == "daemon" else "comes back whenever it stops"
    return InstallResult(
        True,
        f"installed {target} and started {LABELS[which]}; it starts at login and {restarts}, "
        f"logging to {cmd.log_directory / LOG_NAMES[which]}.",
        target,
        password_warnings(cmd),
    )


def uninstall(runner: CommandRunner, which: Which = "daemon") -> InstallResult:
    """Unload the agent and remove its plist; the schedules themselves are untouched."""
    target = path(which)
    existed = target.exists()
    runner.run(bootout(which))
    target.unlink(missing_ok=True)
    keep = f"; {KEEP_QUEUED}" if which == "daemon" else ""
    if not existed:
        return InstallResult(True, f"no LaunchAgent was installed at {target}{keep}.")
    return InstallResult(True, f"stopped the {WHAT[which]} and removed {target}{keep}.", target)


def status(runner: CommandRunner, which: Which = "daemon") -> HookStatus:
    """Ask launchd whether the agent is loaded and running."""
    target = path(which)
    installed = target.exists()
    if which == "api" and not installed:
        return HookStatus(False, False, f"not installed (no {target})")
    done = runner.run(print_service(which))
    if done.returncode == 127:
        return HookStatus(installed, None, "launchctl is not installed")
    if not done.ok:
        where = f"{target} present" if installed else "not installed"
        return HookStatus(installed, False, f"{where}; not loaded in {domain()}")
    state = re.search(r"^\s*state = (.+)$", done.stdout, re.MULTILINE)
    pid = re.search(r"^\s*pid = (\d+)$", done.stdout, re.MULTILINE)
    state_text = state.group(1).strip() if state else "unknown"
    detail = f"loaded, {state_text}" + (f", pid {pid.group(1)}" if pid else "")
    return HookStatus(installed, state_text == "running", detail)
