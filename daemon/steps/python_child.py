"""The child process of a run_python step: `python -m daemon.steps.python_child file PATH` or
`... function module:function`, with the step's parameters as JSON in $AMX_STEP_PARAMS."""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
import traceback


def main(argv: list[str]) -> int:
    """Run the file or call the function; a traceback and exit code 1 on an exception."""
    kind, target = argv[0], argv[1]
    params = json.loads(os.environ.get("AMX_STEP_PARAMS") or "{}")
    sys.path.insert(0, os.getcwd())
    try:
        if kind == "file":
            sys.argv = [target]
            runpy.run_path(target, run_name="__main__")
            return 0
        module_name, _, name = target.partition(":")
        function = getattr(importlib.import_module(module_name), name)
        result = function(**params)
        if result is not None:
            print(f"returned: {json.dumps(result, default=str)[:2000]}")
        return 0
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException as exc:
        traceback.print_exc(file=sys.stdout)
        print(f"{type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
