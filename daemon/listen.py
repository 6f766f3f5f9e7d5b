"""LISTEN/NOTIFY on PostgreSQL: a change to the queue wakes the worker at once."""

from __future__ import annotations

import logging
import select
import threading

import psycopg

from core.errors import StorageError
from core.storage.engine import QUEUE_CHANNEL, Database
from daemon.trouble import Trouble

log = logging.getLogger("amx.daemon")


class QueueListener:
    """A thread that LISTENs on the queue channel and sets `wake` on every notification."""

    def __init__(self, db: Database, wake: threading.Event, stopping: threading.Event) -> None:
        url = db.connect_url().set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._wake = wake
        self._stopping = stopping
        self._thread = threading.Thread(target=self._run, name="amx-listen", daemon=True)
        self.listening = threading.Event()

    def start(self) -> None:
        """Listen in the background until `stopping` is set."""
        self._thread.start()

    def _run(self) -> None:
        trouble = Trouble(f"LISTEN on {QUEUE_CHANNEL} (polling meanwhile)")
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {QUEUE_CHANNEL}")
                    self.listening.set()
                    trouble.ok()
                    while not self._stopping.is_set():
                        # Wait on the socket ourselves: psycopg's own wait wakes ten times a
                        # second, which an idle daemon would feel.
                        ready, _, _ = select.select([conn.fileno()], [], [], 1.0)
                        if ready:
                            for _note in conn.notifies(timeout=0):
                                self._wake.set()
            except psycopg.Error as exc:
                self.listening.clear()
                # Polling keeps the queue moving meanwhile; try to listen again shortly.
                trouble.failed(StorageError(str(exc).strip().splitlines()[0]), retry_in=5.0)
                self._stopping.wait(5.0)
