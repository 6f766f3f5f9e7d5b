"""Errors the core raises. Each message is one sentence for a person that says what is wrong and
how to fix it, without naming a front end's option: a front end may add its own hint, keyed on
`field` (the studio points at a field, the command line at an option)."""

from __future__ import annotations


class AmxError(Exception):
    """Base of every refusal the core makes; the message is one sentence for a person."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class InvalidInput(AmxError):
    """An input value was refused; `field` names the offending input."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class NotFound(AmxError):
    """The named schedule, profile or run does not exist; `field` says which kind of thing."""


class Conflict(AmxError):
    """The change collides with another one."""


class StaleEdit(Conflict):
    """The schedule changed since the editor read it: reload it and make the change again."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message, field="version")
        self.current_version = current_version


class NameTaken(Conflict):
    """Another live schedule already has this name."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="name")


class IllegalTransition(AmxError):
    """The schedule's status does not allow the requested action."""


class StorageError(AmxError):
    """The database cannot be opened, is not ours, is at an unknown revision, or is busy;
    `field` is "database_url" when another database would be the way out, else "busy"."""

    def __init__(self, message: str, *, field: str = "database_url") -> None:
        super().__init__(message, field=field)
