"""Messages screens post upward to the app, which routes them; screens never call each other."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.message import Message

from core.schedules.views import ScheduleInfo


@runtime_checkable
class Reloads(Protocol):
    """A screen that shows data which may change under it."""

    def reload(self) -> None: ...


class DataChanged(Message):
    """Something the screens show may have changed (a command ran, the daemon hook was read):
    the app asks every screen on the stack that shows data to load it again."""


class HookKnown(Message):
    """The OS has said whether the daemon hook is installed: a board drawn before it came in
    loads again (one drawn after already says it)."""


class OpenDetails(Message):
    """Show a schedule's configuration, run history and log."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__()
        self.schedule_id = schedule_id


class OpenDialog(Message):
    """The new/edit dialog: empty for `schedule` None."""

    def __init__(self, schedule: ScheduleInfo | None) -> None:
        super().__init__()
        self.schedule = schedule


class OpenReview(Message):
    """The review queue."""


class MissedFound(Message):
    """Schedules whose fire time passed while nothing fired them: ask what to do."""

    def __init__(self, missed: list[ScheduleInfo]) -> None:
        super().__init__()
        self.missed = missed


class ToggleTicking(Message):
    """Start or stop ticking inside the studio."""
