"""Spot personal data in column metadata, and mask sample values before they leave the machine."""

from __future__ import annotations

import ipaddress
import re

from core.catalog.metadata import ColumnMeta, TableMeta

PII_TAGS = (
    "pii:email",
    "pii:phone",
    "pii:name",
    "pii:address",
    "pii:card",
    "pii:birthdate",
    "pii:ip",
    "pii:national_id",
)

# Trailing words that qualify a PII column without changing what it holds.
_SUFFIX = (
    r"(?:_(?:\d+|primary|secondary|alt|other|raw|normalized|normalised|encrypted|enc|masked"
    r"|hash|hashed|plain|text|value|str))*"
)
_PREFIX = r"(?:.*_)?"
_PERSON_WORDS = (
    "customer|contact|recipient|holder|cardholder|owner|employee|patient|student|person|author"
    "|sender|receiver|billing|shipping|guest|member|buyer|driver|passenger|parent|guardian"
    "|spouse|account_holder|beneficiary|applicant|candidate|emergency_contact|client"
)
_NAME_RULES: tuple[tuple[str, str], ...] = (
    ("pii:email", r"(?:email|e_mail|mail)(?:_?address|_addr)?"),
    (
        "pii:national_id",
        r"(?:ssn|social_security(?:_number|_no|_num)?|national_(?:id|insurance)(?:_number|_no)?"
        r"|nino|passport(?:_number|_no|_num|_id)?|tax_(?:id|number|no)|tin|nric|aadhaar|cpf"
        r"|drivers?_licen[cs]e(?:_number|_no)?|driving_licen[cs]e(?:_number|_no)?"
        r"|id_card(?:_number|_no)?|personal_(?:id|number)|citizen_id|national_id_number)",
    ),
    (
        "pii:birthdate",
        r"(?:birth_?date|date_of_birth|dob|birthday|born_on|born_at|birth_dt|bday|birth_day)",
    ),
    (
        "pii:ip",
        r"(?:ip|ipv4|ipv6|ip_addr|ip_address|ipaddr|ipaddress|remote_addr|remote_ip|client_ip)",
    ),
    (
        "pii:card",
        r"(?:card|credit_card|debit_card|pan|card_pan)(?:_?(?:number|num|no|nr))?|cc_(?:number|num|no|nr)"
        r"|(?:card_)?last_?4(?:_digits)?|card_(?:last|tail)(?:_?4)?(?:_digits)?",
    ),
    (
        "pii:phone",
        r"(?:phone|telephone|tel|mobile|cell|cellphone|fax|msisdn|whatsapp)(?:_?(?:number|num|no|nr))?",
    ),
    (
        "pii:name",
        r"(?:full_?name|first_?name|last_?name|middle_?name|given_?name|family_?name|surname"
        r"|forename|maiden_name|nickname|display_name|legal_name|cardholder_name"
        rf"|(?:{_PERSON_WORDS})_(?:full_)?name)",
    ),
    (
        "pii:address",
        r"(?:street(?:_address|_name|_line_?\d*|_number|_no)?|address(?:_line_?\d*|_\d)?"
        r"|addr(?:_line_?\d*)?|address\d|house_(?:number|no|nr)|postal_?code|post_?code|zip"
        r"|zip_?code|zipcode|postcode|home_address|mailing_address|billing_address"
        r"|shipping_address|delivery_address)",
    ),
)
_COMPILED = tuple((tag, re.compile(f"^{_PREFIX}(?:{rule}){_SUFFIX}$")) for tag, rule in _NAME_RULES)
# "address" after these words is not a postal address.
_NOT_POSTAL = {"mac", "wallet", "contract", "memory", "server", "host", "web", "url", "btc", "eth"}
_WEAK_ADDRESS = {
    "city", "town", "state", "province", "region", "county", "district", "suburb", "locality",
    "apartment", "apt", "suite", "unit", "floor", "building",
}  # fmt: skip
_ADDRESS_PREFIX = {"billing", "shipping", "home", "mailing", "postal", "delivery", "residence"}
_ADDRESS_TABLES = {"address", "location", "shipping", "billing", "delivery", "residence"}
_PERSON_TABLES = {
    "user", "customer", "person", "employee", "contact", "member", "client", "patient",
    "student", "author", "subscriber", "guest", "passenger", "driver", "staff", "applicant",
    "candidate", "lead", "recipient", "teacher", "profile", "buyer", "owner", "account_holder",
}  # fmt: skip
_COMMENT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pii:email", ("email address", "e-mail address", "e-mail", "email of")),
    ("pii:phone", ("phone number", "telephone number", "mobile number", "telephone")),
    ("pii:birthdate", ("date of birth", "birth date", "birthday")),
    ("pii:ip", ("ip address",)),
    ("pii:card", ("credit card number", "card number", "payment card")),
    (
        "pii:national_id",
        (
            "social security number",
            "passport number",
            "national id",
            "tax id",
            "national insurance",
        ),
    ),
    (
        "pii:name",
        ("full name", "first name", "last name", "surname", "given name", "person's name"),
    ),
    (
        "pii:address",
        ("street address", "postal address", "home address", "mailing address", "postal code"),
    ),
)
_SECRET_WORDS = {
    "password", "passwd", "pwd", "secret", "token", "apikey", "salt", "otp", "credential",
    "credentials", "passphrase", "pin",
}  # fmt: skip
_SECRET_TAIL = {
    "hash", "hashed", "digest", "enc", "encrypted", "plain", "plaintext", "value", "code", "key",
    "1", "2", "bcrypt", "sha", "sha256", "crypt", "cipher", "ciphertext",
}  # fmt: skip
_SECRET_PAIRS = (
    "api_key",
    "private_key",
    "access_key",
    "secret_key",
    "signing_key",
    "encryption_key",
)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'*-]+@[A-Za-z0-9*-]+(?:\.[A-Za-z0-9*-]+)*\.[A-Za-z]{2,}$")
_SSN = re.compile(r"^[\d*]{3}-[\d*]{2}-[\d*]{2}\d{2}$")
_NANP = re.compile(r"^\(?[\d*]{3}\)?[\s.-]?[\d*]{3}[\s.-]?[\d*]{2}\d{2}$")
_TEXT_TYPES = ("char", "text", "string", "clob", "varchar", "citext", "nvarchar")
_NULLISH = {"", "null", "none", "nil", "n/a"}


def name_words(name: str) -> list[str]:
    """Split a snake_case, kebab-case or camelCase name into lower-case words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", spaced)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def singular(word: str) -> str:
    """The singular of an English table-name word ("categories" → "category")."""
    irregular = {
        "people": "person", "children": "child", "men": "man", "women": "woman",
        "movies": "movie", "cookies": "cookie", "caches": "cache", "niches": "niche",
        "indices": "index", "analyses": "analysis", "aliases": "alias", "biases": "bias",
        "canvases": "canvas", "criteria": "criterion", "diagnoses": "diagnosis",
    }  # fmt: skip
    invariant = {
        "series", "species", "news", "data", "metadata", "media", "sms", "gps", "dns", "cms",
        "status", "address", "analysis", "basis", "axis", "bus", "campus", "corpus", "virus",
        "alias", "canvas", "atlas", "bias", "gas", "kudos", "analytics", "settings", "stats",
    }  # fmt: skip
    if word in irregular:
        return irregular[word]
    if word in invariant or len(word) < 3 or not word.endswith("s"):
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if word.endswith("uses") and len(word) > 4 and word[-5] not in "aeiou":
        return word[:-2]
    return word[:-1]


def table_entity(table: TableMeta | None) -> str:
    """The singular entity noun of a table ("order_items" → "order item")."""
    if table is None:
        return "row"
    words = name_words(table.name)
    while len(words) > 1 and words[0] in {"tbl", "tb", "t", "dim", "fact", "stg", "raw", "vw", "v"}:
        words = words[1:]
    if not words:
        return "row"
    return " ".join([*words[:-1], singular(words[-1])])


def _is_text(type_: str) -> bool:
    low = type_.lower()
    return any(t in low for t in _TEXT_TYPES) or not low


def _values(column: ColumnMeta) -> list[str]:
    return [s.strip() for s in column.samples if s.strip().lower() not in _NULLISH]


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn check that card numbers keep."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_like(value: str) -> bool:
    if not re.fullmatch(r"[\d* -]+", value):
        return False
    chars = [c for c in value if c.isdigit() or c == "*"]
    if not 13 <= len(chars) <= 19:
        return False
    if "*" in value:  # already masked: the shape is what is left to recognise
        return "".join(chars[-4:]).isdigit()
    digits = "".join(chars)
    return len(set(digits)) > 1 and luhn_ok(digits)


def _ip_like(value: str) -> bool:
    if "*" in value:
        return bool(re.fullmatch(r"[\d*]{1,3}(?:\.[\d*]{1,3}){3}", value)) or bool(
            re.fullmatch(r"[0-9a-fA-F*]{1,4}(?::[0-9a-fA-F*]{0,4}){2,7}", value)
        )
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return "." in value or ":" in value


def _phone_like(value: str) -> bool:
    digits = sum(c.isdigit() or c == "*" for c in value)
    if not re.fullmatch(r"\+?[\d* ().-]+", value) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    if value.startswith("+"):
        return 8 <= digits <= 15
    if _NANP.match(value):
        return True
    return value.startswith("0") and 9 <= digits <= 12 and bool(re.search(r"[ -]", value))


def _by_samples(column: ColumnMeta) -> str | None:
    values = _values(column)
    if not values:
        return None
    if all(_EMAIL.match(v) for v in values):
        return "pii:email"
    words = name_words(column.name)
    key_like = (
        column.primary_key
        or column.foreign_key is not None
        or (
            bool(words) and words[-1] in {"id", "uuid", "key", "ref", "code", "number", "no", "num"}
        )
    )
    if not key_like and all(_card_like(v) for v in values):
        grouped = all(re.fullmatch(r"[\d*]{4}(?:[ -][\d*]{3,4}){2,4}", v) for v in values)
        # One ungrouped Luhn-valid number is too often a coincidence.
        if len(values) >= 2 or grouped or "*" in values[0]:
            return "pii:card"
    if all(_ip_like(v) for v in values):
        return "pii:ip"
    if all(_SSN.match(v) for v in values):
        return "pii:national_id"
    if not key_like and all(_phone_like(v) for v in values):
        return "pii:phone"
    return None


def _address_context(words: list[str], table: TableMeta | None) -> bool:
    if words[0] in _ADDRESS_PREFIX:
        return True
    if table is None:
        return False
    entity = table_entity(table).split()
    if entity[-1] in _ADDRESS_TABLES:
        return True
    # A city next to a street in a customers table is part of that customer's address.
    return entity[-1] in _PERSON_TABLES and any(
        _by_name_strong(other, table) == "pii:address" for other in table.columns
    )


def _by_name_strong(column: ColumnMeta, table: TableMeta | None) -> str | None:
    words = name_words(column.name)
    if not words:
        return None
    joined = "_".join(words)
    for tag, pattern in _COMPILED:
        if not pattern.match(joined):
            continue
        if tag == "pii:address" and any(w in _NOT_POSTAL for w in words):
            continue
        return tag
    if (
        words == ["name"]
        and table is not None
        and table_entity(table).split()[-1] in _PERSON_TABLES
    ):
        return "pii:name"
    return None


def _by_comment(column: ColumnMeta) -> str | None:
    if not column.comment or column.primary_key or column.foreign_key:
        return None
    low = column.type.lower()
    text = column.comment.lower()
    for tag, phrases in _COMMENT_RULES:
        wanted_type = tag == "pii:birthdate" and "date" in low
        if not (_is_text(column.type) or wanted_type or "inet" in low):
            continue
        if any(phrase in text for phrase in phrases):
            return tag
    return None


def classify_pii(column: ColumnMeta, table: TableMeta | None = None) -> str | None:
    """The personal-data tag of a column (e.g. "pii:email"), or None when it holds none."""
    words = name_words(column.name)
    if not words:
        return None
    low = column.type.lower()
    if "inet" in low or "cidr" in low:
        return "pii:ip"
    if "bool" in low:
        return None
    tag = _by_name_strong(column, table)
    if tag:
        return tag
    if words[-1] in _WEAK_ADDRESS and _is_text(column.type) and _address_context(words, table):
        return "pii:address"
    return _by_comment(column) or _by_samples(column)


def is_secret(column: ColumnMeta) -> bool:
    """Whether a column holds credentials (passwords, tokens, keys) whose samples must not leave."""
    words = name_words(column.name)
    for i, word in enumerate(words):
        pair = "_".join(words[i : i + 2])
        if pair in _SECRET_PAIRS:
            rest = words[i + 2 :]
        elif word in _SECRET_WORDS:
            rest = words[i + 1 :]
        else:
            continue
        # "password_changed_at" or "token_count" describe a secret without holding one.
        if all(w in _SECRET_TAIL for w in rest):
            return True
    return False


def _star(text: str, keep: int = 0) -> str:
    """Replace letters and digits after the first `keep` of them with '*'."""
    out = []
    seen = 0
    for ch in text:
        if ch.isalnum():
            seen += 1
            out.append(ch if seen <= keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def _keep_last(text: str, keep: int, kind: str = "digit") -> str:
    """Replace every digit (or letter and digit) with '*' except the last `keep` of them."""
    test = str.isdigit if kind == "digit" else str.isalnum
    total = sum(1 for ch in text if test(ch) or ch == "*")
    out = []
    seen = 0
    for ch in text:
        if test(ch) or ch == "*":
            seen += 1
            out.append(ch if seen > total - keep and ch != "*" else "*")
        else:
            out.append(ch)
    return "".join(out)


def _mask_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain:
        return _star(value, 1)
    labels = domain.split(".")
    return f"{local[0]}***@{labels[0][:1]}***.{labels[-1]}"


def _mask_phone(value: str) -> str:
    match = re.match(r"^(\+\d{1,3})(?=[\s.(-])", value)
    if match:
        prefix = match.group(1)
        return prefix + _keep_last(value[len(prefix) :], 2)
    return _keep_last(value, 2)


def _mask_name(value: str) -> str:
    letters = [part.lstrip("(\"'")[:1].upper() for part in value.split()]
    return " ".join(f"{letter}." for letter in letters if letter)


def _mask_ip(value: str) -> str:
    sep = "." if "." in value and ":" not in value else ":"
    head, found, rest = value.partition(sep)
    return head + found + _star(rest) if found else _star(value)


def mask_samples(column: ColumnMeta, tag: str | None) -> tuple[str, ...]:
    """The column's samples with the secret part of each value masked; the shape stays."""
    if tag is None or not tag.startswith("pii:"):
        return column.samples
    masked = []
    for sample in column.samples:
        value = sample.strip()
        if value.lower() in _NULLISH:
            masked.append(sample)
        elif tag == "pii:email":
            masked.append(_mask_email(value))
        elif tag == "pii:card":
            masked.append(_keep_last(value, 4))
        elif tag == "pii:phone":
            masked.append(_mask_phone(value))
        elif tag == "pii:name":
            masked.append(_mask_name(value))
        elif tag == "pii:birthdate":
            masked.append(re.sub(r"\d", "*", value))
        elif tag == "pii:ip":
            masked.append(_mask_ip(value))
        elif tag == "pii:national_id":
            masked.append(_keep_last(value, 2, kind="alnum"))
        else:  # addresses and any other personal data: first character of each word only
            masked.append(" ".join(_star(word, 1) for word in value.split()))
    return tuple(masked)


def safe_samples(column: ColumnMeta, table: TableMeta | None = None) -> tuple[str, ...]:
    """Samples fit to send to a remote LLM: personal data masked, secrets dropped."""
    if is_secret(column):
        return ()
    return mask_samples(column, classify_pii(column, table))
