"""`amx schedule install-daemon | uninstall-daemon | status`: the OS hook and the firing state."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from studio_tui.commands.base import EXIT_OK, EXIT_REFUSED, Context

if TYPE_CHECKING:
    from daemon import hooks

# daemon.hooks.PLATFORMS, written out: that package loads the storage layer, which the parser
# never needs (tests/test_cli_lazy.py keeps the two the same).
PLATFORM_CHOICES = ["linux", "macos", "windows"]


def _platform(ctx: Context) -> hooks.Platform:
    from daemon import hooks

    chosen = getattr(ctx.args, "platform", None)
    if chosen in hooks.PLATFORMS:
        return chosen  # type: ignore[no-any-return]
    return ctx.os_hooks.platform if ctx.os_hooks else hooks.current_platform()


def _runner(ctx: Context) -> hooks.CommandRunner:
    from daemon.hooks import SubprocessRunner

    return ctx.os_hooks.runner if ctx.os_hooks else SubprocessRunner()


def cmd_install(ctx: Context) -> int:
    from daemon import hooks
    from daemon.hooks import DaemonCommand

    platform = _platform(ctx)
    command = DaemonCommand.build(ctx.database_url)
    if ctx.args.print:
        ctx.out.write(hooks.preview(platform, command))
        return EXIT_OK
    result = hooks.install(platform, _runner(ctx), command)
    (ctx.print if result.ok else ctx.err)(
        result.message if result.ok else f"error: {result.message}"
    )
    for warning in result.warnings:
        ctx.err(f"warning: {warning}")
    return EXIT_OK if result.ok else EXIT_REFUSED


def cmd_uninstall(ctx: Context) -> int:
    from daemon import hooks

    result = hooks.uninstall(_platform(ctx), _runner(ctx))
    if not result.ok:
        ctx.err(f"error: {result.message}")
        return EXIT_REFUSED
    ctx.print(result.message)
    return EXIT_OK


def cmd_status(ctx: Context) -> int:
    from daemon import hooks
    from daemon.overview import in_words, overview

    hook = hooks.status(_platform(ctx), _runner(ctx))
    data = overview(ctx.core, hook)
    if ctx.args.json:
        ctx.json(data.as_json())
        return EXIT_OK
    if hook.installed:
        state = {True: "active", False: "installed but not active", None: "installed"}[hook.active]
        ctx.print(f"daemon hook   {state} ({hook.detail})")
    else:
        ctx.print("daemon hook   not installed; `amx schedule install-daemon` installs it")
        if hook.active is None:
            ctx.print(f"              {hook.detail.split('; ', 1)[-1]}")
    if data.last_seen:
        ago = in_words(int((data.last_seen - ctx.clock.now()).total_seconds()))
        alive = f"alive, {len(data.workers)} worker(s)" if data.alive else "not alive"
        ctx.print(f"daemon        {alive}; last heartbeat {ago}")
    else:
        ctx.print("daemon        never seen on this database")
    for w in data.skewed:
        ctx.print(
            f"clock         {w.host} is {w.clock_skew_s:+.1f} s off the database clock "
            "(fire times follow the database; check NTP there)"
        )
    nxt = data.next
    if nxt:
        ctx.print(
            f"next fire     {nxt.name!r} at {nxt.local:%a %Y-%m-%d %H:%M} {nxt.timezone} — "
            f"{in_words(nxt.in_seconds)}"
        )
    else:
        ctx.print("next fire     nothing pending")
    counts = ", ".join(f"{n} {s}" for s, n in data.counts.items() if n)
    ctx.print(f"schedules     {counts or 'none'}")
    if data.warning:
        ctx.err(f"warning: {data.warning}; `amx schedule install-daemon` or `amx daemon run`")
    return EXIT_OK


def register(sched: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the daemon verbs under `amx schedule`."""
    p = sched.add_parser("install-daemon", help="make the OS keep `amx daemon run` running")
    p.add_argument(
        "--print", action="store_true", help="show what would be installed; install nothing"
    )
    p.add_argument("--platform", choices=PLATFORM_CHOICES, help="with --print: another OS's hook")
    p.set_defaults(handler=cmd_install)
    p = sched.add_parser("uninstall-daemon", help="remove the OS hook (schedules stay queued)")
    p.add_argument("--platform", choices=PLATFORM_CHOICES, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_uninstall)
    p = sched.add_parser("status", help="the daemon hook, liveness, the next fire and counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_status)
