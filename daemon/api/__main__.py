"""`python -m daemon.api [--database-url URL] [--host ADDRESS] [--port PORT]`: the HTTP API, as
the OS hook of `amx schedule install-daemon --api` starts it."""

from __future__ import annotations

import sys

from daemon.api.main import main

if __name__ == "__main__":
    sys.exit(main())
