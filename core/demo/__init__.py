"""The demo shop and its schedules, for `amx demo` and `amx studio --demo`."""

from core.demo.create import DEMO_PROFILE, DemoInfo, create_demo, default_folder

__all__ = ["DEMO_PROFILE", "DemoInfo", "create_demo", "default_folder"]
