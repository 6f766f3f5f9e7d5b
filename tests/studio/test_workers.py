"""Studio workers say what they do in words of their own."""

from __future__ import annotations

import ast
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[2] / "studio_tui"


def test_every_worker_names_its_description() -> None:
    """Without a description Textual prints every argument (a whole board of schedules) on the
    UI thread each time a worker starts, which costs a chip toggle several milliseconds."""
    silent = []
    for path in sorted(STUDIO.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name)
                    and decorator.func.id == "work"
                    and not any(k.arg == "description" for k in decorator.keywords)
                ):
                    silent.append(f"{path.relative_to(STUDIO.parent)}:{node.lineno} {node.name}")
    assert silent == []
