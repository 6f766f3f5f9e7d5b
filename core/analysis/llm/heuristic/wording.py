"""Turning column-name words into English: display forms, articles, plurals, lists."""

from __future__ import annotations

import re

from core.analysis.llm.heuristic.vocab import (
    ADJECTIVES,
    DISPLAY,
    IRREGULAR_PARTICIPLES,
    NOT_PARTICIPLES,
)


def human(words: list[str]) -> str:
    """The words as a person writes them: short forms spelled out, "line2" as "line 2"."""
    shown = []
    for word in words:
        if word in DISPLAY:
            shown.append(DISPLAY[word])
        else:
            # "line2" reads as "line 2".
            shown.append(re.sub(r"^([a-z]{2,})(\d+)$", r"\1 \2", word))
    return " ".join(shown)


def article(noun: str) -> str:
    """ "a" or "an" before `noun`, by how it sounds."""
    low = noun.lower()
    sounds_like_you = low.startswith(("us", "uni", "uti", "uu", "url", "eu"))
    return "an" if low[:1] in "aeiou" and not sounds_like_you else "a"


def cap(text: str) -> str:
    """`text` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    """`text` on one line, capitalised, ending with a full stop."""
    text = " ".join(text.split())
    return cap(text) if text.endswith((".", "!", "?")) else f"{cap(text)}."


def plural(noun: str) -> str:
    """The plural of `noun` (regular English forms)."""
    if noun.endswith("s"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def is_participle(word: str) -> bool:
    """Whether `word` reads as a past participle ("shipped", "paid")."""
    if word in IRREGULAR_PARTICIPLES:
        return True
    return len(word) > 3 and word.endswith("ed") and word not in NOT_PARTICIPLES


def is_adjective(word: str) -> bool:
    """Whether `word` reads as an adjective ("active", "deleted", "visible")."""
    if word in ADJECTIVES or is_participle(word):
        return True
    return word.endswith(("ive", "able", "ible", "al", "ic", "ful", "ous"))


def listing(values: list[str], limit: int = 8) -> str:
    """Up to `limit` values joined by commas, saying how many more there are."""
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def join_words(items: list[str]) -> str:
    """Items joined as English: "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
