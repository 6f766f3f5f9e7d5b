"""The studio's small user config (the chosen theme), in the user config directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs


def config_path() -> Path:
    """`config.json` in the user config directory."""
    return Path(platformdirs.user_config_dir("amx-studio")) / "config.json"


def load() -> dict[str, Any]:
    """The saved settings, or {} when there are none or they cannot be read."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(**changes: Any) -> None:
    """Merge `changes` into the saved settings, written atomically."""
    path = config_path()
    data = {**load(), **changes}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable config directory must not break the studio
