"""The built-in offline profile: describes and tags tables from names, types, keys and samples.

`vocab` holds the word tables, `columns` what is worked out about a column, `wording` the
English helpers, `rules` the column rules, `describe` the column and table texts, and
`annotator` the profile itself.
"""

from __future__ import annotations

from core.analysis.llm.heuristic.annotator import HeuristicAnnotator

__all__ = ["HeuristicAnnotator"]
