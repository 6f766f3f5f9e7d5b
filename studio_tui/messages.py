"""Messages screens post upward to the app, which routes them; screens never call each other."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.message import Message


@runtime_checkable
class Reloads(Protocol):
    """A screen that shows data which may change under it."""

    def reload(self) -> None: ...


class DataChanged(Message):
    """Something the screens show may have changed (a command ran, the daemon hook was read):
    the app asks every screen on the stack that shows data to load it again."""
