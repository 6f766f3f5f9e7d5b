"""`amx schedule install-daemon | uninstall-daemon | status`: the OS hooks (the daemon's, and
the HTTP API's beside it with `--api`) and the firing state."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from core.text import counted
from studio_tui.commands.base import EXIT_OK, EXIT_REFUSED, Context
from studio_tui.commands.serve import port_number

if TYPE_CHECKING:
    from daemon import hooks
    from daemon.hooks import DaemonCommand, InstallResult

# daemon.hooks.PLATFORMS and the API's default address, written out: those modules load the
# storage layer, which the parser never needs (tests/test_cli_lazy.py keeps them the same).
PLATFORM_CHOICES = ["linux", "macos", "windows"]
API_HOST = "127.0.0.1"
API_PORT = 8470


def _platform(ctx: Context) -> hooks.Platform:
    from daemon import hooks

    chosen = getattr(ctx.args, "platform", None)
    if chosen in hooks.PLATFORMS:
        return chosen  # type: ignore[no-any-return]
    return ctx.os_hooks.platform if ctx.os_hooks else hooks.current_platform()


def _runner(ctx: Context) -> hooks.CommandRunner:
    from daemon.hooks import SubprocessRunner

    return ctx.os_hooks.runner if ctx.os_hooks else SubprocessRunner()


def _api(ctx: Context, command: DaemonCommand) -> DaemonCommand | None:
    """The API's command when `--api` is given; refuses API options given without it."""
    from core.errors import InvalidInput
    from daemon.hooks import api_command

    args = ctx.args
    if not args.api:
        if args.api_host is not None or args.api_port is not None:
            raise InvalidInput(
                "api",
                "--api-host and --api-port set up the API's hook; add --api to install it too.",
            )
        return None
    host = API_HOST if args.api_host is None else args.api_host
    return api_command(command, host, API_PORT if args.api_port is None else args.api_port)


def _report(ctx: Context, result: InstallResult, said: set[str]) -> None:
    (ctx.print if result.ok else ctx.err)(
        result.message if result.ok else f"error: {result.message}"
    )
    for warning in result.warnings:
        if warning not in said:
            said.add(warning)
            ctx.err(f"warning: {warning}")


def cmd_install(ctx: Context) -> int:
    from daemon import hooks
    from daemon.api.address import exposure_warning
    from daemon.hooks import DaemonCommand

    platform = _platform(ctx)
    command = DaemonCommand.build(ctx.database_url)
    api = _api(ctx, command)
    api_left = api is None and hooks.path(platform, "api").exists()
    if ctx.args.print:
        ctx.out.write(hooks.preview(platform, command))
        if api is not None:
            ctx.out.write("\n" + hooks.preview(platform, api, "api"))
        elif api_left:
            ctx.out.write(f"\n# the API's hook at {hooks.path(platform, 'api')} is left as it is\n")
        return EXIT_OK
    runner = _runner(ctx)
    said: set[str] = set()
    result = hooks.install(platform, runner, command)
    _report(ctx, result, said)
    if not result.ok:
        return EXIT_REFUSED
    if api is None:
        if api_left:
            ctx.print(
                f"left the API's hook at {hooks.path(platform, 'api')} as it is, on the database "
                "it was installed with; `--api` reinstalls it, `amx schedule uninstall-daemon "
                "--api-only` removes it."
            )
        return EXIT_OK
    api_result = hooks.install(platform, runner, api, "api")
    _report(ctx, api_result, said)
    if not api_result.ok:
        return EXIT_REFUSED
    ctx.print(f"the API answers at {hooks.api_url(platform)} (OpenAPI at /docs).")
    warning = exposure_warning(ctx.args.api_host or API_HOST)
    if warning:
        ctx.err(f"warning: {warning}")
    return EXIT_OK


def cmd_uninstall(ctx: Context) -> int:
    from daemon import hooks

    platform, runner = _platform(ctx), _runner(ctx)
    results: list[InstallResult] = []
    if hooks.path(platform, "api").exists() or ctx.args.api_only:
        results.append(hooks.uninstall(platform, runner, "api"))
    if not ctx.args.api_only:
        results.append(hooks.uninstall(platform, runner))
    for result in results:
        if not result.ok:
            ctx.err(f"error: {result.message}")
        else:
            ctx.print(result.message)
    return EXIT_OK if all(r.ok for r in results) else EXIT_REFUSED


def _api_hook(ctx: Context) -> dict[str, Any]:
    from daemon import hooks

    platform = _platform(ctx)
    state = hooks.status(platform, _runner(ctx), "api")
    return {
        "installed": state.installed,
        "active": state.active,
        "detail": state.detail,
        "url": hooks.api_url(platform) if state.installed else None,
    }


def cmd_status(ctx: Context) -> int:
    from daemon import hooks
    from daemon.overview import in_words, overview

    hook = hooks.status(_platform(ctx), _runner(ctx))
    data = overview(ctx.core, hook)
    api = _api_hook(ctx)
    if ctx.args.json:
        ctx.json({**data.as_json(), "api_hook": api})
        return EXIT_OK
    if hook.installed:
        state = {True: "active", False: "installed but not active", None: "installed"}[hook.active]
        ctx.print(f"daemon hook   {state} ({hook.detail})")
    else:
        ctx.print("daemon hook   not installed; `amx schedule install-daemon` installs it")
        if hook.active is None:
            ctx.print(f"              {hook.detail.split('; ', 1)[-1]}")
    if api["installed"]:
        state = {True: "active", False: "installed but not active", None: "installed"}[
            api["active"]
        ]
        ctx.print(
            f"api hook      {state} at {api['url'] or 'an unknown address'} ({api['detail']})"
        )
    if data.last_seen:
        ago = in_words(int((data.last_seen - ctx.clock.now()).total_seconds()))
        alive = f"alive, {counted(len(data.workers), 'worker')}" if data.alive else "not alive"
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
    p.add_argument(
        "--api",
        action="store_true",
        help="also keep `amx serve` (the HTTP API) running, under a second hook",
    )
    p.add_argument(
        "--api-host",
        metavar="ADDRESS",
        help=f"with --api: the address it listens on (default {API_HOST}; another one "
        "reaches other machines)",
    )
    p.add_argument(
        "--api-port",
        metavar="PORT",
        type=port_number,
        help=f"with --api: the port (default {API_PORT})",
    )
    p.set_defaults(handler=cmd_install)
    p = sched.add_parser(
        "uninstall-daemon", help="remove the OS hooks, the API's too (schedules stay queued)"
    )
    p.add_argument("--platform", choices=PLATFORM_CHOICES, help=argparse.SUPPRESS)
    p.add_argument(
        "--api-only",
        action="store_true",
        help="remove only the API's hook; the daemon keeps running",
    )
    p.set_defaults(handler=cmd_uninstall)
    p = sched.add_parser("status", help="the daemon hook, liveness, the next fire and counts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_status)
