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


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return int(getuid()) if getuid is not None else 0


def domain() -> str:
    """The login session's launchd domain, gui/UID."""
    return f"gui/{_uid()}"


def service() -> str:
    """The service target, gui/UID/LABEL."""
    return f"{domain()}/{LABEL}"


def bootout() -> list[str]:
    """Unload the agent (stops the daemon)."""
    return ["launchctl", "bootout", service()]


def bootstrap() -> list[str]:
    """Load the agent from its plist (starts the daemon: RunAtLoad)."""
    return ["launchctl", "bootstrap", domain(), str(path())]


def print_service() -> list[str]:
    """Ask launchd about the agent."""
    return ["launchctl", "print", service()]


def path() -> Path:
    """Where the agent's plist lives."""
    return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def plist(cmd: DaemonCommand) -> dict[str, Any]:
    """The agent's definition as a dict."""
    log = str(cmd.log_directory / LOG_NAME)
    return {
        "Label": LABEL,
        "ProgramArguments": list(cmd.argv),
        "WorkingDirectory": str(cmd.working_directory),
        "EnvironmentVariables": cmd.env,
        "RunAtLoad": True,
        # Restart after a crash, but not after a clean, deliberate exit.
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "ProcessType": "Background",
    }


def render(cmd: DaemonCommand) -> str:
    """The plist file's text."""
    return plistlib.dumps(plist(cmd), fmt=plistlib.FMT_XML).decode("utf-8")


def _steps() -> list[Step]:
    return [
        Step(bootout(), "unloads an earlier copy; failure is fine"),
        Step(bootstrap()),
    ]


def preview(cmd: DaemonCommand) -> str:
    """What `--print` shows; installs nothing."""
    return format_preview("launchd LaunchAgent", path(), render(cmd), _steps())


def install(runner: CommandRunner, cmd: DaemonCommand) -> InstallResult:
    """Write the plist, unload any earlier copy and load it again."""
    target = path()
    previous = read_or_none(target)
    # launchd opens the log file but does not create its directory.
    cmd.log_directory.mkdir(parents=True, exist_ok=True)
    write_atomic(target, render(cmd).encode("utf-8"), 0o644)
    runner.run(bootout())
    done = runner.run(bootstrap())
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
    return InstallResult(
        True,
        f"installed {target} and started {LABEL}; it starts at login and restarts on failure, "
        f"logging to {cmd.log_directory / LOG_NAME}.",
        target,
        password_warnings(cmd),
    )


def uninstall(runner: CommandRunner) -> InstallResult:
    """Unload the agent and remove its plist; the schedules themselves are untouched."""
    target = path()
    existed = target.exists()
    runner.run(bootout())
    target.unlink(missing_ok=True)
    if not existed:
        return InstallResult(True, f"no LaunchAgent was installed at {target}; {KEEP_QUEUED}.")
    return InstallResult(True, f"stopped the daemon and removed {target}; {KEEP_QUEUED}.", target)


def status(runner: CommandRunner) -> HookStatus:
    """Ask launchd whether the agent is loaded and running."""
    target = path()
    installed = target.exists()
    done = runner.run(print_service())
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
