"""The demo shop and its schedules, for `amx demo` and `amx studio --demo`."""

from core.demo.create import DEMO_PROFILE, DemoInfo, create_demo, default_folder
from core.demo.luhn import luhn_ok

__all__ = ["DEMO_PROFILE", "DemoInfo", "create_demo", "default_folder", "luhn_ok"]
