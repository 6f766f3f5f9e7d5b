"""The small closed vocabularies of a schedule: its kind, review strategy and missed policy."""

from __future__ import annotations

from typing import Literal

Kind = Literal["analyze", "cache_refresh"]
Review = Literal["auto", "manual"]
MissedPolicy = Literal["ask", "skip", "run_once"]
