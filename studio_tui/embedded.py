"""Ticking inside the studio: the daemon's worker loop on a thread of the studio's process, for
when nothing else fires due work (no daemon alive)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.api import Core
from core.errors import AmxError
from daemon.health import health
from daemon.worker import Worker, WorkerConfig


class EmbeddedTicker:
    """Starts and stops one in-process worker; `failed` hears why it could not start."""

    def __init__(self, core: Core, failed: Callable[[str], None]) -> None:
        self.core = core
        self._failed = failed
        self._worker: Worker | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the studio fires due work itself."""
        return self._worker is not None

    def start(self) -> bool:
        """Start ticking here; False when it already ticks."""
        if self._worker is not None:
            return False
        worker = Worker(self.core, WorkerConfig(concurrency=2, poll=1.0, grace=5.0))
        self._worker = worker

        def tick_here() -> None:
            try:
                worker.run()
            except AmxError as exc:  # it could not even start: the database did not answer
                if self._worker is worker:
                    self._worker = None
                self._failed(str(exc))

        self._thread = threading.Thread(target=tick_here, name="amx-embedded", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        """Stop ticking here (the worker finishes its current step)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    def needed(self) -> bool:
        """True when nothing fires due work: no daemon alive and no ticking here."""
        return self._worker is None and not health(self.core).alive
