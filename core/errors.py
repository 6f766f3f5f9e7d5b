"""Errors the core raises. Every front end shows `str(error)` as one sentence and exits 1."""

from __future__ import annotations


class AmxError(Exception):
    """Base of every refusal the core makes; the message is one sentence for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(AmxError):
    """An input value was refused; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(AmxError):
    """The named schedule, profile or run does not exist."""


class Conflict(AmxError):
    """The change collides with another one (stale edit, duplicate name)."""


class IllegalTransition(AmxError):
    """The schedule's status does not allow the requested action."""


class StorageError(AmxError):
    """The database cannot be opened, is not ours, or is at an unknown revision."""
