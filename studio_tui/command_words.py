"""The words of the studio's `:` line: reading a line into `amx schedule …` arguments, and
completing a half-typed verb, schedule id or name. The verbs come from the command line's own
parser, so a verb added there is known here at once."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

# What a line may start with before its verb: `/schedule status`, `schedule status`, `status`.
HEADS = ("/schedule", "schedule")


@dataclass(frozen=True)
class Verbs:
    """The `amx schedule` verbs, and those whose first argument names a schedule."""

    all: tuple[str, ...]
    naming_a_schedule: frozenset[str]


@cache
def verbs() -> Verbs:
    """The verbs of `amx schedule`, read from its parser."""
    from studio_tui.cli import build_parser

    sub = _subparsers(build_parser("schedule"))
    schedule = sub.choices["schedule"]
    found = _subparsers(schedule).choices
    naming = frozenset(verb for verb, parser in found.items() if _first_positional(parser))
    return Verbs(tuple(found), naming)


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _first_positional(parser: argparse.ArgumentParser) -> bool:
    return any(not a.option_strings and a.dest != "help" for a in parser._actions)


def parse(line: str) -> list[str]:
    """`/schedule pause 3`, `schedule pause 3` or `pause 3` → ["schedule", "pause", "3"];
    anything else is refused in one sentence."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ValueError(f"cannot read that line: {exc}; close the quote.") from None
    known = verbs().all
    if words and words[0] in HEADS:
        words = words[1:]
    elif words and words[0].startswith("/") and words[0][1:] in known:
        words[0] = words[0][1:]
    if not words:
        raise ValueError(f"type a verb, e.g. status or list; the verbs are {', '.join(known)}.")
    if words[0] not in known:
        raise ValueError(
            f"unknown verb {words[0]!r}: give one of {', '.join(known)} (tab completes)."
        )
    return ["schedule", *words]


@dataclass(frozen=True)
class Completion:
    """A line after Tab: the completed text, and the choices when more than one fits."""

    line: str
    choices: list[str] = field(default_factory=list)


def _last_word_start(line: str) -> int:
    """Where the word being typed at the end of `line` starts (quotes keep spaces inside a
    word); `len(line)` when a new word is about to start."""
    starts: list[int] = []
    quote = ""
    in_word = False
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char.isspace():
            in_word = False
        else:
            if not in_word:
                starts.append(i)
                in_word = True
            if char in "'\"":
                quote = char
    return starts[-1] if starts and (in_word or quote) else len(line)


def _common(words: Sequence[str]) -> str:
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def complete(line: str, schedules: Sequence[tuple[int, str]]) -> Completion:
    """Complete the word under the cursor (at the end of `line`): a verb first, then a
    schedule's id or name for the verbs that take one. A single fit is completed with a space
    after it; several are completed as far as they agree, and listed."""
    at = _last_word_start(line)
    before, partial = line[:at], line[at:]
    done = before.split()
    if done and done[0] in HEADS:
        done = done[1:]
    if not done and partial.startswith("/"):
        return _fill(before, partial, [h for h in HEADS[:1] if h.startswith(partial)])
    if not done:
        return _fill(before, partial, [v for v in verbs().all if v.startswith(partial)])
    if len(done) == 1 and done[0] in verbs().naming_a_schedule:
        return _complete_schedule(before, partial, schedules)
    return Completion(line)


def _complete_schedule(
    before: str, partial: str, schedules: Sequence[tuple[int, str]]
) -> Completion:
    bare = partial.lstrip("'\"")
    if bare.isdigit() or not bare:
        ids = {str(i): f"{i} {name}" for i, name in schedules if str(i).startswith(bare)}
        return _fill(before, partial, ids)
    names = {
        shlex.quote(name): name for _, name in schedules if name.lower().startswith(bare.lower())
    }
    return _fill(before, partial, names)


def _fill(before: str, partial: str, fits: dict[str, str] | list[str]) -> Completion:
    """`fits` maps each possible word to how it is listed (a list: listed as itself)."""
    shown = fits if isinstance(fits, dict) else {fit: fit for fit in fits}
    if not shown:
        return Completion(before + partial)
    if len(shown) == 1:
        return Completion(before + next(iter(shown)) + " ")
    common = _common(list(shown))
    grown = common if len(common) > len(partial) else partial
    return Completion(before + grown, list(shown.values()))
