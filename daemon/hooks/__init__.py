"""The per-OS hook that keeps the daemon (`python -m daemon`) running: systemd --user, launchd
or Task Scheduler; and, beside it when asked, a second hook that keeps the HTTP API
(`python -m daemon.api`) running.

Uninstalling removes only the OS hook; schedules stay queued in the database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Protocol

from daemon.api.address import base_url
from daemon.hooks import launchd, systemd, windows
from daemon.hooks.base import KEEP_QUEUED, HookStatus, InstallResult, Which
from daemon.hooks.runner import (
    CommandFailed,
    CommandRunner,
    Completed,
    RecordingRunner,
    SubprocessRunner,
)
from daemon.hooks.spec import DaemonCommand, api_command, listens_on

Platform = Literal["linux", "macos", "windows"]
PLATFORMS: tuple[Platform, ...] = ("linux", "macos", "windows")

__all__ = [
    "KEEP_QUEUED",
    "PLATFORMS",
    "CommandFailed",
    "CommandRunner",
    "Completed",
    "DaemonCommand",
    "Hook",
    "HookStatus",
    "InstallResult",
    "Platform",
    "RecordingRunner",
    "SubprocessRunner",
    "Which",
    "api_command",
    "api_url",
    "current_platform",
    "hook",
    "install",
    "listens_on",
    "path",
    "preview",
    "status",
    "uninstall",
]


def current_platform(name: str | None = None) -> Platform:
    """The hook flavour for this OS (or for a sys.platform value); other Unixes get systemd."""
    name = sys.platform if name is None else name
    if name == "darwin":
        return "macos"
    if name in ("win32", "cygwin"):
        return "windows"
    return "linux"


class Hook(Protocol):
    """What each platform module provides."""

    def path(self, which: Which = ...) -> Path: ...
    def render(self, cmd: DaemonCommand, which: Which = ...) -> str: ...
    def preview(self, cmd: DaemonCommand, which: Which = ...) -> str: ...
    def install(
        self, runner: CommandRunner, cmd: DaemonCommand, which: Which = ...
    ) -> InstallResult: ...
    def uninstall(self, runner: CommandRunner, which: Which = ...) -> InstallResult: ...
    def status(self, runner: CommandRunner, which: Which = ...) -> HookStatus: ...
    def installed_argv(self, which: Which = ...) -> list[str] | None: ...


def hook(platform: Platform) -> Hook:
    """The platform's module."""
    hooks: dict[Platform, Hook] = {"linux": systemd, "macos": launchd, "windows": windows}
    return hooks[platform]


def path(platform: Platform, which: Which = "daemon") -> Path:
    """Where the platform's hook file goes."""
    return hook(platform).path(which)


def preview(platform: Platform, cmd: DaemonCommand, which: Which = "daemon") -> str:
    """What `--print` shows: target path, file content and the command lines; installs nothing."""
    return hook(platform).preview(cmd, which)


def install(
    platform: Platform, runner: CommandRunner, cmd: DaemonCommand, which: Which = "daemon"
) -> InstallResult:
    """Install (or reinstall) the hook and start what it runs; idempotent.

    For the API hook, `cmd` is the API's command (`api_command`).
    """
    return hook(platform).install(runner, cmd, which)


def uninstall(platform: Platform, runner: CommandRunner, which: Which = "daemon") -> InstallResult:
    """Stop what the hook runs and remove the hook; schedules stay queued."""
    return hook(platform).uninstall(runner, which)


def status(platform: Platform, runner: CommandRunner, which: Which = "daemon") -> HookStatus:
    """Whether the hook is installed and the OS reports what it runs as running.

    Without an API hook file the OS is not asked about the API.
    """
    return hook(platform).status(runner, which)


def api_url(platform: Platform) -> str | None:
    """Where the installed API hook's server listens (http://host:port), if one is installed."""
    argv = hook(platform).installed_argv("api")
    found = listens_on(argv) if argv else None
    return base_url(*found) if found else None
