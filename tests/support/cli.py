"""Running `amx` in-process against one database with a frozen clock."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from studio_tui.cli import run
from tests.support.shop import make_shop

__all__ = ["Amx", "amx"]


class Amx:
    """Runs `amx` in-process against one database with a frozen clock."""

    def __init__(self, url: str, clock: FrozenClock) -> None:
        self.url = url
        self.clock = clock
        self.out = ""
        self.err = ""

    def __call__(self, *argv: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        code = run(["--database-url", self.url, *argv], out=out, err=err, clock=self.clock)
        self.out, self.err = out.getvalue(), err.getvalue()
        return code

    def json(self, *argv: str) -> Any:
        assert self(*argv, "--json") == 0, self.err
        return json.loads(self.out)


@pytest.fixture
def amx(db_url: str, clock: FrozenClock, tmp_path: Path) -> Amx:
    """`amx` on a new database (each backend in turn) with a DB profile `shop`."""
    tool = Amx(db_url, clock)
    assert tool("profile", "db", "add", "shop", make_shop(tmp_path / "shop")) == 0, tool.err
    return tool
