"""Logging a step that keeps failing (an unreachable database, say) without flooding the log."""

from __future__ import annotations

import logging
import time

from core.errors import AmxError

log = logging.getLogger("amx.daemon")


class Trouble:
    """Logs the first failure of a step, then a reminder once a `every` seconds while it keeps
    failing, then one line when it works again; expected errors are one sentence, anything else
    gets its traceback the first time."""

    def __init__(self, step: str, every: float = 60.0) -> None:
        self.step = step
        self.every = every
        self._since: float | None = None
        self._said = 0.0
        self._failures = 0

    def failed(self, exc: Exception, retry_in: float) -> None:
        """Record a failure; the step is tried again in `retry_in` seconds."""
        now = time.monotonic()
        self._failures += 1
        if self._since is None:
            self._since = self._said = now
            if isinstance(exc, AmxError):
                log.error("%s failed: %s; trying again every %.1fs", self.step, exc, retry_in)
            else:
                log.exception("%s failed; trying again every %.1fs", self.step, retry_in)
        elif now - self._said >= self.every:
            self._said = now
            log.warning(
                "%s still failing after %.0fs (%d attempts): %s",
                self.step,
                now - self._since,
                self._failures,
                exc,
            )

    def ok(self) -> None:
        """Record a success; says so once if the step had been failing."""
        if self._since is not None:
            log.info(
                "%s works again after %.1fs (%d failed attempts)",
                self.step,
                time.monotonic() - self._since,
                self._failures,
            )
            self._since, self._failures = None, 0
