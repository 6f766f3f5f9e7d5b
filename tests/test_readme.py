"""The README's first example works as written, on a plain SQLite file of one's own."""

from __future__ import annotations

import re
import shlex
import sqlite3
from pathlib import Path

from core.clock import FrozenClock
from tests.support.cli import Amx

README = Path(__file__).resolve().parent.parent / "README.md"


def first_example() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    after = text.split("A first schedule against a database of your own", 1)[1]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    assert block, "the README's first example has no sh block"
    return [shlex.split(line) for line in block[1].splitlines() if line.strip()]


def test_the_readme_first_example_runs_as_written(tmp_path: Path, clock: FrozenClock) -> None:
    shop = tmp_path / "srv" / "shop.db"
    shop.parent.mkdir()
    with sqlite3.connect(shop) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    conn.close()
    amx = Amx(f"sqlite:///{tmp_path / 'amx.db'}", clock)
    commands = first_example()
    assert commands and all(argv[0] == "amx" for argv in commands)
    for argv in commands:
        args = [a.replace("/srv/shop.db", str(shop)) for a in argv[1:]]
        assert amx(*args) == 0, (argv, amx.err)
    listed = Amx(f"sqlite:///{tmp_path / 'amx.db'}", clock)
    assert listed("schedule", "show", "1") == 0, listed.err
    assert "main.users" in listed.out
