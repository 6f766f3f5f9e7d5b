"""What every `amx` command handler shares: the context, usage errors and exit codes."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import IO, TYPE_CHECKING, Any, NoReturn

from core.clock import Clock
from core.errors import InvalidInput
from core.text import counted, json_inert, printable

if TYPE_CHECKING:
    from core.api import Core
    from daemon.hooks import CommandRunner, Platform

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
# How long a command spends on missed detection before it answers.
MISSED_CHECK_S = 0.1
Subparsers = Any  # argparse's _SubParsersAction, which is private
# Databases whose stored secrets were reported in this process: once is enough in the studio.
_REPORTED: set[str] = set()


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


# argparse takes a word for a value only when it is a plain negative number ("-5"), and any
# other word that starts with a minus ("-5m") for an unknown option. Here a minus and a digit
# always start a value (no amx option starts so): `--every -5m` gets the interval's sentence.
_MINUS_DIGIT = re.compile(r"^-\d")
# Each parser's default for this attribute is its own prog; the deepest command's wins.
_PROG = "amx_command_prog"


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2, without exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _MINUS_DIGIT
        self.set_defaults(**{_PROG: self.prog})

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")

    def parse_command(self, argv: list[str]) -> argparse.Namespace:
        """`argv` parsed; words no command takes are refused with the help of the command
        they followed (`amx api token create --help`), not the root's."""
        args, extras = self.parse_known_args(argv)
        if extras:
            prog = getattr(args, _PROG, self.prog)
            raise UsageError(f"unrecognized arguments: {' '.join(extras)} (see `{prog} --help`)")
        return args


@dataclass(frozen=True)
class OsHooks:
    """The OS whose daemon hook the commands manage, and how they run its tools (the studio
    hands in its own, so `/schedule status` agrees with its status bar)."""

    platform: Platform
    runner: CommandRunner


class Context:
    """What a command handler needs: the parsed arguments, output streams and the core.

    A shell command opens its own core on first use and closes it at the end; the studio's
    command line hands in the core it already has (`core=`), which the context leaves open.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        out: IO[str],
        clock: Clock,
        err: IO[str] | None = None,
        *,
        core: Core | None = None,
        os_hooks: OsHooks | None = None,
        width: int | None = None,
    ) -> None:
        self.args = args
        self.out = out
        self.width = width  # the columns tables may use; None: the terminal's, or no limit
        self.error_out = err or sys.stderr
        self.clock = clock
        self.os_hooks = os_hooks
        self._core: Core | None = core
        self._owns_core = core is None

    @property
    def database_url(self) -> str | None:
        """The database these commands work on: the open core's, else `--database-url` (None
        for the default one)."""
        if self._core is not None and not self._owns_core:
            return self._core.db.url_text
        url: str | None = self.args.database_url
        return url

    @property
    def has_core(self) -> bool:
        """Whether a core is open: handed in, or opened by an earlier use of `core`."""
        return self._core is not None

    @property
    def core(self) -> Core:
        """The core: the one handed in, else opened on first use (commands like `next` never
        touch the database)."""
        if self._core is None:
            from core.api import Core  # loaded on first use: `amx daemon run` never needs it

            self._core = Core.open(self.args.database_url, self.clock)
            self._check_missed(self._core)
            if self._core.db.url_text not in _REPORTED:
                _REPORTED.add(self._core.db.url_text)
                from core.catalog.stored_secrets import stored_secrets

                for found in stored_secrets(self._core.db):
                    fix = f"amx profile {found.kind} set-url {shlex.quote(found.profile)} URL"
                    self.err(f"warning: {found.message.removesuffix('.')} ({fix}).")
        return self._core

    def _check_missed(self, core: Core) -> None:
        # A fire time that passed while nothing could fire it is noticed on every start, for a
        # bounded time so a command answers at once even after a long downtime; the rest is
        # left to the daemon, the studio and later commands, and the person is told.
        left = core.schedules.detect_missed_within(MISSED_CHECK_S).left
        if left:
            self.err(
                "note: the check for missed runs is still in progress; it has yet to reach "
                f"{counted(left, 'schedule')} whose fire time has passed, shown as pending until "
                "it does (a running daemon or the studio finishes it; each amx command continues "
                "it)."
            )

    def print(self, text: str = "") -> None:
        """Write lines to standard output, control characters shown as escapes (names, tables
        and columns come from people and databases)."""
        print(printable(text, multiline=True), file=self.out)

    def err(self, text: str) -> None:
        """Write lines to standard error, control characters shown as escapes."""
        print(printable(text, multiline=True), file=self.error_out)

    def write_output(self, text: str, said: str) -> None:
        """`text` into the file `--output` names (whole or not at all, folders made), saying
        `said` on standard error; without `--output`, onto standard output."""
        if not self.args.output:
            self.out.write(text if text.endswith("\n") else text + "\n")
            return
        from pathlib import Path  # loaded on first use: most commands never write a file

        from core.analysis.export import write_atomically

        write_atomically(Path(self.args.output).expanduser(), text)
        self.err(said)

    def json(self, value: Any) -> None:
        """Write a JSON document to standard output, terminal controls inside strings escaped."""
        print(json_inert(json.dumps(value, indent=2, ensure_ascii=False)), file=self.out)

    def close(self) -> None:
        """Release the core this context opened (a core handed in stays open)."""
        if self._core is not None and self._owns_core:
            self._core.close()


Handler = Callable[[Context], int]


# The database's integer columns are signed 64-bit; a larger number cannot name a row.
DB_INT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(DB_INT_MAX))


def _whole(text: str, what: str) -> int:
    cleaned = text.strip()
    digits = cleaned.removeprefix("-").removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        raise argparse.ArgumentTypeError(f"{what} {text!r} is not a whole number")
    if len(digits.lstrip("0")) > _MAX_DIGITS or abs(int(cleaned)) > DB_INT_MAX:
        raise argparse.ArgumentTypeError(f"{what} {text!r} is too large (at most {DB_INT_MAX})")
    return int(cleaned)


def positive_id(text: str) -> int:
    """An argparse type for ids: a positive whole number within the database's integer range."""
    value = _whole(text, "id")
    if value < 1:
        raise argparse.ArgumentTypeError(f"id {text!r} must be positive")
    return value


def whole_number(text: str) -> int:
    """An argparse type for counts and versions: a whole number the database can hold."""
    return _whole(text, "number")


def non_negative(text: str) -> int:
    """An argparse type for how many or how deep: a whole number, 0 or more."""
    value = _whole(text, "number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"number {text!r} must be 0 or more")
    return value


def confirm(question: str, *, flag: str = "--yes") -> bool:
    """Ask a yes/no question at a terminal; refuse when there is none to ask at."""
    if not sys.stdin.isatty():
        raise InvalidInput("yes", f"this needs confirmation; add {flag} when not at a terminal.")
    return input(question).strip().lower() in ("y", "yes")


def subcommands(parser: argparse.ArgumentParser, dest: str) -> Subparsers:
    """A sub-command group whose parsers report errors like the root. Named without one of
    its commands (`amx schedule`), the group prints its help and exits 2, as git does; a word
    no command takes is reported first (`amx --bogus`: "unrecognized arguments: --bogus")."""
    parser.set_defaults(handler=partial(_show_help, parser))
    return parser.add_subparsers(
        dest=dest, metavar="COMMAND", parser_class=Parser, action=_DescribedCommands
    )


class _DescribedCommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """Sub-commands whose own help (`amx demo --help`) opens with the line the group's list
    gives them, as a sentence, unless they have a description of their own."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        said = kwargs.get("help")
        if said and "description" not in kwargs:
            kwargs["description"] = _as_sentence(said)
        made: argparse.ArgumentParser = super().add_parser(name, **kwargs)
        return made


def _as_sentence(phrase: str) -> str:
    """A help phrase ("run history") as a sentence: a capital first letter and a full stop."""
    ended = phrase if phrase[-1] in ".?!" else phrase + "."
    return ended[0].upper() + ended[1:]


def _show_help(parser: argparse.ArgumentParser, ctx: Context) -> int:
    ctx.out.write(parser.format_help())
    return EXIT_USAGE
