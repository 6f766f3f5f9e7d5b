"""Demo data: a small SQLite shop to analyse, its DB profile, and schedules in every status.

`create_demo` is idempotent: the shop files are rebuilt deterministically and only replaced when
their bytes differ, the `demo` profile is added only when missing, and schedules are created only
when no live schedule has their name.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import tempfile
import time as time_module
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import platformdirs
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict
from core.schedules.policies import MissedPolicy, Review
from core.schedules.service import ScheduleService
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus, Status
from core.schedules.triggers import (
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    cron,
    default_zone_name,
    interval,
    next_fire_time,
    once,
)
from core.storage.tables import Run, Schedule

__all__ = ["DEMO_PROFILE", "DemoInfo", "create_demo", "default_folder", "luhn_ok"]

DEMO_PROFILE = "demo"
MAIN_FILE = "shop.db"
# Schema name -> file; "main" is the file the profile URL names, the others are attached.
SCHEMA_FILES: tuple[tuple[str, str], ...] = (("sales", "sales.db"), ("crm", "crm.db"))
SEED = 20261121
# Data timestamps span a fixed window so the files never depend on when the demo was made.
DATA_START = datetime(2025, 1, 1, 8, 0)
DATA_DAYS = 540
DEMO_WORKER = "demo-daemon"
STALE_TEMP_S = 3600

Row = dict[str, Any]
AnyTrigger = OnceTrigger | CronTrigger | IntervalTrigger


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo lives and what `create_demo` made this time."""

    folder: Path
    profile: str
    url: str  # the profile's URL as stored (an existing `demo` profile is left as it was)
    main_file: Path
    schema_files: tuple[tuple[str, Path], ...]
    table_count: int
    column_count: int
    schedules_created: tuple[str, ...]


def default_folder() -> Path:
    """The demo's folder in the user data directory."""
    return Path(platformdirs.user_data_dir("amx-studio")) / "demo"


# ---------------------------------------------------------------------------------------------
# The shop's tables

MAIN_DDL = (
    """CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(128) NOT NULL,
    first_name VARCHAR(80) NOT NULL,
    last_name VARCHAR(80) NOT NULL,
    phone VARCHAR(32),
    birth_date DATE,
    role VARCHAR(16) NOT NULL CHECK (role IN ('customer', 'staff', 'admin')),
    status VARCHAR(16) NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind VARCHAR(16) NOT NULL CHECK (kind IN ('billing', 'shipping')),
    street VARCHAR(200) NOT NULL,
    city VARCHAR(100) NOT NULL,
    postal_code VARCHAR(16) NOT NULL,
    country CHAR(2) NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT 0
)""",
    """CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES categories (id),
    name VARCHAR(80) NOT NULL UNIQUE
)""",
    """CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    sku VARCHAR(32) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL,
    description TEXT,
    price NUMERIC(10, 2) NOT NULL,
    stock_qty INTEGER NOT NULL DEFAULT 0,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body TEXT,
    created_at TIMESTAMP NOT NULL
)""",
    "CREATE INDEX ix_addresses_user ON addresses (user_id)",
    "CREATE INDEX ix_products_category ON products (category_id)",
)

SALES_DDL = (
    """CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    order_number VARCHAR(20) NOT NULL UNIQUE,
    status VARCHAR(16) NOT NULL
        CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
    currency CHAR(3) NOT NULL,
    subtotal NUMERIC(12, 2) NOT NULL,
    tax_amount NUMERIC(12, 2) NOT NULL,
    total_amount NUMERIC(12, 2) NOT NULL,
    placed_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(10, 2) NOT NULL,
    total_amount NUMERIC(12, 2) NOT NULL
)""",
    """CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    method VARCHAR(16) NOT NULL CHECK (method IN ('card', 'paypal', 'bank_transfer')),
    card_number VARCHAR(19),
    card_last4 CHAR(4),
    amount NUMERIC(12, 2) NOT NULL,
    status VARCHAR(16) NOT NULL
        CHECK (status IN ('authorized', 'captured', 'refunded', 'failed')),
    paid_at TIMESTAMP
)""",
    """CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    carrier VARCHAR(16) NOT NULL CHECK (carrier IN ('DHL', 'UPS', 'FedEx', 'PostNL')),
    tracking_number VARCHAR(40) NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('in_transit', 'delivered', 'returned')),
    shipped_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
)""",
    "CREATE INDEX ix_orders_customer ON orders (customer_id)",
    "CREATE INDEX ix_order_items_order ON order_items (order_id)",
    """CREATE VIEW order_totals AS
SELECT o.id AS order_id, o.order_number, o.status, COUNT(i.id) AS item_count,
       COALESCE(SUM(i.quantity), 0) AS units,
       ROUND(COALESCE(SUM(i.total_amount), 0), 2) AS items_total, o.total_amount
FROM orders AS o LEFT JOIN order_items AS i ON i.order_id = o.id
GROUP BY o.id, o.order_number, o.status, o.total_amount""",
)

CRM_DDL = (
    """CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    user_id INTEGER,
    full_name VARCHAR(160) NOT NULL,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(32),
    company VARCHAR(120),
    country CHAR(2) NOT NULL,
    segment VARCHAR(16) NOT NULL CHECK (segment IN ('retail', 'wholesale', 'vip')),
    marketing_opt_in BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
)""",
    """CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    event_type VARCHAR(20) NOT NULL
        CHECK (event_type IN ('login', 'page_view', 'search', 'add_to_cart', 'checkout')),
    ip_address VARCHAR(45),
    user_agent VARCHAR(255),
    properties TEXT,
    occurred_at TIMESTAMP NOT NULL
)""",
    "CREATE INDEX ix_events_customer ON events (customer_id, occurred_at)",
    """CREATE VIEW customer_activity AS
SELECT c.id AS customer_id, c.full_name, c.segment, COUNT(e.id) AS event_count,
       MAX(e.occurred_at) AS last_seen_at
FROM customers AS c LEFT JOIN events AS e ON e.customer_id = c.id
GROUP BY c.id, c.full_name, c.segment""",
)

DDL: dict[str, tuple[str, ...]] = {"main": MAIN_DDL, "sales": SALES_DDL, "crm": CRM_DDL}

# ---------------------------------------------------------------------------------------------
# Fake but realistic-looking data

FIRST_NAMES = (
    "Anna", "Ben", "Chloé", "David", "Elif", "Farah", "Gustav", "Hannah", "Ivan", "Jasmine",
    "Kenji", "Laura", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rina", "Sofia", "Tomás",
    "Umar", "Valentina", "Wei", "Yusuf", "Zoë", "Ahmad", "Dewi", "Lukas", "Marta", "Noah",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "de Vries", "Jansen", "Dubois", "Martin", "Smith", "Johnson", "García",
    "Rossi", "Nowak", "Kowalski", "Tanaka", "Kim", "Nguyen", "Santoso", "Wijaya", "O'Brien",
    "Andersson", "Novak", "Silva", "Costa", "Yilmaz", "Fischer", "Weber", "Patel", "Chen",
)  # fmt: skip
# city, country, street names, postal-code pattern (# digit, @ letter), house number first
CITIES: tuple[tuple[str, str, tuple[str, ...], str, bool], ...] = (
    ("Berlin", "DE", ("Torstraße", "Kastanienallee", "Karl-Marx-Allee"), "1####", False),
    ("Munich", "DE", ("Leopoldstraße", "Sendlinger Straße", "Hohenzollernstraße"), "8####", False),
    ("Amsterdam", "NL", ("Keizersgracht", "Prinsengracht", "Overtoom"), "10## @@", False),
    ("Paris", "FR", ("rue Oberkampf", "rue de Rivoli", "boulevard Voltaire"), "7501#", True),
    ("London", "GB", ("Baker Street", "Camden Road", "Old Kent Road"), "NW1 #@@", True),
    ("New York", "US", ("Bleecker Street", "Amsterdam Avenue", "Bedford Avenue"), "100##", True),
    (
        "Austin",
        "US",
        ("Congress Avenue", "South Lamar Boulevard", "East 6th Street"),
        "787##",
        True,
    ),
    ("Toronto", "CA", ("Queen Street West", "Spadina Avenue", "Dundas Street"), "M5V #@#", True),
    (
        "Jakarta",
        "ID",
        ("Jalan Sudirman", "Jalan M.H. Thamrin", "Jalan Kemang Raya"),
        "1####",
        False,
    ),
    ("Singapore", "SG", ("Orchard Road", "Tanjong Pagar Road", "Joo Chiat Road"), "######", True),
)
CURRENCY = {"DE": "EUR", "NL": "EUR", "FR": "EUR", "GB": "GBP", "US": "USD", "CA": "CAD"}
TAX_RATE = {"DE": "0.19", "NL": "0.21", "FR": "0.20", "GB": "0.20", "ID": "0.11", "SG": "0.09"}
CATEGORIES = (
    ("Electronics", None), ("Home & Kitchen", None), ("Outdoor", None),
    ("Headphones", 1), ("Chargers & Cables", 1), ("Coffee", 2), ("Cookware", 2),
    ("Camping", 3), ("Cycling", 3),
)  # fmt: skip
PRODUCTS = (
    (4, "Noise-cancelling headphones", "199.00"), (4, "Wireless earbuds", "89.90"),
    (4, "Studio monitor headphones", "149.00"), (5, "USB-C fast charger 65W", "39.99"),
    (5, "Braided USB-C cable 2m", "14.99"), (5, "Power bank 20000 mAh", "49.50"),
    (6, "Single-origin espresso beans 1kg", "32.00"), (6, "Burr coffee grinder", "129.00"),
    (6, "Pour-over kettle", "59.00"), (7, "Cast-iron skillet 28cm", "44.95"),
    (7, "Chef's knife 20cm", "79.00"), (7, "Non-stick saucepan set", "119.00"),
    (8, "Two-person tent", "229.00"), (8, "Down sleeping bag", "189.00"),
    (8, "Headlamp 400 lm", "29.90"), (9, "Bike repair kit", "24.50"),
    (9, "LED bike light set", "34.99"), (9, "Cycling rain jacket", "99.00"),
    (1, "Smart plug (2-pack)", "27.99"), (2, "Linen tea towels (3-pack)", "18.50"),
    (3, "Insulated water bottle 750ml", "25.00"), (4, "Kids' headphones", "24.99"),
    (6, "Decaf coffee beans 500g", "16.50"), (7, "Bamboo cutting board", "22.00"),
)  # fmt: skip
REVIEW_LINES = (
    "Exactly as described, arrived quickly.", "Good value for the price.",
    "Stopped working after two weeks.", "Would buy again.", "Packaging was damaged.",
    "Better than the more expensive brand.", "Sizing runs small.", "Five stars, no complaints.",
)  # fmt: skip
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari/605.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "AmxShopApp/3.2.1 (Android 14; Pixel 8)",
)
COMPANIES = ("Acme GmbH", "Globex B.V.", "Initech Ltd", "Umbrella Pte Ltd", "Hooli Inc.", None)
# Test-card prefixes (Stripe-style: 4242…, 4000 05…, 5555…, 2223 00…); every number is Luhn-valid.
CARD_PREFIXES = ("424242", "400005", "555555", "222300")


def luhn_ok(number: str) -> bool:
    """Whether a digit string passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card_number(rng: random.Random) -> str:
    body = rng.choice(CARD_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(9))
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _phone(rng: random.Random, country: str, city: str) -> str:
    if country in ("US", "CA"):  # 555-0100..0199 numbers are reserved for fiction
        area = {"New York": "212", "Austin": "512", "Toronto": "416"}[city]
        return f"+1 {area} 555-01{rng.randint(0, 99):02d}"
    if country == "GB":
        return f"+44 7700 900{rng.randint(0, 999):03d}"
    prefix = {"DE": "+49 151", "NL": "+31 6", "FR": "+33 6", "ID": "+62 812", "SG": "+65 9"}
    return f"{prefix[country]} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


def _postal(rng: random.Random, pattern: str) -> str:
    digits, letters = "0123456789", "ABDEFGHJLNPRSTUWXYZ"
    return "".join(
        rng.choice(digits) if c == "#" else rng.choice(letters) if c == "@" else c for c in pattern
    )


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"2001:db8::{rng.randint(1, 0xFFFF):x}"
    net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))  # documentation ranges
    return f"{net}.{rng.randint(1, 254)}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _moment(rng: random.Random, after: datetime | None = None, days: int = DATA_DAYS) -> datetime:
    start = after or DATA_START
    return start + timedelta(seconds=rng.randint(60, days * 86400))


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def shop_rows(seed: int = SEED) -> dict[str, dict[str, list[Row]]]:
    """Every row of the demo shop, by schema and table, from a seeded generator."""
    rng = random.Random(seed)
    users: list[Row] = []
    addresses: list[Row] = []
    emails: set[str] = set()
    people: list[tuple[str, str, str, str, str, str]] = []  # name, email, phone, place
    for person in range(48):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(CITIES)
        local = f"{_ascii(first)}.{_ascii(last)}"
        while local in emails:
            local = f"{_ascii(first)}.{_ascii(last)}{rng.randint(2, 99)}"
        emails.add(local)
        domain = rng.choice(("example.com", "example.org", "example.net", "mail.example.com"))
        people.append(
            (first, last, f"{local}@{domain}", _phone(rng, city[1], city[0]), city[1], city[0])
        )
        if person >= 40:
            continue  # the last few are CRM-only customers without a shop login
        created = _moment(rng)
        users.append(
            {
                "id": person + 1,
                "email": f"{local}@{domain}",
                "password_hash": f"pbkdf2_sha256$600000${rng.getrandbits(64):016x}$"
                f"{rng.getrandbits(128):032x}",
                "first_name": first,
                "last_name": last,
                "phone": people[-1][3] if rng.random() < 0.85 else None,
                "birth_date": (
                    date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
                ).isoformat(),
                "role": rng.choices(("customer", "staff", "admin"), (34, 4, 2))[0],
                "status": rng.choices(("active", "suspended", "deleted"), (36, 3, 1))[0],
                "created_at": _stamp(created),
            }
        )
        for kind in ("billing", "shipping") if rng.random() < 0.5 else ("billing",):
            name, country, streets, postal, number_first = city
            street, number = rng.choice(streets), rng.randint(1, 240)
            addresses.append(
                {
                    "id": len(addresses) + 1,
                    "user_id": person + 1,
                    "kind": kind,
                    "street": f"{number} {street}" if number_first else f"{street} {number}",
                    "city": name,
                    "postal_code": _postal(rng, postal),
                    "country": country,
                    "is_default": kind == "billing",
                }
            )
    categories = [
        {"id": i + 1, "parent_id": parent, "name": name}
        for i, (name, parent) in enumerate(CATEGORIES)
    ]
    products: list[Row] = []
    for i, (category, name, price) in enumerate(PRODUCTS):
        products.append(
            {
                "id": i + 1,
                "category_id": category,
                "sku": f"SKU-{category:02d}{i + 1:04d}",
                "name": name,
                "description": f"{name}. Ships in 1-2 business days."
                if rng.random() < 0.8
                else None,
                "price": price,
                "stock_qty": rng.choice((0, 3, 12, 25, 40, 120)),
                "is_active": rng.random() < 0.9,
                "created_at": _stamp(_moment(rng, days=120)),
            }
        )
    reviews = [
        {
            "id": i + 1,
            "product_id": rng.randint(1, len(products)),
            "user_id": rng.randint(1, len(users)),
            "rating": rng.choices((1, 2, 3, 4, 5), (2, 2, 5, 12, 15))[0],
            "body": rng.choice(REVIEW_LINES) if rng.random() < 0.85 else None,
            "created_at": _stamp(_moment(rng)),
        }
        for i in range(36)
    ]
    customers: list[Row] = []
    for i, (first, last, email, phone, country, _city) in enumerate(people):
        customers.append(
            {
                "id": i + 1,
                "user_id": i + 1 if i < len(users) else None,
                "full_name": f"{first} {last}",
                "email": email,
                "phone": phone,
                "company": rng.choice(COMPANIES),
                "country": country,
                "segment": rng.choices(("retail", "wholesale", "vip"), (30, 6, 4))[0],
                "marketing_opt_in": rng.random() < 0.4,
                "created_at": _stamp(_moment(rng)),
            }
        )
    events: list[Row] = []
    for i in range(90):
        kind = rng.choices(
            ("login", "page_view", "search", "add_to_cart", "checkout"), (10, 40, 20, 15, 5)
        )[0]
        by_kind: dict[str, dict[str, Any]] = {
            "login": {"method": rng.choice(("password", "google", "apple"))},
            "search": {"query": rng.choice(("headphones", "tent", "coffee", "usb-c"))},
            "checkout": {"cart_items": rng.randint(1, 4), "coupon": rng.choice((None, "SPRING10"))},
        }
        properties = by_kind.get(kind, {"path": f"/products/{rng.randint(1, len(products))}"})
        events.append(
            {
                "id": i + 1,
                "customer_id": rng.randint(1, len(customers)),
                "event_type": kind,
                "ip_address": _ip(rng),
                "user_agent": rng.choice(USER_AGENTS),
                "properties": json.dumps(properties, sort_keys=True),
                "occurred_at": _stamp(_moment(rng)),
            }
        )
    orders: list[Row] = []
    items: list[Row] = []
    payments: list[Row] = []
    shipments: list[Row] = []
    for i in range(50):
        order_id = i + 1
        customer = rng.choice(customers)
        placed = _moment(rng)
        status = rng.choices(
            ("pending", "paid", "shipped", "delivered", "cancelled", "refunded"),
            (4, 6, 8, 26, 4, 2),
        )[0]
        subtotal = Decimal(0)
        for _ in range(rng.randint(1, 4)):
            product = rng.choice(products)
            quantity = rng.choices((1, 2, 3), (8, 3, 1))[0]
            line = Decimal(product["price"]) * quantity
            subtotal += line
            items.append(
                {
                    "id": len(items) + 1,
                    "order_id": order_id,
                    "product_id": product["id"],
                    "quantity": quantity,
                    "unit_price": product["price"],
                    "total_amount": _money(line),
                }
            )
        tax = subtotal * Decimal(TAX_RATE.get(customer["country"], "0.08"))
        total = subtotal + tax.quantize(Decimal("0.01"))
        orders.append(
            {
                "id": order_id,
                "customer_id": customer["id"],
                "order_number": f"SO-{placed.year}-{1000 + order_id:05d}",
                "status": status,
                "currency": CURRENCY.get(customer["country"], "USD"),
                "subtotal": _money(subtotal),
                "tax_amount": _money(tax),
                "total_amount": _money(total),
                "placed_at": _stamp(placed),
            }
        )
        if status == "pending":
            continue
        method = rng.choices(("card", "paypal", "bank_transfer"), (7, 2, 1))[0]
        card = _card_number(rng) if method == "card" else None
        payment_status = {"cancelled": "failed", "refunded": "refunded"}.get(status, "captured")
        payments.append(
            {
                "id": len(payments) + 1,
                "order_id": order_id,
                "method": method,
                "card_number": card,
                "card_last4": card[-4:] if card else None,
                "amount": _money(total),
                "status": payment_status,
                "paid_at": None
                if payment_status == "failed"
                else _stamp(placed + timedelta(minutes=rng.randint(1, 30))),
            }
        )
        if status in ("shipped", "delivered", "refunded"):
            shipped = placed + timedelta(hours=rng.randint(18, 72))
            carrier = rng.choice(("DHL", "UPS", "FedEx", "PostNL"))
            delivered = shipped + timedelta(hours=rng.randint(24, 120))
            shipments.append(
                {
                    "id": len(shipments) + 1,
                    "order_id": order_id,
                    "carrier": carrier,
                    "tracking_number": f"{carrier[:2].upper()}{rng.getrandbits(40):012d}",
                    "status": {"shipped": "in_transit", "refunded": "returned"}.get(
                        status, "delivered"
                    ),
                    "shipped_at": _stamp(shipped),
                    "delivered_at": None if status == "shipped" else _stamp(delivered),
                }
            )
    return {
        "main": {
            "users": users,
            "addresses": addresses,
            "categories": categories,
            "products": products,
            "reviews": reviews,
        },
        "sales": {
            "orders": orders,
            "order_items": items,
            "payments": payments,
            "shipments": shipments,
        },
        "crm": {"customers": customers, "events": events},
    }


# ---------------------------------------------------------------------------------------------
# Writing the files


def _build(path: Path, ddl: tuple[str, ...], tables: dict[str, list[Row]]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # No journal: the file is private until it is renamed into place.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("BEGIN")
        for statement in ddl:
            connection.execute(statement)
        for table, rows in tables.items():
            columns = list(rows[0])
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                [tuple(row[c] for c in columns) for row in rows],
            )
        connection.execute("COMMIT")
    finally:
        connection.close()


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _same_rows(path: Path, temp: Path) -> bool:
    """Whether the shop file at `path` already holds what `temp` holds. Read through SQLite, as a
    studio of this process may have `path` open: closing a plain descriptor of it would drop
    that connection's locks."""
    try:
        return _dump(path) == _dump(temp)
    except sqlite3.DatabaseError:
        return False


def _fsync(path: Path, directory: bool = False) -> None:
    if directory and os.name != "posix":
        return  # Windows cannot open a directory to flush it
    fd = os.open(path, os.O_RDONLY if directory else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, ddl: tuple[str, ...], tables: dict[str, list[Row]]) -> bool:
    """Build the file beside `path` and rename it into place; False when it was already so."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    temp = Path(name)
    try:
        _build(temp, ddl, tables)
        if path.is_file() and _same_rows(path, temp):
            temp.unlink()
            return False
        os.chmod(temp, 0o644)  # mkstemp makes it private; the demo is ordinary data
        _fsync(temp)
        os.replace(temp, path)
        _fsync(path.parent, directory=True)
        return True
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _write_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"main": folder / MAIN_FILE, **{s: folder / f for s, f in SCHEMA_FILES}}
    for leftover in folder.glob(".*.db.*.tmp"):
        # From a run that crashed mid-build; a young one may belong to a run still going.
        with contextlib.suppress(OSError):
            if time_module.time() - leftover.stat().st_mtime > STALE_TEMP_S:
                leftover.unlink()
    rows = shop_rows()
    for schema, path in files.items():
        _write_atomic(path, DDL[schema], rows[schema])
    return files


def _count(files: dict[str, Path]) -> tuple[int, int]:
    tables = columns = 0
    for path in files.values():
        connection = sqlite3.connect(path)
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            tables += len(names)
            for name in names:
                columns += len(connection.execute(f'PRAGMA table_info("{name}")').fetchall())
        finally:
            connection.close()
    return tables, columns


def _url(files: dict[str, Path]) -> str:
    def q(path: Path) -> str:
        return quote(str(path.resolve()), safe="/\\:")

    attach = "&".join(f"attach={schema}:{q(files[schema])}" for schema, _ in SCHEMA_FILES)
    return f"sqlite:///{q(files['main'])}?{attach}"


# ---------------------------------------------------------------------------------------------
# Schedules


def _local_at(now: datetime, tz_name: str, days: int, at: time) -> datetime:
    """The naive wall time `at` on the day `days` from today in `tz_name`."""
    today = now.astimezone(ZoneInfo(tz_name)).date()
    return datetime.combine(today + timedelta(days=days), at)


@dataclass
class _Seeder:
    core: Core
    profile: str
    live: set[str]
    created: list[str]

    def make(
        self,
        name: str,
        trigger: AnyTrigger,
        scope: list[str],
        *,
        timezone: str | None = None,
        review: Review = "manual",
        missed: MissedPolicy = "ask",
        max_retries: int = 3,
        service: ScheduleService | None = None,
    ) -> int | None:
        """Create one demo schedule unless a live one has its name; its id, or None."""
        if name in self.live:
            return None
        spec = build_spec(
            name=name,
            trigger=trigger,
            timezone=timezone or default_zone_name(),
            db_profile=self.profile,
            scope=scope,
            llm_profile="heuristic",
            review_strategy=review,
            missed_policy=missed,
            max_retries=max_retries,
        )
        try:
            info = (service or self.core.schedules).create(spec)
        except Conflict:
            return None  # made meanwhile by another process
        self.live.add(name)
        self.created.append(name)
        return info.id


def _live_names(core: Core) -> set[str]:
    with core.db.read() as session:
        return set(session.scalars(select(Schedule.name).where(Schedule.deleted_at.is_(None))))


def _stand_in_for_daemon(
    core: Core,
    schedule_id: int,
    status: Status,
    *,
    scheduled_for: datetime,
    started: datetime,
    finished: datetime | None = None,
    next_fire_at: datetime | None = None,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record a daemon outcome (Running, Completed or Failed) and its Run, as the daemon would.

    The daemon does not exist yet, so the service cannot produce these three statuses; this is
    the only place the demo writes schedule and run rows directly.
    """
    now = core.clock.now()
    run_status = {
        Status.RUNNING: RunStatus.RUNNING,
        Status.COMPLETED: RunStatus.SUCCEEDED,
        Status.FAILED: RunStatus.FAILED,
    }[status]
    with core.db.write() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        attempt = row.max_retries + 1 if status == Status.FAILED else 1
        session.add(
            Run(
                schedule_id=row.id,
                scheduled_for=scheduled_for,
                trigger="schedule",
                attempt=attempt,
                status=run_status,
                worker_id=DEMO_WORKER,
                started_at=started,
                finished_at=finished,
                summary=summary,
                error=error,
                note="demo data",
                created_at=scheduled_for,
            )
        )
        row.status = status
        row.retry_count = attempt - 1
        row.next_fire_at = next_fire_at
        if status == Status.RUNNING:
            row.claimed_by = DEMO_WORKER
            row.lease_until = now + timedelta(minutes=5)
        elif error is not None:
            row.note = f"failed after {attempt} attempts: {error}"
        row.updated_at = now


def _service_at(core: Core, clock: FrozenClock) -> ScheduleService:
    """A schedule service on the core's database with a temporary clock (same scope check)."""
    return ScheduleService(core.db, clock, scope_check=core.schedules.scope_check)


def _seed_schedules(core: Core, profile: str) -> list[str]:
    """Create the demo schedules that are missing, one or more in every status."""
    seeder = _Seeder(core, profile, _live_names(core), [])
    now = core.clock.now()
    here = default_zone_name()
    make = seeder.make

    # Pending: one cron, one interval, one once.
    make(
        "Nightly PII sweep",
        cron("0 2 * * *"),
        ["main.users", "main.addresses", "crm.customers", "sales.payments.card_number"],
    )
    make(
        "Orders deep-dive",
        interval("6h"),
        ["sales.orders", "sales.order_items", "sales.order_totals"],
        timezone="Asia/Jakarta",
        review="auto",
    )
    make(
        "Catalog descriptions refresh",
        once(_local_at(now, here, 1, time(9, 0))),
        ["main.products", "main.categories", "main.reviews.body"],
        review="auto",
    )
    # Paused.
    paused = make("Weekly CRM review", cron("0 7 * * 1"), ["crm"], timezone="Europe/Berlin")
    if paused is not None:
        core.schedules.pause(paused)
    # Cancelled.
    cancelled = make("Legacy events export", cron("0 4 1 * *"), ["crm.events"], review="auto")
    if cancelled is not None:
        core.schedules.cancel(cancelled)

    # Daemon outcomes: created days ago (a past clock), then recorded as the daemon would.
    past = _service_at(core, FrozenClock(now - timedelta(days=3)))
    hourly = cron("15 * * * *")
    running = make("Payments audit", hourly, ["sales.payments", "sales.shipments"], service=past)
    if running is not None:
        # The latest :15 at or before now is the occurrence being run.
        due = next_fire_time(hourly, here, now - timedelta(hours=1)) or now
        _stand_in_for_daemon(
            core,
            running,
            Status.RUNNING,
            scheduled_for=due,
            started=due + timedelta(seconds=2),
            next_fire_at=next_fire_time(hourly, here, now),
        )
    fired = _local_at(now, here, -1, time(18, 0))
    completed = make(
        "Revenue columns check",
        once(fired),
        [
            "sales.order_items.total_amount",
            "sales.order_items.unit_price",
            "sales.orders.total_amount",
        ],
        review="auto",
        service=past,
    )
    if completed is not None:
        due = fired.replace(tzinfo=ZoneInfo(here)).astimezone(UTC)
        start = due + timedelta(seconds=2)
        _stand_in_for_daemon(
            core,
            completed,
            Status.COMPLETED,
            scheduled_for=due,
            started=start,
            finished=start + timedelta(minutes=2, seconds=41),
            summary={
                "tables": 2,
                "columns": 3,
                "proposals": 9,
                "applied": 9,
                "tokens": 0,
                "errors": [],
            },
        )
    fired = _local_at(now, "Asia/Jakarta", -2, time(6, 30))
    failed = make(
        "Customer 360 profiling",
        once(fired),
        ["crm.customers", "crm.events", "main.users.email"],
        timezone="Asia/Jakarta",
        max_retries=2,
        service=past,
    )
    if failed is not None:
        due = fired.replace(tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
        start = due + timedelta(minutes=10)  # the third attempt, after two retries
        problem = (
            "sampling crm.events failed: database is locked (another process held a write "
            "lock for more than 10 s); gave up after 3 attempts."
        )
        _stand_in_for_daemon(
            core,
            failed,
            Status.FAILED,
            scheduled_for=due,
            started=start,
            finished=start + timedelta(seconds=12),
            summary={
                "tables": 3,
                "columns": 27,
                "proposals": 0,
                "applied": 0,
                "tokens": 0,
                "errors": [{"table": "crm.events", "error": problem}],
            },
            error=problem,
        )

    # Missed: due while nothing could fire it; a temporary clock then catches up to now.
    catch_up = FrozenClock(now - timedelta(days=3))
    late = _service_at(core, catch_up)
    missed = make(
        "Quarter-end ledger snapshot",
        once(_local_at(now, here, -1, time(21, 0))),
        ["sales.orders", "sales.payments"],
        service=late,
    )
    if missed is not None:
        catch_up.set(now)
        late.detect_missed()
    return seeder.created


# ---------------------------------------------------------------------------------------------
# The entry point


def create_demo(core: Core, folder: Path | None = None) -> DemoInfo:
    """Write the demo shop, add the `demo` DB profile and seed schedules; safe to run again.

    Seeding the Missed schedule runs missed detection at the core's current time, which also
    marks any other overdue schedule Missed, exactly as opening the studio would.
    """
    folder = (folder or default_folder()).expanduser().resolve()
    files = _write_files(folder)
    if DEMO_PROFILE not in {p.name for p in core.profiles.list_db()}:
        with contextlib.suppress(Conflict):  # added meanwhile by another process
            core.profiles.add_db(DEMO_PROFILE, _url(files))
    created = _seed_schedules(core, DEMO_PROFILE)
    tables, columns = _count(files)
    return DemoInfo(
        folder=folder,
        profile=DEMO_PROFILE,
        url=core.profiles.get_db(DEMO_PROFILE).url,
        main_file=files["main"],
        schema_files=tuple((schema, files[schema]) for schema, _ in SCHEMA_FILES),
        table_count=tables,
        column_count=columns,
        schedules_created=tuple(created),
    )
