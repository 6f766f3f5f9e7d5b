"""The closed vocabularies and limits that front ends offer as choices, in a module that loads
nothing else: the command line lists them in its help without loading the services."""

from __future__ import annotations

from typing import Literal

Provider = Literal["heuristic", "openai-compatible"]
PROVIDERS: tuple[Provider, ...] = ("heuristic", "openai-compatible")

Security = Literal["starttls", "ssl", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "ssl", "none")

# Annotation exports: the file formats, and the two shapes of a dbt file.
FORMATS = ("json", "dbt")
DBT_SHAPES = ("models", "sources")

# The agenda's span in days, today included.
MAX_DAYS = 31
DEFAULT_DAYS = 7
