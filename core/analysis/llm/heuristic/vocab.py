"""The word tables the rules consult: display forms, units, and the words that mark a kind."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short forms as a person writes them out.
DISPLAY = {
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
UNITS = {
    "kg": "kilograms", "g": "grams", "gr": "grams", "mg": "milligrams", "lb": "pounds",
    "lbs": "pounds", "oz": "ounces", "cm": "centimetres", "mm": "millimetres", "m": "metres",
    "km": "kilometres", "ft": "feet", "ms": "milliseconds", "millis": "milliseconds",
    "sec": "seconds", "secs": "seconds", "seconds": "seconds", "s": "seconds", "min": "minutes",
    "mins": "minutes", "minutes": "minutes", "hours": "hours", "hrs": "hours", "days": "days",
    "bytes": "bytes", "kb": "kilobytes", "mb": "megabytes", "gb": "gigabytes", "px": "pixels",
}  # fmt: skip

IRREGULAR_PARTICIPLES = _words("""
    paid sent sold built made read seen done begun written taken given shown known held bought
    brought caught kept left lost met run set shut spent won chosen driven frozen hidden spoken
    thrown woken worn found put cut hit quit
""")
INTRANSITIVE = _words("""
    occurred happened arrived expired failed succeeded ended started finished began joined left
    died changed registered
""")
NOT_PARTICIPLES = _words("need feed seed speed bed red shed breed embed")
ADJECTIVES = _words("""
    active public private default primary enabled visible hidden open closed free new paid valid
    online live locked blocked archived featured pinned admin staff superuser premium vip
    internal test draft current latest available deleted verified confirmed approved published
    required optional disabled suspended banned read
""")
OWNERS = _words("""
    user customer account order tenant organisation organization company owner project team
    workspace invoice cart client member merchant store shop vendor supplier parent
""")

MONEY = _words("""
    amount amt price cost fee fees total subtotal tax vat discount balance revenue salary wage
    refund charge charges tip budget income spend spent msrp gross net deposit payout commission
    shipping paid cents due owed credit debit rrp value
""")
COUNTS = _words("count cnt quantity qty items units number num")
QUANTITIES = _words("""
    quantity qty stock units inventory seats capacity attempts retries views clicks visits
    downloads likes points
""")
MEASURES = _words("""
    weight height width length depth duration size distance volume area mass elapsed latency
""")
RATE_PREFIX = _words("""
    tax vat discount interest commission conversion churn bounce success error failure
    completion click open retention utilization utilisation growth fill hit miss win
""")

ID_ADJECTIVES = _words("""
    external public internal legacy global source remote vendor provider upstream original
    unique alternate alt
""")
CODE_TAILS = _words("""
    key ref reference code sku slug ean upc isbn gtin handle number no nr num username login
    barcode
""")
STATUS = _words("status state stage phase lifecycle")
ENUMISH = _words("""
    type kind category role level tier plan method channel source gender priority severity mode
    format variant segment class grade unit language lang provider platform device browser
    visibility frequency brand network scheme carrier
""")
TIME_TAIL = _words("at on time timestamp ts datetime dt date when")
BOOL_PREFIX = _words("""
    is was has had can should needs must did does will allows uses includes allow include show
    enable
""")
BOOL_VALUES = _words("true false t f yes no y n")

FREE_TEXT = _words("""
    description desc notes note comment comments body bio biography message msg content text
    summary remarks remark review feedback instructions reason about excerpt caption answer
    question explanation memo
""")
LABELS = _words("name title label heading subject headline")
URL_NAMES = _words("url uri link href website homepage permalink webpage")
GEO_NAMES = _words("geom geometry geog geography coordinates geohash")
JSON_NAMES = _words("""
    metadata meta payload attributes attrs properties props settings preferences prefs config
    configuration extra extras data details context options params parameters
""")
HASH_WORDS = _words("""
    hash hashed digest checksum sha sha1 sha256 sha512 md5 fingerprint crc crc32 bcrypt
""")

PII_PHRASES = {
    "pii:email": "email address",
    "pii:phone": "phone number",
    "pii:ip": "IP address",
}
# The words that only restate the kind of personal data ("email_address" is just an email).
PII_CORE = {
    "pii:email": _words("email e mail address addr"),
    "pii:phone": _words("phone telephone tel number num no nr"),
    "pii:ip": _words("ip ipv4 ipv6 addr address ipaddr ipaddress"),
}
