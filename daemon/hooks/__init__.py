"""The per-OS hook that keeps the daemon (`python -m daemon`) running: systemd --user, launchd
or Task Scheduler.

Uninstalling removes only the OS hook; schedules stay queued in the database.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, Protocol

from daemon.hooks import launchd, systemd, windows
from daemon.hooks.base import KEEP_QUEUED, HookStatus, InstallResult
from daemon.hooks.runner import (
    CommandFailed,
    CommandRunner,
    Completed,
    RecordingRunner,
    SubprocessRunner,
)
from daemon.hooks.spec import DaemonCommand

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
    "current_platform",
    "hook",
    "install",
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

    def path(self) -> Path: ...
    def render(self, cmd: DaemonCommand) -> str: ...
    def preview(self, cmd: DaemonCommand) -> str: ...
    def install(self, runner: CommandRunner, cmd: DaemonCommand) -> InstallResult: ...
    def uninstall(self, runner: CommandRunner) -> InstallResult: ...
    def status(self, runner: CommandRunner) -> HookStatus: ...


def hook(platform: Platform) -> Hook:
    """The platform's module."""
    hooks: dict[Platform, Hook] = {"linux": systemd, "macos": launchd, "windows": windows}
    return hooks[platform]


def path(platform: Platform) -> Path:
    """Where the platform's hook file goes."""
    return hook(platform).path()


def preview(platform: Platform, cmd: DaemonCommand) -> str:
    """What `--print` shows: target path, file content and the command lines; installs nothing."""
    return hook(platform).preview(cmd)


def install(platform: Platform, runner: CommandRunner, cmd: DaemonCommand) -> InstallResult:
    """Install (or reinstall) the hook and start the daemon; idempotent."""
    return hook(platform).install(runner, cmd)


def uninstall(platform: Platform, runner: CommandRunner) -> InstallResult:
    """Stop the daemon and remove the hook; schedules stay queued."""
    return hook(platform).uninstall(runner)


def status(platform: Platform, runner: CommandRunner) -> HookStatus:
    """Whether the hook is installed and the OS reports the daemon running."""
    return hook(platform).status(runner)
