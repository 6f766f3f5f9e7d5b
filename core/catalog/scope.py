"""Scope paths and the tri-state selection rule, free of any UI or database library.

Paths
-----
A scope is relative to the schedule's database (the schedule names its DB profile and database
separately).  A path is ``schema``, ``schema.table`` or ``schema.table.column``; the path ``*`` is
the whole database and parses to ``()``.  Identifiers may be double-quoted to hold dots, spaces,
punctuation or upper case (``"Sales Data"."Order.Items"``), and ``""`` inside quotes is one quote.
Unquoted identifiers are runs of letters, digits, ``_``, ``$`` and ``-`` and are kept exactly as
typed (no case folding), so ``Public`` and ``"Public"`` are the same name.

Database prefix
---------------
The written form may carry the database in front: ``[database.]schema.table[.column]``.
`normalize_paths` (and `from_texts`) strip the first segment once when

* the path has 4 segments (a column can only be reached in 3, so the first must be the database;
  if it differs from the schedule's database the path is refused), or
* a database is given, the path has at least 2 segments and its first segment equals it.

So with database ``shop`` the text ``shop.orders`` means schema ``orders``; to name a schema that
shares the database's name, write the prefix explicitly: ``shop.shop.orders``.  Stored texts from
`as_texts` carry no prefix, so load them with ``from_texts(texts)`` without a database.

Selection
---------
The stored selection is the set of *ticked* nodes.  Ticking a node selects everything below it;
ticking deeper nodes under it narrows the scope to those deeper nodes; unticking them widens back
to everything below the ancestor.  The *effective* scope is the ticked nodes without a ticked
descendant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from core.errors import InvalidInput

__all__ = [
    "EMPTY_SCOPE_MESSAGE",
    "MAX_PARTS",
    "WHOLE_DATABASE",
    "ScopePath",
    "State",
    "as_texts",
    "covers",
    "effective",
    "format_path",
    "from_texts",
    "normalize_paths",
    "parse_path",
    "sort_paths",
    "state",
    "summary",
    "toggle",
]

ScopePath = tuple[str, ...]
State = Literal["checked", "partial", "unchecked"]

WHOLE_DATABASE: ScopePath = ()
MAX_PARTS = 4
EMPTY_SCOPE_MESSAGE = (
    "scope is empty; choose at least one schema, table or column, e.g. public.users."
)

_FIELD = "scope"
_BARE = re.compile(r"[\w$-]+")
_DIGITS = re.compile(r"([0-9]+)")
_SHOW_MAX = 60


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(_FIELD, message)


def _show(text: str) -> str:
    # repr() escapes newlines and other unprintables, keeping every message on one line.
    return repr(text if len(text) <= _SHOW_MAX else text[: _SHOW_MAX - 1] + "…")


def _stray(text: str, index: int) -> InvalidInput:
    return _refuse(
        f"scope path {_show(text)} has a stray {_show(text[index])} at character {index + 1}; "
        'quote names holding spaces, dots or punctuation, e.g. "Sales Data".orders.'
    )


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read the quoted identifier opening at `start`; return it and the index after its quote."""
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            if text.startswith('""', i):
                chars.append('"')
                i += 2
                continue
            return "".join(chars), i + 1
        chars.append(char)
        i += 1
    raise _refuse(
        f"scope path {_show(text)} has an unclosed double quote; "
        'end the quoted name with " and write "" for a quote inside it.'
    )


def parse_path(text: str) -> ScopePath:
    """Parse ``[database.]schema.table[.column]`` or ``*`` into its segments."""
    text = text.strip()
    if not text:
        raise _refuse("scope path is empty; give a schema, table or column, e.g. public.users.")
    if text == "*":
        return WHOLE_DATABASE
    parts: list[str] = []
    i = 0
    while True:
        if text.startswith('"', i):
            name, i = _read_quoted(text, i)
        else:
            match = _BARE.match(text, i)
            name, i = (match.group(), match.end()) if match else ("", i)
            if not match and i < len(text) and text[i] != ".":
                raise _stray(text, i)
        if not name:
            raise _refuse(
                f"scope path {_show(text)} has an empty name between dots; "
                "remove the extra dot or fill in the schema, table or column."
            )
        parts.append(name)
        if i == len(text):
            break
        if text[i] != ".":
            raise _stray(text, i)
        i += 1
    if len(parts) > MAX_PARTS:
        raise _refuse(
            f"scope path {_show(text)} has {len(parts)} parts but at most {MAX_PARTS} are allowed; "
            "write [database.]schema.table[.column] and quote names that contain dots."
        )
    return tuple(parts)


def _format_segment(name: str) -> str:
    if not name:
        raise ValueError("a scope path segment cannot be empty")
    if _BARE.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def format_path(path: ScopePath) -> str:
    """Write `path` back as text, quoting only segments that need it; ``()`` is ``*``."""
    if not path:
        return "*"
    return ".".join(_format_segment(name) for name in path)


def _segment_key(name: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    # Digits compare as numbers (t2 < t10) and letters case-blind; the raw name breaks ties
    # so the order is total and never depends on insertion order.
    tokens = tuple(
        (0, int(token), token) if _DIGITS.fullmatch(token) else (1, 0, token.casefold())
        for token in _DIGITS.split(name)
        if token
    )
    return tokens, name


def sort_paths(paths: Iterable[ScopePath]) -> list[ScopePath]:
    """Sort paths in natural order: segment by segment, a node before its descendants."""
    return sorted(paths, key=lambda path: tuple(_segment_key(name) for name in path))


def _strip_database(path: ScopePath, database: str | None, text: str) -> ScopePath:
    if len(path) == MAX_PARTS:
        if database and path[0] != database:
            raise _refuse(
                f"scope path {_show(text.strip())} starts with database {_show(path[0])} "
                f"but this schedule analyses database {_show(database)}; "
                "drop the database prefix or change the schedule's database."
            )
        return path[1:]
    if database and len(path) >= 2 and path[0] == database:
        return path[1:]
    return path


def _normalize(texts: Iterable[str], database: str | None) -> list[ScopePath]:
    if isinstance(texts, str):
        texts = [texts]
    paths = {_strip_database(parse_path(text), database, text) for text in texts}
    if not paths:
        raise _refuse(EMPTY_SCOPE_MESSAGE)
    return sort_paths(paths)


def normalize_paths(texts: Iterable[str], database: str | None = None) -> list[str]:
    """Parse, strip the database prefix, dedupe and sort; refuse an empty scope."""
    return [format_path(path) for path in _normalize(texts, database)]


def _is_under(path: ScopePath, node: ScopePath) -> bool:
    """Whether `path` is `node` or lies below it."""
    return path[: len(node)] == node


def effective(ticked: frozenset[ScopePath]) -> frozenset[ScopePath]:
    """The ticked nodes with no ticked descendant: what a run actually covers."""
    narrowed = {path[:depth] for path in ticked for depth in range(len(path))}
    return frozenset(path for path in ticked if path not in narrowed)


def _covered(scope: frozenset[ScopePath], path: ScopePath) -> bool:
    return any(path[:depth] in scope for depth in range(len(path) + 1))


def covers(ticked: frozenset[ScopePath], path: ScopePath) -> bool:
    """Whether `path` lies inside the effective scope."""
    return _covered(effective(ticked), path)


def toggle(ticked: frozenset[ScopePath], path: ScopePath) -> frozenset[ScopePath]:
    """Untick `path` and every ticked node below it if it is ticked; otherwise tick it.

    Ticking selects everything below, so nodes ticked below it before are dropped; ticking
    deeper nodes afterwards narrows it again.
    """
    below = frozenset(node for node in ticked if not _is_under(node, path))
    return below if path in ticked else below | {path}


def state(ticked: frozenset[ScopePath], path: ScopePath) -> State:
    """The tri-state of `path`'s checkbox under the ticked set."""
    scope = effective(ticked)
    if _covered(scope, path):
        return "checked"
    if any(len(node) > len(path) and _is_under(node, path) for node in scope):
        return "partial"
    return "unchecked"


def summary(ticked: frozenset[ScopePath], limit: int | None = None) -> str:
    """Effective paths joined with ", "; with `limit` characters, cut with "… +N more"."""
    items = [format_path(path) for path in sort_paths(effective(ticked))]
    if not items:
        return "nothing selected"
    full = ", ".join(items)
    if limit is None or len(full) <= limit:
        return full
    # Prefix lengths make the search linear, since a scope may tick thousands of columns.
    prefix = [0]
    for index, item in enumerate(items):
        prefix.append(prefix[-1] + len(item) + (2 if index else 0))
    for shown in range(len(items) - 1, 0, -1):
        hint = f"… +{len(items) - shown} more"
        if prefix[shown] + 2 + len(hint) <= limit:
            return ", ".join([*items[:shown], hint])
    # The hint itself is never cut: it is the least that still says what is there.
    return f"… +{len(items)} more"


def as_texts(ticked: frozenset[ScopePath]) -> list[str]:
    """The ticked set as sorted texts, for storage."""
    return [format_path(path) for path in sort_paths(ticked)]


def from_texts(texts: Iterable[str], database: str | None = None) -> frozenset[ScopePath]:
    """Load a ticked set stored by `as_texts`; no texts load as nothing ticked."""
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    if not texts:
        return frozenset()
    return frozenset(_normalize(texts, database))
