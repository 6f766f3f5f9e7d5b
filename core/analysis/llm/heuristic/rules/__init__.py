"""The column rules in the order they are tried; the first verdict wins."""

from __future__ import annotations

from collections.abc import Callable

from core.analysis.llm.heuristic.columns import ColumnFacts, Verdict, column_subject
from core.analysis.llm.heuristic.rules.formats import (
    enum,
    free_text,
    hash_digest,
    json_document,
    status,
    url,
    version,
)
from core.analysis.llm.heuristic.rules.keys import foreign_key, identifier, primary_key
from core.analysis.llm.heuristic.rules.personal import personal_data, secret
from core.analysis.llm.heuristic.rules.values import (
    boolean,
    country,
    currency,
    geo,
    money,
    percentage,
    quantity,
    when,
)
from core.analysis.llm.heuristic.wording import cap


def fallback(col: ColumnFacts) -> Verdict:
    """The verdict when no rule applies: the column's name and type, low confidence."""
    type_ = f" ({col.meta.type})" if col.meta.type else ""
    return Verdict(f"{cap(column_subject(col))} of the {col.entity}{type_}.", [], 0.35)


RULES: tuple[Callable[[ColumnFacts], Verdict | None], ...] = (
    primary_key,
    foreign_key,
    personal_data,
    secret,
    when,
    boolean,
    percentage,
    money,
    currency,
    country,
    geo,
    quantity,
    url,
    json_document,
    version,
    hash_digest,
    status,
    enum,
    identifier,
    free_text,
)
