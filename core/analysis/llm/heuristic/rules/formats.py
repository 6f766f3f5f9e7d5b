"""Rules for the form of a value: URLs, JSON, versions, hashes, codes, free text."""

from __future__ import annotations

import json
import re
from statistics import fmean

from core.analysis.llm.heuristic.columns import (
    ColumnFacts,
    Verdict,
    column_subject,
    default_text,
    enum_values,
    few_values,
)
from core.analysis.llm.heuristic.vocab import (
    ENUMISH,
    FREE_TEXT,
    HASH_WORDS,
    JSON_NAMES,
    LABELS,
    STATUS,
    URL_NAMES,
)
from core.analysis.llm.heuristic.wording import cap, human, listing


def url(col: ColumnFacts) -> Verdict | None:
    """Web addresses, by name or by samples that start with http(s)://."""
    words, e = col.words, col.entity
    by_samples = bool(col.values) and all(re.match(r"https?://", v) for v in col.values)
    named = words[-1] in URL_NAMES
    if not (named or by_samples) or col.kind not in ("text", "unknown", "other"):
        return None
    if words[-1] in ("url", "uri", "link", "href") and len(words) > 1:
        return Verdict(f"URL of the {e}'s {human(words[:-1])}.", ["url"], 0.85)
    if words in (["url"], ["uri"], ["link"], ["href"]):
        return Verdict(f"Web address (URL) of the {e}.", ["url"], 0.85)
    return Verdict(f"{cap(column_subject(col))} of the {e}, a web address (URL).", ["url"], 0.8)


def json_keys(values: list[str]) -> list[str] | None:
    """The object keys seen in JSON samples; None if a sample is not JSON."""
    keys: set[str] = set()
    for value in values:
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        if isinstance(parsed, dict):
            keys.update(str(k) for k in parsed)
        elif not isinstance(parsed, list):
            return None
    return sorted(keys)


def json_document(col: ColumnFacts) -> Verdict | None:
    """JSON documents, by type, by samples, or (less sure) by name."""
    words, e = col.words, col.entity
    keys = json_keys(col.values) if col.values else None
    by_samples = keys is not None and all(v.startswith(("{", "[")) for v in col.values)
    named = words[-1] in JSON_NAMES and col.kind in ("text", "unknown") and not col.values
    if not (col.kind == "json" or by_samples or named):
        return None
    seen = f" (keys seen: {listing(keys)})" if keys else ""
    if named and col.kind != "json":
        text = f"{cap(column_subject(col))} of the {e}, probably a structured document (JSON)."
        return Verdict(text, ["json"], 0.5)
    return Verdict(
        f"{cap(column_subject(col))} of the {e} as a JSON document{seen}.", ["json"], 0.85
    )


def version(col: ColumnFacts) -> Verdict | None:
    """Version numbers and optimistic-locking row versions."""
    words, e = col.words, col.entity
    if words == ["lock", "version"]:
        return Verdict(f"Row version of the {e}, for optimistic locking.", ["version"], 0.85)
    if words[-1] not in ("version", "revision", "rev") and words != ["etag"]:
        return None
    semver = [v for v in col.distinct if re.fullmatch(r"v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?", v)]
    seen = f" (e.g. {listing(semver, 3)})" if semver else ""
    return Verdict(
        f"{cap(column_subject(col))} of the {e}, a version number{seen}.", ["version"], 0.85
    )


def hash_digest(col: ColumnFacts) -> Verdict | None:
    """Hash digests, by name or by hex samples of a digest's length."""
    words, e = col.words, col.entity
    hexes = [v for v in col.values if re.fullmatch(r"[0-9a-fA-F]+", v)]
    lengths = {len(v) for v in hexes}
    by_samples = (
        bool(hexes) and len(hexes) == len(col.values) and lengths in ({32}, {40}, {64}, {128})
    )
    if not (set(words) & HASH_WORDS or by_samples):
        return None
    names = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
    algo = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
    found = next((algo[w] for w in words if w in algo), None)
    if found is None and by_samples:
        found = names[lengths.pop()]
    subject = cap(column_subject(col))
    detail = f" ({found})" if found and found != subject else ""
    return Verdict(f"{subject} of the {e}, a hash digest{detail}.", ["hash"], 0.85)


def status(col: ColumnFacts) -> Verdict | None:
    """Lifecycle states, with their declared or sampled values."""
    words, e = col.words, col.entity
    declared = enum_values(col.meta.type)
    is_status = words[-1] in STATUS or (words[-1] == "code" and bool(set(words) & STATUS))
    textual = col.kind in ("text", "unknown", "enum", "integer", "other")
    if not is_status or not textual:
        return None
    text = f"{cap(column_subject(col))} of the {e}"
    tags = ["status"]
    if declared:
        text += f"; one of: {listing(declared)}"
        tags.append("enum")
    elif few_values(col):
        text += f"; values seen: {listing(col.distinct)}"
        tags.append("enum")
    else:
        text += ", its lifecycle state"
    default = default_text(col.meta.default)
    text += f". Defaults to {default}." if default else "."
    return Verdict(text, tags, 0.85)


def enum(col: ColumnFacts) -> Verdict | None:
    """Codes from a small set: declared enums, category-like names, repeating samples."""
    words, e = col.words, col.entity
    declared = enum_values(col.meta.type)
    named = words[-1] in ENUMISH and col.kind in ("text", "unknown", "enum", "integer", "other")
    values = col.values
    repeating = (
        col.kind in ("text", "unknown")
        and len(values) >= 4
        and len(col.distinct) <= max(2, len(values) // 2)
        and all(len(v) <= 24 and v.count(" ") <= 2 for v in values)
    )
    if not (declared or named or repeating):
        return None
    text = f"{cap(column_subject(col))} of the {e}"
    if declared:
        text += f"; one of: {listing(declared)}"
    elif few_values(col):
        text += f"; values seen: {listing(col.distinct)}"
    else:
        text += ", one of a small set of codes"
    default = default_text(col.meta.default)
    text += f". Defaults to {default}." if default else "."
    return Verdict(text, ["enum"], 0.8 if declared or repeating else 0.65)


def free_text(col: ColumnFacts) -> Verdict | None:
    """Labels and free text: names, titles, notes, long prose samples."""
    words, e = col.words, col.entity
    if col.kind not in ("text", "unknown", "other"):
        return None
    if words == ["user", "agent"]:
        return Verdict(f"Browser or client user-agent string of the {e}.", ["free_text"], 0.85)
    if words[-1] in FREE_TEXT:
        return Verdict(f"Free-text {column_subject(col)} of the {e}.", ["free_text"], 0.8)
    if words[-1] in LABELS:
        return Verdict(f"{cap(column_subject(col))} of the {e}, a human-readable label.", [], 0.8)
    values = col.values
    if values and fmean(len(v) for v in values) > 40 and all(" " in v for v in values):
        return Verdict(f"{cap(column_subject(col))} of the {e}, free text.", ["free_text"], 0.65)
    return None
