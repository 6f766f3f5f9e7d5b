"""`create_demo`: the demo shop, its `demo` DB profile, and schedules in every status.

It is idempotent: the shop files are only replaced when their rows differ, the `demo` profile is
added only when missing, and schedules are created only when no live schedule has their name.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from core.api import Core
from core.demo.schedules import seed_schedules
from core.demo.shop import SCHEMA_FILES, shop_size, shop_url, write_shop
from core.errors import Conflict

__all__ = ["DEMO_PROFILE", "DemoInfo", "create_demo", "default_folder"]

DEMO_PROFILE = "demo"


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo lives and what `create_demo` made this time."""

    folder: Path
    profile: str
    url: str  # the profile's URL as stored (an existing `demo` profile is left as it was)
    main_file: Path
    schema_files: tuple[tuple[str, Path], ...]
    table_count: int
    column_count: int
    schedules_created: tuple[str, ...]


def default_folder() -> Path:
    """The demo's folder in the user data directory."""
    return Path(platformdirs.user_data_dir("amx-studio")) / "demo"


def create_demo(core: Core, folder: Path | None = None) -> DemoInfo:
    """Write the demo shop, add the `demo` DB profile and seed schedules; safe to run again.

    Seeding the Missed schedule runs missed detection at the core's current time, which also
    marks any other overdue schedule Missed, exactly as opening the studio would.
    """
    folder = (folder or default_folder()).expanduser().resolve()
    files = write_shop(folder)
    if DEMO_PROFILE not in {p.name for p in core.profiles.list_db()}:
        with contextlib.suppress(Conflict):  # added meanwhile by another process
            core.profiles.add_db(DEMO_PROFILE, shop_url(files))
    created = seed_schedules(core, DEMO_PROFILE)
    tables, columns = shop_size(files)
    return DemoInfo(
        folder=folder,
        profile=DEMO_PROFILE,
        url=core.profiles.get_db(DEMO_PROFILE).url,
        main_file=files["main"],
        schema_files=tuple((schema, files[schema]) for schema, _ in SCHEMA_FILES),
        table_count=tables,
        column_count=columns,
        schedules_created=tuple(created),
    )
