"""Text that reaches a terminal: what a name may hold, how names compare, and how any stored
text is printed so that it cannot steer the terminal (escapes, bells, reordering)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

# Explicit bidirectional embeddings, overrides and isolates: they reorder what follows them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Unicode's Default_Ignorable_Code_Point: drawn as nothing, so they neither count as a visible
# character nor tell two names apart.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip

# Zero-width joiners stay as they are when printed: emoji sequences are built with them.
_JOINERS = frozenset("\u200c\u200d")

# The longest folded name stored; a name's folded form can be longer than the name ("ß" → "ss").
NAME_KEY_MAX = 480


def is_ignorable(char: str) -> bool:
    """True for a default-ignorable code point (zero-width spaces, joiners, fillers, tags)."""
    point = ord(char)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


def _steers_terminal(char: str) -> bool:
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Zl", "Zp") or char in BIDI_CONTROLS:
        return True
    return category == "Cf" and char not in _JOINERS


def _escape(char: str) -> str:
    point = ord(char)
    if point <= 0xFF:
        return f"\\x{point:02x}"
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every control, bidi and invisible format character written as a visible
    escape such as `\\x1b` or `\\u202e`; `multiline` keeps line breaks (tracebacks)."""
    if text.isprintable():
        return text  # the common case: isprintable() is False for every character escaped here
    return "".join(
        _escape(c) if _steers_terminal(c) and not (multiline and c == "\n") else c for c in text
    )


def json_inert(document: str) -> str:
    """A JSON document from `json.dumps(..., ensure_ascii=False)` with every character that
    `printable` escapes written as a JSON `\\uXXXX` escape: the same values, inert on a
    terminal (JSON escapes only C0 controls itself, leaving C1 controls and bidi overrides raw)."""
    if document.isprintable():
        return document
    return "".join(_json_escape(c) if _steers_terminal(c) and c != "\n" else c for c in document)


def _json_escape(char: str) -> str:
    point = ord(char)
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def _invisible(char: str) -> bool:
    return (
        char.isspace()
        or is_ignorable(char)
        or char == "\u2800"  # the blank Braille pattern
        or unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp")
    )


def name_problem(name: str, field: str) -> str | None:
    """Why `name` cannot be a name (one sentence naming `field`), or None when it can."""
    for position, char in enumerate(name, start=1):
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            return (
                f"{field} holds the control character {_escape(char)} at position {position}; "
                "use plain text without control characters."
            )
        if char in BIDI_CONTROLS:
            return (
                f"{field} holds the bidirectional control {_escape(char)} at position "
                f"{position}, which reorders the text around it; remove it."
            )
    if name.strip() and all(_invisible(c) for c in name):
        return f"{field} holds only invisible characters; give it a name people can read."
    return None


def name_key(name: str) -> str:
    """The form two names are compared in: Unicode compatibility normalisation (NFKC) and case
    folding, without default-ignorable characters, so "Nightly", "nightly" and its
    fullwidth spelling are one name."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return "".join(c for c in folded if not is_ignorable(c))


def counted(n: int, noun: str) -> str:
    """`n` with the noun in the number it takes: "1 schedule", "0 schedules", "1,200 schedules"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def some_of(names: Sequence[str], most: int = 3) -> str:
    """The first `most` of `names`, quoted, with how many more: "'a', 'b' and 'c'",
    "'a', 'b', 'c' and 7 more"."""
    shown = [repr(name) for name in names[:most]]
    rest = len(names) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest:,} more"
    return " and ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else "".join(shown)
