"""Completing the name of the schedule an `after` trigger follows, from the store."""

from __future__ import annotations

import asyncio

from textual.suggester import Suggester

from core.api import Core
from core.errors import AmxError
from core.schedules.service import ListQuery

SHOWN = 20


class ScheduleNames(Suggester):
    """Suggests the first live schedule whose name starts with what was typed (read on a
    thread: never on the event loop)."""

    def __init__(self, core: Core) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.core = core

    async def get_suggestion(self, value: str) -> str | None:
        """The completion of `value`, or None."""
        if not value.strip():
            return None
        return await asyncio.to_thread(self._first, value)

    def _first(self, typed: str) -> str | None:
        try:
            page = self.core.schedules.list(
                ListQuery(kind=None, text=typed, sort="name", limit=SHOWN, exact_total=False)
            )
        except AmxError:
            return None
        wanted = typed.casefold()
        return next((s.name for s in page.items if s.name.casefold().startswith(wanted)), None)
