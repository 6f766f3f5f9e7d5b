"""`python -m studio_tui.web.tab [studio options]`: the studio as one browser tab runs it."""

from __future__ import annotations

import signal
import sys

from studio_tui.cli import run


def main() -> int:
    """Run the studio for one tab; it ends when the server closes the tab."""
    # Ctrl-C at the server's terminal reaches every process started from it; the server then
    # closes each tab's studio in order, so the studio itself lets the interrupt pass.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return run(["studio", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
