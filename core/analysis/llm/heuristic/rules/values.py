"""Rules for what a value measures: times, flags, rates, money, places, counts."""

from __future__ import annotations

import re

from core.analysis.llm.heuristic.columns import ColumnFacts, Verdict, column_subject, default_text
from core.analysis.llm.heuristic.vocab import (
    BOOL_PREFIX,
    BOOL_VALUES,
    COUNTS,
    GEO_NAMES,
    INTRANSITIVE,
    MEASURES,
    MONEY,
    QUANTITIES,
    RATE_PREFIX,
    TIME_TAIL,
    UNITS,
)
from core.analysis.llm.heuristic.wording import (
    article,
    cap,
    human,
    is_adjective,
    is_participle,
    listing,
    plural,
)
from core.analysis.pii import name_words


def when(col: ColumnFacts) -> Verdict | None:
    """Times and dates: by type, or by names like created_at or shipped_on."""
    words, kind, e = col.words, col.kind, col.entity
    last = words[-1]
    time_kind = kind in ("timestamp", "date", "time")
    stem = words[:-1] if len(words) > 1 and last in TIME_TAIL else words
    named = (
        (len(words) > 1 and last == "at")
        or (len(words) > 1 and last == "on" and (time_kind or is_participle(words[-2])))
        or last in ("timestamp", "ts", "datetime")
        or (
            last in ("date", "time", "dt")
            and kind in ("timestamp", "date", "time", "text", "unknown")
        )
    )
    if not (time_kind or named):
        return None
    if kind == "date" or (not time_kind and last in ("date", "on", "dt")):
        tag = "date"
    else:
        tag = "timestamp"
    text = when_text(stem, e, tag, col.meta.nullable)
    if kind == "integer":
        text = text.removesuffix(".") + " (as a Unix epoch number)."
    return Verdict(text, [tag], 0.9 if time_kind and named else 0.75)


def when_text(stem: list[str], e: str, tag: str, nullable: bool) -> str:
    """The sentence saying which moment of the entity a time column records."""
    noun = "Date" if tag == "date" else "Time"
    if stem in (["created"], ["creation"], ["inserted"], ["insert"], ["create"], ["added"]):
        return f"When the {e} was created."
    if stem in (["updated"], ["modified"], ["last", "updated"], ["last", "modified"], ["changed"]):
        return f"When the {e} was last updated."
    if stem in (["deleted"], ["removed"]):
        empty = "; empty while it is not deleted" if nullable else ""
        return f"When the {e} was deleted (soft delete){empty}."
    if len(stem) >= 2 and stem[-1] in ("in", "out", "up", "off") and is_participle(stem[-2]):
        return f"When the {e} {' '.join(stem)}."
    if stem and is_participle(stem[-1]):
        verb = stem[-1]
        if len(stem) == 1:
            return f"When the {e} {'' if verb in INTRANSITIVE else 'was '}{verb}."
        if len(stem) == 2 and stem[0] in ("first", "last", "next", "recently"):
            return f"When the {e} was {stem[0]} {verb}."
        return f"When the {e}'s {human(stem[:-1])} was {verb}."
    if stem in (["expires"], ["expiry"], ["expiration"], ["expire"]):
        return f"When the {e} expires."
    if len(stem) == 1 and stem[0] in ("starts", "ends", "begins", "closes", "opens", "renews"):
        return f"When the {e} {stem[0]}."
    subject = human(stem)
    if not stem or stem[-1] in TIME_TAIL or subject == e:
        return f"{noun} of the {e}."
    return f"{noun} of the {subject} of the {e}."


def boolean(col: ColumnFacts) -> Verdict | None:
    """True/false flags: by type, by is_/has_ prefixes, or by yes/no samples."""
    words, kind, e = col.words, col.kind, col.entity
    lowered = {v.lower() for v in col.values}
    prefixed = len(words) > 1 and words[0] in BOOL_PREFIX
    by_samples = bool(lowered) and kind in ("text", "unknown") and lowered <= BOOL_VALUES
    zero_one = bool(lowered) and lowered <= {"0", "1"} and kind == "integer" and prefixed
    flag = words[-1] == "flag" and kind in ("integer", "text", "unknown", "boolean")
    loose = prefixed and kind in ("integer", "unknown")
    if not (kind == "boolean" or by_samples or zero_one or loose or flag):
        return None
    head, rest = words[0], human(words[1:])
    if head in ("is", "was") and len(words) == 2 and not is_adjective(words[1]):
        text = f"Whether the {e} {head} {article(rest)} {rest}."
    elif head in BOOL_PREFIX - {"allow", "include", "show", "enable"}:
        text = f"Whether the {e} {head} {rest}."
    elif head in ("allow", "include", "show", "enable") and len(words) > 1:
        text = f"Whether to {human(words)} for the {e}."
    elif words[-1] == "flag" and len(words) > 1:
        text = f"Flag: whether the {e} is {human(words[:-1])}."
    elif is_adjective(words[-1]):
        if len(words) == 1:
            text = f"Whether the {e} is {words[0]}."
        else:
            text = f"Whether the {e}'s {human(words[:-1])} is {words[-1]}."
    else:
        text = f"Whether {human(words)} applies to the {e} (true/false)."
    default = default_text(col.meta.default)
    if default:
        text += f" Defaults to {default.strip(chr(39))}."
    return Verdict(text, ["boolean"], 0.9 if kind == "boolean" else 0.7)


def percentage(col: ColumnFacts) -> Verdict | None:
    """Percentages, ratios and rates."""
    words = col.words
    if not col.numeric and col.kind != "unknown":
        return None
    subject = f"{cap(column_subject(col))} of the {col.entity}"
    if any(w in ("percent", "percentage", "pct") for w in words):
        return Verdict(f"{subject}, a percentage.", ["percentage"], 0.85)
    if words[-1] == "ratio" or (
        words[-1] == "rate" and len(words) > 1 and words[-2] in RATE_PREFIX
    ):
        return Verdict(f"{subject}, a rate (percentage or fraction).", ["percentage"], 0.75)
    return None


def money(col: ColumnFacts) -> Verdict | None:
    """Monetary amounts, in currency units or in cents."""
    words = col.words
    if not (set(words) & MONEY or col.kind == "money"):
        return None
    if (
        words[-1] in COUNTS
        or words[0] in ("num", "number")
        or not (col.numeric or col.kind == "unknown")
    ):
        return None
    if words == ["value"] or (words[-1] == "value" and not set(words[:-1]) & MONEY):
        return None
    e = col.entity
    if "cents" in words or "minor" in words:
        stem = [w for w in words if w not in ("cents", "minor", "units", "in")] or ["amount"]
        text = f"{cap(human(stem))} of the {e} in cents (minor currency units), a monetary value."
        return Verdict(text, ["money"], 0.85)
    return Verdict(f"{cap(column_subject(col))} of the {e}, a monetary value.", ["money"], 0.85)


def currency(col: ColumnFacts) -> Verdict | None:
    """Currency codes, ISO 4217 when the type or samples say so."""
    words = col.words
    if not (
        words[-1] in ("currency", "ccy") or words in (["currency", "code"], ["currency", "iso"])
    ):
        return None
    distinct = col.distinct
    iso = (bool(distinct) and all(re.fullmatch(r"[A-Z]{3}", v) for v in distinct)) or (
        "code" in words or re.search(r"char\w*\s*\(\s*3\s*\)", col.meta.type.lower()) is not None
    )
    text = f"{cap(column_subject(col))} of the {col.entity}"
    text += " as an ISO 4217 code" if iso else ""
    text += f" (values seen: {listing(distinct)})" if distinct else ""
    return Verdict(f"{text}.", ["currency"], 0.9)


def country(col: ColumnFacts) -> Verdict | None:
    """Country codes, ISO 3166-1 alpha-2 or alpha-3 when the type or samples say so."""
    words = col.words
    if not (words[-1] == "country" or words[-2:] in (["country", "code"], ["country", "iso"])):
        return None
    distinct = col.distinct
    low = col.meta.type.lower()
    if (distinct and all(re.fullmatch(r"[A-Z]{2}", v) for v in distinct)) or re.search(
        r"char\w*\s*\(\s*2\s*\)", low
    ):
        form = " as an ISO 3166-1 alpha-2 code"
    elif (distinct and all(re.fullmatch(r"[A-Z]{3}", v) for v in distinct)) or re.search(
        r"char\w*\s*\(\s*3\s*\)", low
    ):
        form = " as an ISO 3166-1 alpha-3 code"
    else:
        form = " as an ISO country code" if "code" in words else ""
    seen = f" (values seen: {listing(distinct)})" if distinct else ""
    return Verdict(f"{cap(column_subject(col))} of the {col.entity}{form}{seen}.", ["country"], 0.9)


def geo(col: ColumnFacts) -> Verdict | None:
    """Coordinates, shapes, places and time zones."""
    words, e = col.words, col.entity
    last = words[-1]
    qualifier = f" ({human(words[:-1])})" if len(words) > 1 else ""
    if last in ("lat", "latitude"):
        return Verdict(f"Latitude of the {e}{qualifier}, in decimal degrees.", ["geo"], 0.9)
    has_lat = any(name_words(s)[-1:] in (["lat"], ["latitude"]) for s in col.siblings)
    if last in ("lng", "lon", "longitude") or (last == "long" and has_lat):
        return Verdict(f"Longitude of the {e}{qualifier}, in decimal degrees.", ["geo"], 0.9)
    if col.kind == "geo" or last in GEO_NAMES:
        return Verdict(f"Geographic location or shape of the {e}.", ["geo"], 0.85)
    places = {"city", "town", "region", "province", "county", "district", "continent", "location"}
    has_place = any(name_words(s)[-1:] in (["city"], ["country"]) for s in col.siblings)
    if (last in places or (last == "state" and has_place)) and col.kind in ("text", "unknown"):
        return Verdict(f"{cap(column_subject(col))} of the {e}.", ["geo"], 0.8)
    if words in (["timezone"], ["time", "zone"], ["tz"]):
        return Verdict(f"Time zone of the {e} (an IANA name such as Europe/Berlin).", [], 0.8)
    return None


def quantity(col: ColumnFacts) -> Verdict | None:
    """Counts and measured quantities, with their unit when the name gives one."""
    words, e = col.words, col.entity
    if not (col.numeric or col.kind == "unknown"):
        return None
    if words in (["quantity"], ["qty"]):
        return Verdict(f"Quantity of the {e}, a count of units.", ["quantity"], 0.85)
    if len(words) > 1 and (words[-1] in ("count", "cnt") or words[0] in ("num", "number", "n")):
        things = [
            w for w in (words[:-1] if words[-1] in ("count", "cnt") else words[1:]) if w != "of"
        ]
        text = f"Number of {plural(human(things))} of the {e}, a count."
        return Verdict(text, ["quantity"], 0.85)
    if len(words) > 1 and words[-1] in UNITS and set(words[:-1]) & (MEASURES | QUANTITIES):
        text = f"{cap(human(words[:-1]))} of the {e} in {UNITS[words[-1]]}, a quantity."
        return Verdict(text, ["quantity"], 0.85)
    if set(words) & QUANTITIES or words[-1] in ("count", "cnt"):
        return Verdict(f"{cap(column_subject(col))} of the {e}, a count.", ["quantity"], 0.8)
    if set(words) & MEASURES:
        return Verdict(f"{cap(column_subject(col))} of the {e}, a quantity.", ["quantity"], 0.75)
    return None
