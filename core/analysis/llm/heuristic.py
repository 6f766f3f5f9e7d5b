"""The built-in offline profile: describes and tags tables from names, types, keys and samples."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import fmean

from core.analysis.llm.base import TAG_VOCABULARY
from core.analysis.pii import classify_pii, is_secret, name_words, table_entity
from core.catalog.metadata import (
    AnnotationResult,
    ColumnAnnotation,
    ColumnMeta,
    TableAnnotation,
    TableMeta,
)

_DISPLAY = {
    "qty": "quantity", "amt": "amount", "num": "number", "no": "number", "nr": "number",
    "cnt": "count", "addr": "address", "desc": "description", "msg": "message",
    "ts": "timestamp", "dt": "date", "dob": "date of birth", "url": "URL", "uri": "URI",
    "ip": "IP", "sku": "SKU", "uuid": "UUID", "guid": "GUID", "vat": "VAT", "iso": "ISO",
    "pct": "percentage", "avg": "average", "lat": "latitude", "lng": "longitude",
    "lon": "longitude", "last4": "last four digits", "tel": "telephone",
    "ssn": "social security number",
    "api": "API", "http": "HTTP", "json": "JSON", "utc": "UTC", "ean": "EAN", "upc": "UPC",
    "isbn": "ISBN", "iban": "IBAN", "os": "OS", "ccy": "currency", "tz": "time zone",
    "zip": "ZIP code", "id": "ID", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512",
    "md5": "MD5", "crc32": "CRC-32", "pwd": "password", "passwd": "password",
    "otp": "one-time password",
}  # fmt: skip
_IRREGULAR_PARTICIPLES = {
    "paid", "sent", "sold", "built", "made", "read", "seen", "done", "begun", "written", "taken",
    "given", "shown", "known", "held", "bought", "brought", "caught", "kept", "left", "lost",
    "met", "run", "set", "shut", "spent", "won", "chosen", "driven", "frozen", "hidden", "spoken",
    "thrown", "woken", "worn", "found", "put", "cut", "hit", "quit",
}  # fmt: skip
_INTRANSITIVE = {
    "occurred", "happened", "arrived", "expired", "failed", "succeeded", "ended", "started",
    "finished", "began", "joined", "left", "died", "changed", "registered",
}  # fmt: skip
_NOT_PARTICIPLES = {"need", "feed", "seed", "speed", "bed", "red", "shed", "breed", "embed"}
_ADJECTIVES = {
    "active", "public", "private", "default", "primary", "enabled", "visible", "hidden", "open",
    "closed", "free", "new", "paid", "valid", "online", "live", "locked", "blocked", "archived",
    "featured", "pinned", "admin", "staff", "superuser", "premium", "vip", "internal", "test",
    "draft", "current", "latest", "available", "deleted", "verified", "confirmed", "approved",
    "published", "required", "optional", "disabled", "suspended", "banned", "read",
}  # fmt: skip
_OWNERS = {
    "user", "customer", "account", "order", "tenant", "organisation", "organization", "company",
    "owner", "project", "team", "workspace", "invoice", "cart", "client", "member", "merchant",
    "store", "shop", "vendor", "supplier", "parent",
}  # fmt: skip
_MONEY = {
    "amount", "amt", "price", "cost", "fee", "fees", "total", "subtotal", "tax", "vat",
    "discount", "balance", "revenue", "salary", "wage", "refund", "charge", "charges", "tip",
    "budget", "income", "spend", "spent", "msrp", "gross", "net", "deposit", "payout",
    "commission", "shipping", "paid", "cents", "due", "owed", "credit", "debit", "rrp", "value",
}  # fmt: skip
_COUNTS = {"count", "cnt", "quantity", "qty", "items", "units", "number", "num"}
_QUANTITIES = {
    "quantity", "qty", "stock", "units", "inventory", "seats", "capacity", "attempts", "retries",
    "views", "clicks", "visits", "downloads", "likes", "points",
}  # fmt: skip
_MEASURES = {
    "weight", "height", "width", "length", "depth", "duration", "size", "distance", "volume",
    "area", "mass", "elapsed", "latency",
}  # fmt: skip
_UNITS = {
    "kg": "kilograms", "g": "grams", "gr": "grams", "mg": "milligrams", "lb": "pounds",
    "lbs": "pounds", "oz": "ounces", "cm": "centimetres", "mm": "millimetres", "m": "metres",
    "km": "kilometres", "ft": "feet", "ms": "milliseconds", "millis": "milliseconds",
    "sec": "seconds", "secs": "seconds", "seconds": "seconds", "s": "seconds", "min": "minutes",
    "mins": "minutes", "minutes": "minutes", "hours": "hours", "hrs": "hours", "days": "days",
    "bytes": "bytes", "kb": "kilobytes", "mb": "megabytes", "gb": "gigabytes", "px": "pixels",
}  # fmt: skip
_RATE_PREFIX = {
    "tax", "vat", "discount", "interest", "commission", "conversion", "churn", "bounce",
    "success", "error", "failure", "completion", "click", "open", "retention", "utilization",
    "utilisation", "growth", "fill", "hit", "miss", "win",
}  # fmt: skip
_ID_ADJECTIVES = {
    "external", "public", "internal", "legacy", "global", "source", "remote", "vendor",
    "provider", "upstream", "original", "unique", "alternate", "alt",
}  # fmt: skip
_STATUS = {"status", "state", "stage", "phase", "lifecycle"}
_ENUMISH = {
    "type", "kind", "category", "role", "level", "tier", "plan", "method", "channel", "source",
    "gender", "priority", "severity", "mode", "format", "variant", "segment", "class", "grade",
    "unit", "language", "lang", "provider", "platform", "device", "browser", "visibility",
    "frequency", "brand", "network", "scheme", "carrier",
}  # fmt: skip
_FREE_TEXT = {
    "description", "desc", "notes", "note", "comment", "comments", "body", "bio", "biography",
    "message", "msg", "content", "text", "summary", "remarks", "remark", "review", "feedback",
    "instructions", "reason", "about", "excerpt", "caption", "answer", "question",
    "explanation", "memo",
}  # fmt: skip
_LABELS = {"name", "title", "label", "heading", "subject", "headline"}
_JSON_NAMES = {
    "metadata", "meta", "payload", "attributes", "attrs", "properties", "props", "settings",
    "preferences", "prefs", "config", "configuration", "extra", "extras", "data", "details",
    "context", "options", "params", "parameters",
}  # fmt: skip
_HASH_WORDS = {
    "hash", "hashed", "digest", "checksum", "sha", "sha1", "sha256", "sha512", "md5",
    "fingerprint", "crc", "crc32", "bcrypt",
}  # fmt: skip
_BOOL_PREFIX = {
    "is", "was", "has", "had", "can", "should", "needs", "must", "did", "does", "will",
    "allows", "uses", "includes", "allow", "include", "show", "enable",
}  # fmt: skip
_BOOL_VALUES = {"true", "false", "t", "f", "yes", "no", "y", "n"}
_PII_PHRASES = {
    "pii:email": "email address",
    "pii:phone": "phone number",
    "pii:ip": "IP address",
}
_PII_CORE = {
    "pii:email": {"email", "e", "mail", "address", "addr"},
    "pii:phone": {"phone", "telephone", "tel", "number", "num", "no", "nr"},
    "pii:ip": {"ip", "ipv4", "ipv6", "addr", "address", "ipaddr", "ipaddress"},
}


@dataclass
class _Verdict:
    description: str
    tags: list[str]
    confidence: float


@dataclass
class _Column:
    """One column with everything the rules look at, worked out once."""

    meta: ColumnMeta
    table: TableMeta
    entity: str
    words: list[str]
    kind: str
    values: list[str]
    pii: str | None
    pk_count: int
    siblings: set[str] = field(default_factory=set)

    @property
    def numeric(self) -> bool:
        if self.kind in ("integer", "numeric", "money"):
            return True
        return (
            self.kind in ("text", "unknown", "other")
            and bool(self.values)
            and all(re.fullmatch(r"-?\d+(?:\.\d+)?", v) for v in self.values)
        )

    @property
    def distinct(self) -> list[str]:
        return sorted(set(self.values))


def _kind(type_: str) -> str:
    low = type_.lower().strip()
    if not low:
        return "unknown"
    checks: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("boolean", lambda t: "bool" in t or t in ("bit", "bit(1)", "tinyint(1)")),
        ("enum", lambda t: t.startswith("enum")),
        ("json", lambda t: "json" in t),
        ("uuid", lambda t: "uuid" in t or "uniqueidentifier" in t),
        ("inet", lambda t: "inet" in t or "cidr" in t),
        ("geo", lambda t: any(g in t for g in ("geometry", "geography", "point", "polygon"))),
        ("timestamp", lambda t: "timestamp" in t or "datetime" in t),
        ("date", lambda t: t.startswith("date")),
        ("interval", lambda t: t.startswith("interval")),
        ("time", lambda t: t.startswith("time")),
        ("money", lambda t: "money" in t),
        (
            "numeric",
            lambda t: any(n in t for n in ("numeric", "decimal", "real", "float", "double")),
        ),
        ("numeric", lambda t: t.startswith("number")),
        ("integer", lambda t: "int" in t or "serial" in t),
        ("binary", lambda t: any(b in t for b in ("blob", "bytea", "binary"))),
        ("text", lambda t: any(s in t for s in ("char", "text", "string", "clob"))),
    )
    for kind, test in checks:
        if test(low):
            return kind
    return "other"


def _human(words: list[str]) -> str:
    shown = []
    for word in words:
        if word in _DISPLAY:
            shown.append(_DISPLAY[word])
        else:
            # "line2" reads as "line 2".
            shown.append(re.sub(r"^([a-z]{2,})(\d+)$", r"\1 \2", word))
    return " ".join(shown)


def _article(noun: str) -> str:
    low = noun.lower()
    sounds_like_you = low.startswith(("us", "uni", "uti", "uu", "url", "eu"))
    return "an" if low[:1] in "aeiou" and not sounds_like_you else "a"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return _cap(text) if text.endswith((".", "!", "?")) else f"{_cap(text)}."


def _plural(noun: str) -> str:
    if noun.endswith("s"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "o", "u"):
        return noun[:-1] + "ies"
    if noun.endswith(("x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _participle(word: str) -> bool:
    if word in _IRREGULAR_PARTICIPLES:
        return True
    return len(word) > 3 and word.endswith("ed") and word not in _NOT_PARTICIPLES


def _adjective(word: str) -> bool:
    if word in _ADJECTIVES or _participle(word):
        return True
    return word.endswith(("ive", "able", "ible", "al", "ic", "ful", "ous"))


def _subject(col: _Column) -> str:
    """The column's name as words, without a leading repeat of the entity ("product_name")."""
    words = col.words
    entity = col.entity.split()
    if len(words) > len(entity) and words[: len(entity)] == entity:
        words = words[len(entity) :]
    return _human(words)


def _listing(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _default_text(default: str | None) -> str | None:
    if default is None:
        return None
    text = re.sub(r"::[\w\s]+(?:\[\])?$", "", default.strip()).strip("() ")
    if not text or text.lower() in ("null",) or "(" in text:
        return None
    if text.lower() in ("true", "false", "1", "0") and not text.startswith("'"):
        return text.lower()
    return text if text.startswith("'") else f"'{text}'"


def _enum_values(type_: str) -> list[str]:
    match = re.match(r"\s*enum\s*\((.*)\)\s*$", type_, re.IGNORECASE | re.DOTALL)
    if not match:
        return []
    return re.findall(r"'((?:[^']|'')*)'", match.group(1))


def _few_values(col: _Column) -> bool:
    distinct = col.distinct
    return 1 <= len(distinct) <= 10 and all(len(v) <= 32 for v in distinct)


# Rules: each returns a verdict or None; the first verdict wins.


def _primary_key(col: _Column) -> _Verdict | None:
    meta = col.meta
    if not meta.primary_key:
        return None
    e = col.entity
    part = "; part of the composite primary key" if col.pk_count > 1 else ""
    if meta.foreign_key:
        verdict = _foreign_key(col)
        assert verdict is not None
        main = verdict.description.removesuffix(".")
        tags = ["identifier", "primary_key", "foreign_key"]
        return _Verdict(f"{main}{part or '; also the primary key'}.", tags, 0.95)
    entity_id = [*e.split(), "id"]
    if col.words in (["id"], ["uuid"], ["guid"], entity_id) or col.kind == "uuid":
        lead = "Unique identifier" if not part else "Identifier"
        text = f"{lead} of the {e} (primary key){part}."
        return _Verdict(text, ["identifier", "primary_key"], 0.95)
    text = f"{_cap(_subject(col))} of the {e}, its primary key{part.replace('; ', ', ')}."
    return _Verdict(text, ["identifier", "primary_key"], 0.9)


def _foreign_key(col: _Column) -> _Verdict | None:
    meta = col.meta
    if not meta.foreign_key:
        return None
    e = col.entity
    target = meta.foreign_key
    parts = target.split(".")
    ref_table = parts[-2] if len(parts) >= 2 else parts[0]
    ref = _ref_entity(target)
    ref_words = ref.split()
    words = col.words
    stem = (
        words[:-1] if len(words) > 1 and words[-1] in {"id", "fk", "key", "uuid", "ref"} else words
    )
    tags = ["identifier", "foreign_key"]
    if col.pii:
        tags.append(col.pii)
    refs = f"(references {target})"
    if stem and stem[-1] == "by":
        doer = _human(stem[:-1])
        text = f"Identifier of the {ref} who {doer} this {e} {refs}."
        return _Verdict(text, tags, 0.9)
    if ref_table == col.table.name and stem != ref_words:
        role = _human(stem)
        noun = role if stem[-len(ref_words) :] == ref_words else f"{role} {ref}"
        return _Verdict(f"Identifier of the {noun} of this {e} {refs}.", tags, 0.9)
    if not stem or stem == ref_words or stem[-len(ref_words) :] == ref_words:
        noun = _human(stem) if stem else ref
        owner = ref_words[-1] in _OWNERS or ref_words[-1] == e.split()[0]
        link = "belongs to" if owner and noun == ref else "refers to"
        return _Verdict(f"Identifier of the {noun} this {e} {link} {refs}.", tags, 0.95)
    text = f"Identifier of the {_human(stem)} of this {e}, {_article(ref)} {ref} {refs}."
    return _Verdict(text, tags, 0.9)


def _personal(col: _Column) -> _Verdict | None:
    tag = col.pii
    if tag is None:
        return None
    e = col.entity
    words = col.words
    note = "personal data (PII)"
    if tag in _PII_PHRASES:
        qualifier = [w for w in words if w not in _PII_CORE[tag] and not w.isdigit()]
        if tag == "pii:ip":
            extra = f" ({_human(qualifier)})" if qualifier else ""
            return _Verdict(f"IP address of the {e}{extra}; {note}.", [tag], 0.9)
        phrase = _human([*qualifier, _PII_PHRASES[tag]])
        return _Verdict(f"{_cap(phrase)} of the {e}; {note}.", [tag], 0.9)
    if tag == "pii:card":
        if any(w in ("last4", "last", "4", "tail") for w in words):
            text = f"Last four digits of the payment card used for the {e}; {note}."
            return _Verdict(text, [tag], 0.9)
        text = f"Payment card number (PAN) of the {e}; {note}, sensitive under PCI DSS."
        return _Verdict(text, [tag], 0.9)
    if tag == "pii:birthdate":
        return _Verdict(f"Date of birth of the {e}; {note}.", [tag, "date"], 0.9)
    if tag == "pii:national_id":
        text = f"{_cap(_human(words))} of the {e}, a national identification number; {note}."
        return _Verdict(text, [tag, "identifier"], 0.85)
    if tag == "pii:address":
        subject = "street address" if words == ["street"] else _human(words)
        text = f"{_cap(subject)} of the {e}, part of a postal address; {note}."
        return _Verdict(text, [tag], 0.85)
    return _Verdict(f"{_cap(_subject(col))} of the {e}; {note}.", [tag], 0.85)


def _secret(col: _Column) -> _Verdict | None:
    if not is_secret(col.meta):
        return None
    e = col.entity
    words = set(col.words)
    hashed = bool(words & _HASH_WORDS) or any(
        v.startswith(("$2", "$argon", "pbkdf2")) for v in col.values
    )
    tags = ["secret", "hash"] if hashed else ["secret"]
    never = "a secret credential, never to be shown or logged"
    if words & {"password", "passwd", "pwd", "passphrase"}:
        lead = "Hashed password" if hashed else "Password"
        return _Verdict(f"{lead} of the {e}; {never}.", tags, 0.9)
    if "salt" in words:
        return _Verdict(f"Salt for the {e}'s password hash; {never}.", tags, 0.85)
    return _Verdict(f"{_cap(_subject(col))} of the {e}; {never}.", tags, 0.85)


def _when(col: _Column) -> _Verdict | None:
    words, kind, e = col.words, col.kind, col.entity
    last = words[-1]
    time_kind = kind in ("timestamp", "date", "time")
    stem = words[:-1] if len(words) > 1 and last in _TIME_TAIL else words
    named = (
        (len(words) > 1 and last == "at")
        or (len(words) > 1 and last == "on" and (time_kind or _participle(words[-2])))
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
    text = _when_text(stem, e, tag, col.meta.nullable)
    if kind == "integer":
        text = text.removesuffix(".") + " (as a Unix epoch number)."
    return _Verdict(text, [tag], 0.9 if time_kind and named else 0.75)


_TIME_TAIL = {"at", "on", "time", "timestamp", "ts", "datetime", "dt", "date", "when"}


def _when_text(stem: list[str], e: str, tag: str, nullable: bool) -> str:
    noun = "Date" if tag == "date" else "Time"
    if stem in (["created"], ["creation"], ["inserted"], ["insert"], ["create"], ["added"]):
        return f"When the {e} was created."
    if stem in (["updated"], ["modified"], ["last", "updated"], ["last", "modified"], ["changed"]):
        return f"When the {e} was last updated."
    if stem in (["deleted"], ["removed"]):
        empty = "; empty while it is not deleted" if nullable else ""
        return f"When the {e} was deleted (soft delete){empty}."
    if len(stem) >= 2 and stem[-1] in ("in", "out", "up", "off") and _participle(stem[-2]):
        return f"When the {e} {' '.join(stem)}."
    if stem and _participle(stem[-1]):
        verb = stem[-1]
        if len(stem) == 1:
            return f"When the {e} {'' if verb in _INTRANSITIVE else 'was '}{verb}."
        if len(stem) == 2 and stem[0] in ("first", "last", "next", "recently"):
            return f"When the {e} was {stem[0]} {verb}."
        return f"When the {e}'s {_human(stem[:-1])} was {verb}."
    if stem in (["expires"], ["expiry"], ["expiration"], ["expire"]):
        return f"When the {e} expires."
    if len(stem) == 1 and stem[0] in ("starts", "ends", "begins", "closes", "opens", "renews"):
        return f"When the {e} {stem[0]}."
    subject = _human(stem)
    if not stem or stem[-1] in _TIME_TAIL or subject == e:
        return f"{noun} of the {e}."
    return f"{noun} of the {subject} of the {e}."


def _boolean(col: _Column) -> _Verdict | None:
    words, kind, e = col.words, col.kind, col.entity
    lowered = {v.lower() for v in col.values}
    prefixed = len(words) > 1 and words[0] in _BOOL_PREFIX
    by_samples = bool(lowered) and kind in ("text", "unknown") and lowered <= _BOOL_VALUES
    zero_one = bool(lowered) and lowered <= {"0", "1"} and kind == "integer" and prefixed
    flag = words[-1] == "flag" and kind in ("integer", "text", "unknown", "boolean")
    loose = prefixed and kind in ("integer", "unknown")
    if not (kind == "boolean" or by_samples or zero_one or loose or flag):
        return None
    head, rest = words[0], _human(words[1:])
    if head in ("is", "was") and len(words) == 2 and not _adjective(words[1]):
        text = f"Whether the {e} {head} {_article(rest)} {rest}."
    elif head in _BOOL_PREFIX - {"allow", "include", "show", "enable"}:
        text = f"Whether the {e} {head} {rest}."
    elif head in ("allow", "include", "show", "enable") and len(words) > 1:
        text = f"Whether to {_human(words)} for the {e}."
    elif words[-1] == "flag" and len(words) > 1:
        text = f"Flag: whether the {e} is {_human(words[:-1])}."
    elif _adjective(words[-1]):
        if len(words) == 1:
            text = f"Whether the {e} is {words[0]}."
        else:
            text = f"Whether the {e}'s {_human(words[:-1])} is {words[-1]}."
    else:
        text = f"Whether {_human(words)} applies to the {e} (true/false)."
    default = _default_text(col.meta.default)
    if default:
        text += f" Defaults to {default.strip(chr(39))}."
    return _Verdict(text, ["boolean"], 0.9 if kind == "boolean" else 0.7)


def _percentage(col: _Column) -> _Verdict | None:
    words = col.words
    if not col.numeric and col.kind != "unknown":
        return None
    subject = f"{_cap(_subject(col))} of the {col.entity}"
    if any(w in ("percent", "percentage", "pct") for w in words):
        return _Verdict(f"{subject}, a percentage.", ["percentage"], 0.85)
    if words[-1] == "ratio" or (
        words[-1] == "rate" and len(words) > 1 and words[-2] in _RATE_PREFIX
    ):
        return _Verdict(f"{subject}, a rate (percentage or fraction).", ["percentage"], 0.75)
    return None


def _money(col: _Column) -> _Verdict | None:
    words = col.words
    if not (set(words) & _MONEY or col.kind == "money"):
        return None
    if (
        words[-1] in _COUNTS
        or words[0] in ("num", "number")
        or not (col.numeric or col.kind == "unknown")
    ):
        return None
    if words == ["value"] or (words[-1] == "value" and not set(words[:-1]) & _MONEY):
        return None
    e = col.entity
    if "cents" in words or "minor" in words:
        stem = [w for w in words if w not in ("cents", "minor", "units", "in")] or ["amount"]
        text = f"{_cap(_human(stem))} of the {e} in cents (minor currency units), a monetary value."
        return _Verdict(text, ["money"], 0.85)
    return _Verdict(f"{_cap(_subject(col))} of the {e}, a monetary value.", ["money"], 0.85)


def _currency(col: _Column) -> _Verdict | None:
    words = col.words
    if not (
        words[-1] in ("currency", "ccy") or words in (["currency", "code"], ["currency", "iso"])
    ):
        return None
    distinct = col.distinct
    iso = (bool(distinct) and all(re.fullmatch(r"[A-Z]{3}", v) for v in distinct)) or (
        "code" in words or re.search(r"char\w*\s*\(\s*3\s*\)", col.meta.type.lower()) is not None
    )
    text = f"{_cap(_subject(col))} of the {col.entity}"
    text += " as an ISO 4217 code" if iso else ""
    text += f" (values seen: {_listing(distinct)})" if distinct else ""
    return _Verdict(f"{text}.", ["currency"], 0.9)


def _country(col: _Column) -> _Verdict | None:
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
    seen = f" (values seen: {_listing(distinct)})" if distinct else ""
    return _Verdict(f"{_cap(_subject(col))} of the {col.entity}{form}{seen}.", ["country"], 0.9)


def _geo(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    last = words[-1]
    qualifier = f" ({_human(words[:-1])})" if len(words) > 1 else ""
    if last in ("lat", "latitude"):
        return _Verdict(f"Latitude of the {e}{qualifier}, in decimal degrees.", ["geo"], 0.9)
    has_lat = any(name_words(s)[-1:] in (["lat"], ["latitude"]) for s in col.siblings)
    if last in ("lng", "lon", "longitude") or (last == "long" and has_lat):
        return _Verdict(f"Longitude of the {e}{qualifier}, in decimal degrees.", ["geo"], 0.9)
    if col.kind == "geo" or last in (
        "geom",
        "geometry",
        "geog",
        "geography",
        "coordinates",
        "geohash",
    ):
        return _Verdict(f"Geographic location or shape of the {e}.", ["geo"], 0.85)
    places = {"city", "town", "region", "province", "county", "district", "continent", "location"}
    has_place = any(name_words(s)[-1:] in (["city"], ["country"]) for s in col.siblings)
    if (last in places or (last == "state" and has_place)) and col.kind in ("text", "unknown"):
        return _Verdict(f"{_cap(_subject(col))} of the {e}.", ["geo"], 0.8)
    if words in (["timezone"], ["time", "zone"], ["tz"]):
        return _Verdict(f"Time zone of the {e} (an IANA name such as Europe/Berlin).", [], 0.8)
    return None


def _quantity(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    if not (col.numeric or col.kind == "unknown"):
        return None
    if words in (["quantity"], ["qty"]):
        return _Verdict(f"Quantity of the {e}, a count of units.", ["quantity"], 0.85)
    if len(words) > 1 and (words[-1] in ("count", "cnt") or words[0] in ("num", "number", "n")):
        things = [
            w for w in (words[:-1] if words[-1] in ("count", "cnt") else words[1:]) if w != "of"
        ]
        text = f"Number of {_plural(_human(things))} of the {e}, a count."
        return _Verdict(text, ["quantity"], 0.85)
    if len(words) > 1 and words[-1] in _UNITS and set(words[:-1]) & (_MEASURES | _QUANTITIES):
        text = f"{_cap(_human(words[:-1]))} of the {e} in {_UNITS[words[-1]]}, a quantity."
        return _Verdict(text, ["quantity"], 0.85)
    if set(words) & _QUANTITIES or words[-1] in ("count", "cnt"):
        return _Verdict(f"{_cap(_subject(col))} of the {e}, a count.", ["quantity"], 0.8)
    if set(words) & _MEASURES:
        return _Verdict(f"{_cap(_subject(col))} of the {e}, a quantity.", ["quantity"], 0.75)
    return None


def _url(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    by_samples = bool(col.values) and all(re.match(r"https?://", v) for v in col.values)
    named = words[-1] in (
        "url",
        "uri",
        "link",
        "href",
        "website",
        "homepage",
        "permalink",
        "webpage",
    )
    if not (named or by_samples) or col.kind not in ("text", "unknown", "other"):
        return None
    if words[-1] in ("url", "uri", "link", "href") and len(words) > 1:
        return _Verdict(f"URL of the {e}'s {_human(words[:-1])}.", ["url"], 0.85)
    if words in (["url"], ["uri"], ["link"], ["href"]):
        return _Verdict(f"Web address (URL) of the {e}.", ["url"], 0.85)
    return _Verdict(f"{_cap(_subject(col))} of the {e}, a web address (URL).", ["url"], 0.8)


def _json_keys(values: list[str]) -> list[str] | None:
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


def _json(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    keys = _json_keys(col.values) if col.values else None
    by_samples = keys is not None and all(v.startswith(("{", "[")) for v in col.values)
    named = words[-1] in _JSON_NAMES and col.kind in ("text", "unknown") and not col.values
    if not (col.kind == "json" or by_samples or named):
        return None
    seen = f" (keys seen: {_listing(keys)})" if keys else ""
    if named and col.kind != "json":
        text = f"{_cap(_subject(col))} of the {e}, probably a structured document (JSON)."
        return _Verdict(text, ["json"], 0.5)
    return _Verdict(f"{_cap(_subject(col))} of the {e} as a JSON document{seen}.", ["json"], 0.85)


def _version(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    if words == ["lock", "version"]:
        return _Verdict(f"Row version of the {e}, for optimistic locking.", ["version"], 0.85)
    if words[-1] not in ("version", "revision", "rev") and words != ["etag"]:
        return None
    semver = [v for v in col.distinct if re.fullmatch(r"v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?", v)]
    seen = f" (e.g. {_listing(semver, 3)})" if semver else ""
    return _Verdict(f"{_cap(_subject(col))} of the {e}, a version number{seen}.", ["version"], 0.85)


def _hash(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    hexes = [v for v in col.values if re.fullmatch(r"[0-9a-fA-F]+", v)]
    lengths = {len(v) for v in hexes}
    by_samples = (
        bool(hexes) and len(hexes) == len(col.values) and lengths in ({32}, {40}, {64}, {128})
    )
    if not (set(words) & _HASH_WORDS or by_samples):
        return None
    names = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
    algo = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}
    found = next((algo[w] for w in words if w in algo), None)
    if found is None and by_samples:
        found = names[lengths.pop()]
    subject = _cap(_subject(col))
    detail = f" ({found})" if found and found != subject else ""
    return _Verdict(f"{subject} of the {e}, a hash digest{detail}.", ["hash"], 0.85)


def _status(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    declared = _enum_values(col.meta.type)
    is_status = words[-1] in _STATUS or (words[-1] == "code" and bool(set(words) & _STATUS))
    textual = col.kind in ("text", "unknown", "enum", "integer", "other")
    if not is_status or not textual:
        return None
    text = f"{_cap(_subject(col))} of the {e}"
    tags = ["status"]
    if declared:
        text += f"; one of: {_listing(declared)}"
        tags.append("enum")
    elif _few_values(col):
        text += f"; values seen: {_listing(col.distinct)}"
        tags.append("enum")
    else:
        text += ", its lifecycle state"
    default = _default_text(col.meta.default)
    text += f". Defaults to {default}." if default else "."
    return _Verdict(text, tags, 0.85)


def _enum(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    declared = _enum_values(col.meta.type)
    named = words[-1] in _ENUMISH and col.kind in ("text", "unknown", "enum", "integer", "other")
    values = col.values
    repeating = (
        col.kind in ("text", "unknown")
        and len(values) >= 4
        and len(col.distinct) <= max(2, len(values) // 2)
        and all(len(v) <= 24 and v.count(" ") <= 2 for v in values)
    )
    if not (declared or named or repeating):
        return None
    text = f"{_cap(_subject(col))} of the {e}"
    if declared:
        text += f"; one of: {_listing(declared)}"
    elif _few_values(col):
        text += f"; values seen: {_listing(col.distinct)}"
    else:
        text += ", one of a small set of codes"
    default = _default_text(col.meta.default)
    text += f". Defaults to {default}." if default else "."
    return _Verdict(text, ["enum"], 0.8 if declared or repeating else 0.65)


def _identifier(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    last = words[-1]
    id_tail = last in ("id", "uuid", "guid")
    code_tail = last in (
        "key", "ref", "reference", "code", "sku", "slug", "ean", "upc", "isbn", "gtin", "handle",
        "number", "no", "nr", "num", "username", "login", "barcode",
    )  # fmt: skip
    if not (id_tail or code_tail or col.kind == "uuid"):
        return None
    tags = ["identifier"]
    if words == ["sku"]:
        return _Verdict(f"Stock keeping unit (SKU) of the {e}, an identifier.", tags, 0.85)
    if words == ["slug"]:
        return _Verdict(f"URL slug of the {e}, an identifier.", tags, 0.85)
    if words in (["username"], ["user", "name"], ["login"], ["handle"]):
        return _Verdict(f"Username (login name) of the {e}, an identifier.", tags, 0.85)
    if id_tail and len(words) > 1:
        prefix = words[:-1]
        if prefix[-1] in _ID_ADJECTIVES:
            return _Verdict(f"{_cap(_human(prefix))} identifier of the {e}.", tags, 0.8)
        text = f"Identifier of the {_human(prefix)} this {e} relates to (no declared foreign key)."
        return _Verdict(text, tags, 0.75)
    if id_tail or col.kind == "uuid":
        return _Verdict(f"Unique identifier of the {e}.", tags, 0.75)
    return _Verdict(f"{_cap(_human(words))} of the {e}, an identifier.", tags, 0.75)


def _words_text(col: _Column) -> _Verdict | None:
    words, e = col.words, col.entity
    if col.kind not in ("text", "unknown", "other"):
        return None
    if words == ["user", "agent"]:
        return _Verdict(f"Browser or client user-agent string of the {e}.", ["free_text"], 0.85)
    if words[-1] in _FREE_TEXT:
        return _Verdict(f"Free-text {_subject(col)} of the {e}.", ["free_text"], 0.8)
    if words[-1] in _LABELS:
        return _Verdict(f"{_cap(_subject(col))} of the {e}, a human-readable label.", [], 0.8)
    values = col.values
    if values and fmean(len(v) for v in values) > 40 and all(" " in v for v in values):
        return _Verdict(f"{_cap(_subject(col))} of the {e}, free text.", ["free_text"], 0.65)
    return None


def _fallback(col: _Column) -> _Verdict:
    type_ = f" ({col.meta.type})" if col.meta.type else ""
    return _Verdict(f"{_cap(_subject(col))} of the {col.entity}{type_}.", [], 0.35)


_RULES: tuple[Callable[[_Column], _Verdict | None], ...] = (
    _primary_key,
    _foreign_key,
    _personal,
    _secret,
    _when,
    _boolean,
    _percentage,
    _money,
    _currency,
    _country,
    _geo,
    _quantity,
    _url,
    _json,
    _version,
    _hash,
    _status,
    _enum,
    _identifier,
    _words_text,
)
_KIND_TAGS = {
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
    "json": "json",
    "uuid": "identifier",
    "money": "money",
    "geo": "geo",
    "inet": "pii:ip",
}


def _describe(col: _Column) -> ColumnAnnotation:
    verdict = next((v for rule in _RULES if (v := rule(col)) is not None), None) or _fallback(col)
    tags = list(verdict.tags)
    extra = _KIND_TAGS.get(col.kind)
    if extra and extra not in tags and not (extra == "timestamp" and "date" in tags):
        tags.append(extra)
    if col.pii and col.pii not in tags:
        tags.append(col.pii)
    description, confidence = verdict.description, verdict.confidence
    if col.meta.comment and confidence < 0.7:
        # The schema author's own words beat a weak guess.
        description, confidence = _sentence(col.meta.comment), 0.7
    return ColumnAnnotation(
        name=col.meta.name,
        description=description[:2000],
        tags=list(dict.fromkeys(tags)),
        confidence=confidence,
    )


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _ref_entity(target: str) -> str:
    """The entity noun of the table a "schema.table.column" reference points at."""
    parts = target.split(".")
    return table_entity(TableMeta(schema="", name=parts[-2] if len(parts) >= 2 else parts[0]))


def _fk_noun(words: list[str], ref: str, self_ref: bool) -> str:
    """What a foreign key points at, in words: "shipping_address_id" → "shipping address"."""
    keyish = {"id", "fk", "key", "uuid", "ref"}
    stem = words[:-1] if len(words) > 1 and words[-1] in keyish else words
    ref_words = ref.split()
    if stem and stem[-len(ref_words) :] == ref_words:
        return _human(stem)
    return f"{_human(stem)} {ref}" if self_ref and stem else ref


def _table_text(table: TableMeta, entity: str, columns: list[ColumnAnnotation]) -> str:
    sentences: list[str] = []
    if table.comment:
        sentences.append(_sentence(table.comment))
    keys = [c.name for c in table.columns if c.primary_key]
    fks = [c for c in table.columns if c.foreign_key]
    link_table = (
        len(keys) >= 2
        and len(fks) >= 2
        and all(c.foreign_key for c in table.columns if c.primary_key)
    )
    if table.kind == "view":
        sentences.append(f"A view with one row per {entity}.")
    elif link_table:
        one, two = (_ref_entity(c.foreign_key or "") for c in fks[:2])
        sentences.append(
            f"Links {_plural(one)} to {_plural(two)}: each row pairs one {one} with one {two}, "
            f"identified by ({', '.join(keys)})."
        )
    elif len(keys) == 1:
        sentences.append(f"Each row is one {entity}, identified by {keys[0]}.")
    elif keys:
        sentences.append(f"Each row is one {entity}, identified by ({', '.join(keys)}).")
    else:
        sentences.append(f"Each row is one {entity}; no primary key is declared.")
    if fks and not link_table:
        links = []
        for c in fks:
            target = c.foreign_key or ""
            self_ref = target.split(".")[-2:-1] == [table.name]
            noun = _fk_noun(name_words(c.name), _ref_entity(target), self_ref)
            links.append(f"{_article(noun)} {noun} ({c.name} → {target})")
        sentences.append(f"Links each {entity} to {_join(links)}.")
    personal = [c.name for c in columns if any(t.startswith("pii:") for t in c.tags)]
    if personal:
        sentences.append(f"Holds personal data (PII) in {_join(personal)}.")
    else:
        sentences.append("No personal data was recognised.")
    secrets = [c.name for c in columns if "secret" in c.tags]
    if secrets:
        sentences.append(f"Stores secrets in {_join(secrets)}.")
    facts = []
    money = [c.name for c in columns if "money" in c.tags]
    if money:
        facts.append(f"monetary amounts ({', '.join(money)})")
    status = [c.name for c in columns if "status" in c.tags]
    if status:
        facts.append(f"a status ({', '.join(status)})")
    times = [c.name for c in columns if "timestamp" in c.tags]
    if times:
        facts.append(f"timestamps ({', '.join(times)})")
    if facts:
        sentences.append(f"Records {_join(facts)}.")
    return " ".join(sentences)[:4000]


class HeuristicAnnotator:
    """The offline, deterministic profile: no network, no tokens, same input → same output."""

    def __init__(self, name: str = "heuristic", concurrency: int = 2) -> None:
        self.name = name
        self.concurrency = concurrency

    def annotate(self, table: TableMeta) -> AnnotationResult:
        """Describe and tag `table` and its columns from their metadata alone."""
        entity = table_entity(table)
        names = {c.name for c in table.columns}
        pk_count = sum(1 for c in table.columns if c.primary_key)
        columns = []
        for meta in table.columns:
            words = name_words(meta.name) or [meta.name.lower() or "column"]
            col = _Column(
                meta=meta,
                table=table,
                entity=entity,
                words=words,
                kind=_kind(meta.type),
                values=[s.strip() for s in meta.samples if s.strip().lower() not in ("", "null")],
                pii=classify_pii(meta, table),
                pk_count=pk_count,
                siblings=names - {meta.name},
            )
            columns.append(_describe(col))
        present = {t for c in columns for t in c.tags}
        tags = [
            t for t in TAG_VOCABULARY if t in present and (t.startswith("pii:") or t == "secret")
        ]
        confidence = round(min(0.9, fmean(c.confidence for c in columns)), 2) if columns else 0.3
        annotation = TableAnnotation(
            description=_table_text(table, entity, columns),
            tags=tags,
            confidence=confidence,
            columns=columns,
        )
        samples = sum(len(c.samples) for c in table.columns)
        evidence = f"heuristic from names, types and constraints of {len(columns)} columns"
        if samples:
            evidence += f" and {samples} sample values"
        return AnnotationResult(annotation=annotation, tokens=0, evidence=evidence)


__all__ = ["HeuristicAnnotator"]
