"""The `amx` command line: the same core service calls as the studio, verb for verb."""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os
import sys
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from core.clock import Clock, SystemClock
from core.errors import AmxError
from studio_tui.commands.base import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    Context,
    OsHooks,
    Parser,
    UsageError,
    subcommands,
)
from studio_tui.commands.hints import explain

if TYPE_CHECKING:
    from core.api import Core

COMMANDS = (
    "studio",
    "schedule",
    "scenario",
    "template",
    "runs",
    "profile",
    "catalog",
    "review",
    "annotations",
    "daemon",
    "serve",
    "api",
)


def command_word(argv: Sequence[str]) -> str | None:
    """The command group named on the line (`daemon` in `amx --database-url U daemon run`)."""
    words = iter(argv)
    for word in words:
        if word == "--database-url":
            next(words, None)
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


# Control, format, surrogate and line/paragraph separator characters: shown escaped, so a
# refusal that quotes what was typed stays one line and cannot drive the terminal.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def one_line(text: str) -> str:
    """`text` with control and line-breaking characters written as escapes."""
    return "".join(
        ascii(c)[1:-1] if unicodedata.category(c) in _ESCAPED_CATEGORIES else c for c in text
    )


def _unusable_argument(argv: Sequence[str]) -> str | None:
    """Why an argument cannot be text (an undecodable byte or a NUL), or None."""
    for position, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            reason = "holds bytes that are not UTF-8"
        else:
            if "\x00" not in arg:
                continue
            reason = "holds a NUL character"
        return (
            f"argument {position} ({one_line(repr(arg))}) is not valid text: it {reason}; retype it"
        )
    return None


def build_parser(only: str | None = None) -> Parser:
    """The `amx` command tree: every group, or just `only` (so that `amx daemon run` loads
    none of the other groups' code)."""
    root = Parser(prog="amx", description="AMX Studio Schedules: queue LLM metadata analysis runs.")
    root.add_argument(
        "--database-url",
        metavar="URL",
        help="where schedules live (default: $AMX_DATABASE_URL, else a SQLite file in the "
        "user data directory)",
    )
    top = subcommands(root, "command")
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"studio_tui.commands.{name}").register(top)
    return root


def run(
    argv: Sequence[str],
    *,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    clock: Clock | None = None,
    core: Core | None = None,
    os_hooks: OsHooks | None = None,
    width: int | None = None,
) -> int:
    """Run one `amx` command line; returns the exit code (0 ok, 1 refused, 2 usage).

    With `core` the command runs on that open core (the studio's own) and leaves it open,
    instead of opening the database named by `--database-url` or the default one."""
    out = out or sys.stdout
    err = err or sys.stderr
    unusable = _unusable_argument(argv)
    if unusable is not None:
        print(f"amx: {unusable}", file=err)
        return EXIT_USAGE
    parser = build_parser(command_word(argv))
    try:
        args = parser.parse_command(list(argv))
    except UsageError as exc:
        print(f"amx: {one_line(str(exc))}", file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if core is not None and args.database_url:
        print(
            "amx: --database-url does not apply here: these commands work on the database the "
            "studio has open; drop the option",
            file=err,
        )
        return EXIT_USAGE
    ctx = Context(args, out, clock or SystemClock(), err, core=core, os_hooks=os_hooks, width=width)
    try:
        return int(args.handler(ctx))
    except UsageError as exc:
        print(f"amx: {one_line(str(exc))}", file=err)
        return EXIT_USAGE
    except AmxError as exc:
        print(f"error: {one_line(explain(exc))}", file=err)
        return EXIT_REFUSED
    except BrokenPipeError:
        # The reader went away (`amx schedule list | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted; nothing was changed by the interrupted step", file=err)
        return 130
    except Exception as exc:
        if os.environ.get("AMX_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {one_line(str(exc))}; run again with "
            "AMX_DEBUG=1 to see where it happened.",
            file=err,
        )
        return EXIT_REFUSED
    finally:
        ctx.close()


@dataclass(frozen=True)
class Captured:
    """What one command printed, and its exit code."""

    code: int
    out: str
    err: str


def run_captured(
    argv: Sequence[str],
    core: Core,
    *,
    clock: Clock | None = None,
    os_hooks: OsHooks | None = None,
    width: int | None = None,
) -> Captured:
    """Run one `amx` command line on an open core, its output kept as text (for the studio's
    command line, which shows it in its own pane, `width` columns wide)."""
    out, err = io.StringIO(), io.StringIO()
    code = run(
        argv,
        out=out,
        err=err,
        clock=clock or core.clock,
        core=core,
        os_hooks=os_hooks,
        width=width,
    )
    return Captured(code, out.getvalue(), err.getvalue())


# How long a command runs before the garbage collector resumes.
GC_PAUSE_S = 1.0


def main() -> int:
    """Console entry point."""
    # A short command allocates mostly the modules it loads, which live until it ends, so
    # collecting meanwhile finds nothing and costs a tenth of its time. Collection resumes
    # after a second, for the commands that keep running (the daemon, the studio, the API).
    gc.disable()
    resume = threading.Timer(GC_PAUSE_S, gc.enable)
    resume.daemon = True
    resume.start()
    code = run(sys.argv[1:])
    # The process ends now. Its last collection would walk every object the command loaded,
    # which takes longer than a short command itself; the command has closed its database
    # and written its output, so that collection is skipped.
    resume.cancel()
    gc.enable()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(main())
