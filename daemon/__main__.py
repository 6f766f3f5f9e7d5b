"""`python -m daemon [--database-url URL] [options]`: the daemon, as the OS hooks start it."""

from __future__ import annotations

import sys

from daemon.main import main

if __name__ == "__main__":
    sys.exit(main())
