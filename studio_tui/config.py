"""The studio's small user config (the chosen theme), in the user config directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from core.private_files import make_private_dir, private_opener, tighten


def config_path() -> Path:
    """`config.json` in the user config directory."""
    return Path(platformdirs.user_config_dir("amx-studio")) / "config.json"


def load() -> dict[str, Any]:
    """The saved settings, or {} when there are none or they cannot be read; a config left
    readable by others is tightened (0600 in a 0700 directory), with a log line saying so."""
    path = config_path()
    try:
        tighten(path.parent)
        tighten(path)
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(**changes: Any) -> None:
    """Merge `changes` into the saved settings, written atomically, readable by the owner only."""
    path = config_path()
    data = {**load(), **changes}
    try:
        make_private_dir(path.parent)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)  # a leftover may have a wider mode; the new one is 0600
        with open(tmp, "w", encoding="utf-8", opener=private_opener) as file:
            file.write(json.dumps(data, indent=2))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable config directory must not break the studio
