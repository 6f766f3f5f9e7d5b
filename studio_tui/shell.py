"""What a screen may ask of the app that holds it, as a protocol, so screens never import the
app (the app imports them)."""

from __future__ import annotations

import threading
from typing import Protocol

from core.api import Core
from core.clock import Clock
from daemon.hooks import HookStatus


class Studio(Protocol):
    """The studio as its screens see it: the core, the clock and whether anything fires."""

    core: Core
    clock: Clock
    refresh_every: float
    ask_missed: bool
    hook: HookStatus | None
    hook_known: threading.Event

    @property
    def ticking_here(self) -> bool:
        """Whether the studio fires due work itself."""
        ...

    def ensure_firing(self) -> bool:
        """From a worker thread: start ticking here when nothing else fires; True if started."""
        ...
