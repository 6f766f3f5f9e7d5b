"""The one place OS commands run: a real subprocess runner and a recording one for tests."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.errors import AmxError

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Completed:
    """What a finished command left behind."""

    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.returncode == 0

    def reason(self) -> str:
        """The first non-empty output line (stderr first), for one-sentence messages."""
        for text in (self.stderr, self.stdout):
            for line in text.splitlines():
                if line.strip():
                    return line.strip().rstrip(".")
        return f"exit code {self.returncode}"


class CommandFailed(AmxError):
    """A command run with check=True exited non-zero."""

    def __init__(self, argv: Sequence[str], completed: Completed) -> None:
        super().__init__(f"{' '.join(argv)} failed: {completed.reason()}.")
        self.argv = list(argv)
        self.completed = completed


class CommandRunner(Protocol):
    """Runs one OS command and reports how it ended."""

    def run(self, argv: list[str], *, check: bool = False) -> Completed:
        """Run argv; with check=True a non-zero exit raises CommandFailed."""
        ...


def _checked(argv: list[str], completed: Completed, check: bool) -> Completed:
    if check and not completed.ok:
        raise CommandFailed(argv, completed)
    return completed


class SubprocessRunner:
    """Runs commands for real, without a shell, and never raises for a missing program."""

    def __init__(self, timeout: float = TIMEOUT_S) -> None:
        self.timeout = timeout

    def run(self, argv: list[str], *, check: bool = False) -> Completed:
        """Run argv with captured output; 127 = not installed, 126 = not runnable, 124 = timeout."""
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            done = Completed(127, "", f"{argv[0]} is not installed or not on PATH")
        except PermissionError:
            done = Completed(126, "", f"{argv[0]} is not executable")
        except subprocess.TimeoutExpired:
            done = Completed(124, "", f"{argv[0]} did not finish within {self.timeout:g} s")
        else:
            done = Completed(proc.returncode, proc.stdout, proc.stderr)
        return _checked(argv, done, check)


@dataclass
class RecordingRunner:
    """Records every argv and answers from canned results keyed by argv prefix (longest wins)."""

    answers: Mapping[tuple[str, ...], Completed] = field(default_factory=dict)
    default: Completed = field(default_factory=lambda: Completed(0))
    calls: list[list[str]] = field(default_factory=list)

    def run(self, argv: list[str], *, check: bool = False) -> Completed:
        """Record argv and return the answer whose key is its longest matching prefix."""
        self.calls.append(list(argv))
        best: tuple[str, ...] | None = None
        for key in self.answers:
            if tuple(argv[: len(key)]) == key and (best is None or len(key) > len(best)):
                best = key
        return _checked(argv, self.answers[best] if best is not None else self.default, check)
