"""The offline heuristic profile and PII masking, on a hand-built shop schema."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from core.analysis.llm.heuristic import HeuristicAnnotator
from core.analysis.llm.protocol import TAG_VOCABULARY, Annotator
from core.analysis.pii import (
    classify_pii,
    mask_samples,
    name_words,
    safe_samples,
    singular,
    table_entity,
)
from core.catalog.metadata import ColumnAnnotation, ColumnMeta, TableAnnotation, TableMeta

ROOT = Path(__file__).resolve().parent.parent
C = ColumnMeta


def fk(name: str, target: str, **options: object) -> ColumnMeta:
    return ColumnMeta(name, "integer", foreign_key=target, **options)  # type: ignore[arg-type]


ID = C("id", "integer", nullable=False, primary_key=True)
SHOP = (
    TableMeta("public", "users", columns=(
        ID,
        C("email", "varchar(255)", nullable=False, samples=("ann.lee@example.com", "bo@shop.org")),
        C("phone", "varchar(32)", samples=("+1 555 123 4512", "+44 20 7946 0958")),
        C("full_name", "text", samples=("Ann Lee", "Bo Chan")),
        C("username", "varchar(40)"),
        C("password_hash", "varchar(100)", samples=("$2b$12$Qk1xJ0a9u3m",)),
        C("birth_date", "date", samples=("1990-05-17",)),
        C("is_active", "boolean", default="true"),
        C("email_verified", "boolean"),
        C("last_login_at", "timestamp"),
        C("last_login_ip", "inet"),
        C("created_at", "timestamp", nullable=False, default="now()"),
        C("updated_at", "timestamp"),
        C("deleted_at", "timestamp"),
        C("avatar_url", "text"),
        C("preferences", "jsonb", samples=('{"theme": "dark", "lang": "en"}',)),
        C("login_count", "integer"),
        C("role", "varchar(20)", samples=("admin", "member", "member")),
    )),
    TableMeta("public", "customers", columns=(
        ID,
        fk("user_id", "public.users.id"),
        C("first_name", "varchar(80)"),
        C("last_name", "varchar(80)"),
        C("name", "text"),
        C("phone_number", "varchar(32)"),
        C("street", "text"),
        C("city", "text"),
        C("postal_code", "varchar(10)"),
        C("country", "char(2)", samples=("DE", "US")),
        C("tax_id", "varchar(20)"),
        C("signed_up_at", "timestamp"),
    )),
    TableMeta("public", "addresses", columns=(
        ID,
        fk("customer_id", "public.customers.id", nullable=False),
        C("street", "text", samples=("221B Baker Street",)),
        C("address_line2", "text"),
        C("city", "text", samples=("London",)),
        C("postal_code", "varchar(10)", samples=("NW1 6XE",)),
        C("country_code", "char(2)"),
        C("latitude", "double precision"),
        C("longitude", "double precision"),
        C("is_default", "boolean"),
    )),
    TableMeta("public", "orders", columns=(
        ID,
        fk("customer_id", "public.customers.id", nullable=False),
        fk("shipping_address_id", "public.addresses.id"),
        C("order_number", "varchar(20)"),
        C("status", "varchar(20)", default="'pending'::character varying",
          samples=("paid", "pending", "shipped", "paid", "cancelled")),
        C("total_amount", "numeric(12,2)"),
        C("tax_amount", "numeric(12,2)"),
        C("discount_percent", "numeric(5,2)"),
        C("currency", "char(3)", samples=("EUR", "USD", "EUR")),
        C("notes", "text"),
        C("order_date", "date"),
        C("shipped_at", "timestamp"),
        C("created_at", "timestamp"),
        C("ip_address", "varchar(45)", samples=("192.168.10.23", "2001:db8::1")),
        C("external_id", "varchar(64)"),
    )),
    TableMeta("public", "order_items", columns=(
        ID,
        fk("order_id", "public.orders.id", nullable=False),
        fk("product_id", "public.products.id", nullable=False),
        C("quantity", "integer", nullable=False, default="1"),
        C("unit_price", "numeric(10,2)"),
        C("price", "numeric(10,2)"),
    )),
    TableMeta("public", "products", columns=(
        ID,
        C("sku", "varchar(32)"),
        C("name", "text"),
        C("description", "text"),
        C("price", "numeric(10,2)"),
        C("price_cents", "integer"),
        fk("category_id", "public.categories.id"),
        C("stock_quantity", "integer"),
        C("weight_kg", "numeric(8,3)"),
        C("is_published", "boolean"),
        C("image_url", "text"),
        C("attributes", "json"),
        C("version", "varchar(20)", samples=("1.2.0",)),
        C("checksum", "char(64)"),
    )),
    TableMeta("public", "categories", columns=(
        ID, fk("parent_id", "public.categories.id"), C("name", "text"), C("slug", "text"),
    )),
    TableMeta("public", "payments", columns=(
        ID,
        fk("order_id", "public.orders.id", nullable=False),
        C("amount", "numeric(12,2)"),
        C("currency", "char(3)"),
        C("method", "varchar(20)", samples=("card", "paypal", "card", "card")),
        C("card_number", "varchar(19)", samples=("4242 4242 4242 4242", "5555555555554444")),
        C("card_last4", "char(4)", samples=("4242",)),
        C("status", "enum('pending','succeeded','failed')"),
        C("paid_at", "timestamp"),
        C("api_key", "text"),
    )),
    TableMeta("public", "events", columns=(
        ID,
        fk("user_id", "public.users.id"),
        C("session_id", "uuid"),
        C("event_type", "varchar(40)"),
        C("payload", "jsonb"),
        C("ip_address", "inet"),
        C("user_agent", "text"),
        C("url", "text"),
        C("occurred_at", "timestamptz"),
        C("duration_ms", "integer"),
        C("city", "text"),
        C("bounce_rate", "real"),
        C("app_version", "text", samples=("2.4.1",)),
        C("sha256", "char(64)"),
    )),
    TableMeta("public", "user_roles", columns=(
        C("user_id", "integer", primary_key=True, foreign_key="public.users.id"),
        C("role_id", "integer", primary_key=True, foreign_key="public.roles.id"),
        C("granted_at", "timestamp"),
    )),
)  # fmt: skip
TABLES = {t.name: t for t in SHOP}

# (table, column, expected tags in order, words the description must contain)
EXPECTED = [
    ("users", "id", ["identifier", "primary_key"], ["identifier", "user", "primary key"]),
    ("users", "email", ["pii:email"], ["email", "user", "PII"]),
    ("users", "phone", ["pii:phone"], ["phone number", "user"]),
    ("users", "full_name", ["pii:name"], ["full name", "user"]),
    ("users", "username", ["identifier"], ["username"]),
    ("users", "password_hash", ["secret", "hash"], ["password", "secret"]),
    ("users", "birth_date", ["pii:birthdate", "date"], ["date of birth"]),
    ("users", "is_active", ["boolean"], ["whether", "active", "defaults to true"]),
    ("users", "email_verified", ["boolean"], ["whether", "email", "verified"]),
    ("users", "last_login_at", ["timestamp"], ["last login"]),
    ("users", "last_login_ip", ["pii:ip"], ["ip address"]),
    ("users", "created_at", ["timestamp"], ["when the user was created"]),
    ("users", "updated_at", ["timestamp"], ["last updated"]),
    ("users", "deleted_at", ["timestamp"], ["deleted", "soft delete"]),
    ("users", "avatar_url", ["url"], ["url", "avatar"]),
    ("users", "preferences", ["json"], ["json", "lang", "theme"]),
    ("users", "login_count", ["quantity"], ["number of logins"]),
    ("users", "role", ["enum"], ["role", "admin", "member"]),
    ("customers", "user_id", ["identifier", "foreign_key"], ["user", "public.users.id"]),
    ("customers", "first_name", ["pii:name"], ["first name", "customer"]),
    ("customers", "last_name", ["pii:name"], ["last name"]),
    ("customers", "name", ["pii:name"], ["name", "customer"]),
    ("customers", "phone_number", ["pii:phone"], ["phone number"]),
    ("customers", "street", ["pii:address"], ["street", "postal address"]),
    ("customers", "city", ["pii:address"], ["city"]),
    ("customers", "postal_code", ["pii:address"], ["postal code"]),
    ("customers", "country", ["country"], ["country", "ISO 3166-1 alpha-2", "DE, US"]),
    (
        "customers",
        "tax_id",
        ["pii:national_id", "identifier"],
        ["tax id", "national identification"],
    ),
    ("customers", "signed_up_at", ["timestamp"], ["signed up"]),
    (
        "addresses",
        "customer_id",
        ["identifier", "foreign_key"],
        ["customer", "public.customers.id"],
    ),
    ("addresses", "address_line2", ["pii:address"], ["address line 2"]),
    ("addresses", "country_code", ["country"], ["country code"]),
    ("addresses", "latitude", ["geo"], ["latitude"]),
    ("addresses", "longitude", ["geo"], ["longitude"]),
    ("addresses", "is_default", ["boolean"], ["whether", "default"]),
    (
        "orders",
        "shipping_address_id",
        ["identifier", "foreign_key"],
        ["shipping address", "public.addresses.id"],
    ),
    ("orders", "order_number", ["identifier"], ["order number"]),
    (
        "orders",
        "status",
        ["status", "enum"],
        ["status", "cancelled, paid, pending, shipped", "'pending'"],
    ),
    ("orders", "tax_amount", ["money"], ["tax amount", "monetary"]),
    ("orders", "discount_percent", ["percentage"], ["discount percent", "percentage"]),
    ("orders", "currency", ["currency"], ["currency", "ISO 4217", "EUR, USD"]),
    ("orders", "notes", ["free_text"], ["free-text", "notes"]),
    ("orders", "order_date", ["date"], ["date of the order"]),
    ("orders", "shipped_at", ["timestamp"], ["when the order was shipped"]),
    ("orders", "ip_address", ["pii:ip"], ["ip address"]),
    ("orders", "external_id", ["identifier"], ["external identifier"]),
    (
        "order_items",
        "order_id",
        ["identifier", "foreign_key"],
        ["order this order item belongs to", "public.orders.id"],
    ),
    ("order_items", "product_id", ["identifier", "foreign_key"], ["product", "public.products.id"]),
    ("order_items", "quantity", ["quantity"], ["quantity", "units"]),
    ("order_items", "unit_price", ["money"], ["unit price", "monetary"]),
    ("order_items", "price", ["money"], ["price", "monetary"]),
    ("products", "sku", ["identifier"], ["SKU"]),
    ("products", "name", [], ["name of the product"]),
    ("products", "description", ["free_text"], ["description of the product"]),
    ("products", "price_cents", ["money"], ["price", "cents"]),
    ("products", "stock_quantity", ["quantity"], ["stock quantity"]),
    ("products", "weight_kg", ["quantity"], ["weight", "kilograms"]),
    ("products", "is_published", ["boolean"], ["published"]),
    ("products", "image_url", ["url"], ["url", "image"]),
    ("products", "attributes", ["json"], ["attributes", "json"]),
    ("products", "version", ["version"], ["version", "1.2.0"]),
    ("products", "checksum", ["hash"], ["checksum", "hash"]),
    (
        "categories",
        "parent_id",
        ["identifier", "foreign_key"],
        ["parent category", "public.categories.id"],
    ),
    ("categories", "slug", ["identifier"], ["slug"]),
    ("payments", "amount", ["money"], ["amount of the payment"]),
    ("payments", "method", ["enum"], ["method", "card, paypal"]),
    ("payments", "card_number", ["pii:card"], ["card number", "PCI"]),
    ("payments", "card_last4", ["pii:card"], ["last four digits", "card"]),
    ("payments", "status", ["status", "enum"], ["one of: pending, succeeded, failed"]),
    ("payments", "paid_at", ["timestamp"], ["paid"]),
    ("payments", "api_key", ["secret"], ["API key", "secret"]),
    ("events", "user_id", ["identifier", "foreign_key"], ["user", "public.users.id"]),
    ("events", "session_id", ["identifier"], ["session", "no declared foreign key"]),
    ("events", "event_type", ["enum"], ["type of the event"]),
    ("events", "payload", ["json"], ["payload", "json"]),
    ("events", "ip_address", ["pii:ip"], ["ip address", "event"]),
    ("events", "user_agent", ["free_text"], ["user-agent"]),
    ("events", "url", ["url"], ["URL"]),
    ("events", "occurred_at", ["timestamp"], ["when the event occurred"]),
    ("events", "duration_ms", ["quantity"], ["duration", "milliseconds"]),
    ("events", "city", ["geo"], ["city"]),
    ("events", "bounce_rate", ["percentage"], ["bounce rate"]),
    ("events", "app_version", ["version"], ["app version", "2.4.1"]),
    ("events", "sha256", ["hash"], ["SHA-256"]),
    (
        "user_roles",
        "user_id",
        ["identifier", "primary_key", "foreign_key"],
        ["user", "public.users.id", "primary key"],
    ),
    ("user_roles", "granted_at", ["timestamp"], ["granted"]),
]


@pytest.fixture(scope="module")
def annotated() -> dict[str, TableAnnotation]:
    annotator = HeuristicAnnotator()
    return {t.name: annotator.annotate(t).annotation for t in SHOP}


def column(annotated: dict[str, TableAnnotation], table: str, name: str) -> ColumnAnnotation:
    [found] = [c for c in annotated[table].columns if c.name == name]
    return found


@pytest.mark.parametrize(("table", "name", "tags", "words"), EXPECTED, ids=lambda v: str(v))
def test_column_tags_and_description(
    annotated: dict[str, TableAnnotation],
    table: str,
    name: str,
    tags: list[str],
    words: list[str],
) -> None:
    annotation = column(annotated, table, name)

    assert annotation.tags == tags
    for word in words:
        assert word.lower() in annotation.description.lower(), annotation.description
    assert annotation.description.endswith(".")
    assert 0.0 < annotation.confidence <= 1.0


def test_the_briefs_examples_word_for_word(annotated: dict[str, TableAnnotation]) -> None:
    assert column(annotated, "orders", "customer_id").description == (
        "Identifier of the customer this order belongs to (references public.customers.id)."
    )
    assert column(annotated, "users", "email").description == (
        "Email address of the user; personal data (PII)."
    )
    assert column(annotated, "orders", "total_amount").description == (
        "Total amount of the order, a monetary value."
    )
    assert column(annotated, "orders", "created_at").description == "When the order was created."


def test_every_column_is_annotated_in_order_with_known_tags(
    annotated: dict[str, TableAnnotation],
) -> None:
    for table in SHOP:
        annotation = annotated[table.name]
        assert [c.name for c in annotation.columns] == [c.name for c in table.columns]
        for col in annotation.columns:
            assert set(col.tags) <= set(TAG_VOCABULARY), (table.name, col.name, col.tags)
            assert len(col.tags) == len(set(col.tags))
        assert set(annotation.tags) <= set(TAG_VOCABULARY)


def test_table_descriptions_say_what_the_entity_is_and_what_it_links_to(
    annotated: dict[str, TableAnnotation],
) -> None:
    orders = annotated["orders"].description
    assert "Each row is one order, identified by id." in orders
    assert "a customer (customer_id → public.customers.id)" in orders
    assert "a shipping address (shipping_address_id → public.addresses.id)" in orders
    assert "personal data (PII) in ip_address" in orders
    assert annotated["orders"].tags == ["pii:ip"]

    users = annotated["users"]
    assert "personal data (PII) in email, phone, full_name, birth_date and last_login_ip" in (
        users.description
    )
    assert "secrets in password_hash" in users.description
    assert users.tags == ["pii:email", "pii:phone", "pii:name", "pii:birthdate", "pii:ip", "secret"]

    assert "No personal data was recognised." in annotated["products"].description
    assert annotated["products"].tags == []
    assert "Each row is one order item" in annotated["order_items"].description
    assert "a parent category (parent_id" in annotated["categories"].description
    assert annotated["user_roles"].description.startswith(
        "Links users to roles: each row pairs one user with one role"
    )


def test_a_view_and_a_table_without_key() -> None:
    view = TableMeta("reporting", "daily_sales", kind="view", columns=(C("day", "date"),))
    bare = TableMeta("public", "audit_log", columns=(C("message", "text"),))

    annotator = HeuristicAnnotator()

    assert "A view with one row per daily sale." in annotator.annotate(view).annotation.description
    assert "no primary key is declared" in annotator.annotate(bare).annotation.description


def test_the_schema_authors_comment_beats_a_weak_guess() -> None:
    table = TableMeta("public", "customers", columns=(
        C("xq7", "integer", comment="Loyalty tier computed nightly"),
        C("email", "text", comment="Work email"),
    ))  # fmt: skip

    annotation = HeuristicAnnotator().annotate(table).annotation

    assert annotation.columns[0].description == "Loyalty tier computed nightly."
    assert annotation.columns[1].description.startswith("Email address of the customer")


def test_tokens_are_zero_and_the_evidence_says_how(annotated: dict[str, TableAnnotation]) -> None:
    result = HeuristicAnnotator().annotate(TABLES["users"])

    assert result.tokens == 0
    assert "heuristic" in result.evidence and "sample values" in result.evidence
    annotator: Annotator = HeuristicAnnotator(name="offline", concurrency=3)
    assert (annotator.name, annotator.concurrency) == ("offline", 3)


def test_same_input_same_output_even_with_samples_reordered() -> None:
    annotator = HeuristicAnnotator()
    orders = TABLES["orders"]
    shuffled = replace(
        orders,
        columns=tuple(replace(c, samples=tuple(reversed(c.samples))) for c in orders.columns),
    )

    first = annotator.annotate(orders)
    assert annotator.annotate(orders) == first
    assert annotator.annotate(shuffled).annotation == first.annotation


def test_same_output_in_fresh_processes_with_different_hash_seeds() -> None:
    code = (
        "import json, sys; sys.path.insert(0, '.');"
        "from tests.test_llm_heuristic import SHOP;"
        "from core.analysis.llm.heuristic import HeuristicAnnotator;"
        "h = HeuristicAnnotator();"
        "print(json.dumps([h.annotate(t).annotation.model_dump() for t in SHOP]))"
    )
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]


def test_masked_samples_give_the_same_annotation() -> None:
    """The job masks personal samples before annotating; that must not change the verdict."""
    annotator = HeuristicAnnotator()
    for table in SHOP:
        masked = replace(
            table, columns=tuple(replace(c, samples=safe_samples(c, table)) for c in table.columns)
        )
        before = annotator.annotate(table).annotation
        after = annotator.annotate(masked).annotation
        assert [c.tags for c in after.columns] == [c.tags for c in before.columns], table.name


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("orders", "order"), ("addresses", "address"), ("categories", "category"),
        ("statuses", "status"), ("people", "person"), ("boxes", "box"), ("classes", "class"),
        ("analyses", "analysis"), ("houses", "house"), ("status", "status"), ("data", "data"),
        ("users", "user"), ("companies", "company"), ("matches", "match"), ("aliases", "alias"),
    ],
)  # fmt: skip
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("customer_id", ["customer", "id"]), ("customerId", ["customer", "id"]),
        ("HTTPStatusCode", ["http", "status", "code"]), ("card_last4", ["card", "last4"]),
        ("ip-address", ["ip", "address"]), ("OrderItems", ["order", "items"]),
    ],
)  # fmt: skip
def test_name_words(name: str, words: list[str]) -> None:
    assert name_words(name) == words


def test_table_entity() -> None:
    assert table_entity(TableMeta("public", "order_items")) == "order item"
    assert table_entity(TableMeta("public", "tbl_Categories")) == "category"
    assert table_entity(TableMeta("public", "UserAddresses")) == "user address"


USERS = TableMeta("public", "users")
PRODUCTS = TableMeta("public", "products")


@pytest.mark.parametrize(
    ("col", "table", "tag"),
    [
        (C("email", "text"), None, "pii:email"),
        (C("contact_email_address", "text"), None, "pii:email"),
        (C("email_verified", "boolean"), None, None),
        (C("email_verified_at", "timestamp"), None, None),
        (C("mobile", "text"), None, "pii:phone"),
        (C("full_name", "text"), None, "pii:name"),
        (C("name", "text"), USERS, "pii:name"),
        (C("name", "text"), PRODUCTS, None),
        (C("customer_name", "text"), None, "pii:name"),
        (C("username", "text"), USERS, None),
        (C("street_address", "text"), None, "pii:address"),
        (C("zip", "text"), None, "pii:address"),
        (C("mac_address", "text"), None, None),
        (C("billing_address_id", "integer"), None, None),
        (C("city", "text"), PRODUCTS, None),
        (C("dob", "date"), None, "pii:birthdate"),
        (C("client_ip", "text"), None, "pii:ip"),
        (C("origin", "inet"), None, "pii:ip"),
        (C("ssn", "text"), None, "pii:national_id"),
        (C("passport_number", "text"), None, "pii:national_id"),
        (C("cc_number", "text"), None, "pii:card"),
        (
            C("typed_value", "text", comment="Date of birth as typed"),
            None,
            "pii:birthdate",
        ),
        (C("confirmed", "boolean", comment="Whether the email address is confirmed"), None, None),
        (C("sent_count", "integer", comment="How often the email address was mailed"), None, None),
        (C("born", "date", comment="Date of birth"), None, "pii:birthdate"),
        (C("contact", "text", samples=("a@b.com", "c.d@e.org")), None, "pii:email"),
        (C("contact", "text", samples=("+49 30 1234567", "(555) 123-4567")), None, "pii:phone"),
        (C("val", "text", samples=("4242424242424242", "4000056655665556")), None, "pii:card"),
        (C("val", "text", samples=("4242424242424241", "4000056655665556")), None, None),
        (C("val", "text", samples=("4242424242424242",)), None, None),
        (C("peer", "text", samples=("10.0.0.1", "::1")), None, "pii:ip"),
        (C("ref", "text", samples=("123-45-6789",)), None, "pii:national_id"),
        (C("day", "text", samples=("2024-01-05", "2024-02-01")), None, None),
        (C("code", "text", samples=("12345678",)), None, None),
        (C("order_id", "bigint", samples=("4242424242424242", "4000056655665556")), None, None),
    ],
    ids=lambda v: v.name if isinstance(v, ColumnMeta) else str(v),
)
def test_classify_pii(col: ColumnMeta, table: TableMeta | None, tag: str | None) -> None:
    assert classify_pii(col, table) == tag


@pytest.mark.parametrize(
    ("tag", "samples", "masked"),
    [
        ("pii:email", ("john.doe@example.com", "a@b.co.uk"), ("j***@e***.com", "a***@b***.uk")),
        ("pii:card", ("4242 4242 4242 4242", "5555555555554444"), ("**** **** **** 4242", "************4444")),
        ("pii:phone", ("+1 555 123 4512", "(555) 123-4512"), ("+1 *** *** **12", "(***) ***-**12")),
        ("pii:name", ("John Doe", "mary-jane van berg"), ("J. D.", "M. V. B.")),
        ("pii:address", ("221B Baker Street",), ("2*** B**** S*****",)),
        ("pii:birthdate", ("1990-05-17",), ("****-**-**",)),
        ("pii:ip", ("192.168.10.23", "2001:db8::1"), ("192.***.**.**", "2001:***::*")),
        ("pii:national_id", ("123-45-6789",), ("***-**-**89",)),
    ],
)  # fmt: skip
def test_mask_samples_keeps_the_shape_not_the_secret(
    tag: str, samples: tuple[str, ...], masked: tuple[str, ...]
) -> None:
    col = C("x", "text", samples=samples)

    assert mask_samples(col, tag) == masked
    assert mask_samples(col, tag) == masked  # deterministic
    # Masking what is already masked changes nothing (the job masks before the profile does).
    assert mask_samples(C("x", "text", samples=masked), tag) == masked
    for original, hidden in zip(samples, masked, strict=True):
        assert len(hidden) == len(original) or tag in ("pii:email", "pii:name")


def test_mask_samples_leaves_other_columns_and_empty_values_alone() -> None:
    col = C("status", "text", samples=("paid", ""))

    assert mask_samples(col, None) == ("paid", "")
    assert mask_samples(col, "enum") == ("paid", "")
    assert mask_samples(C("email", "text", samples=("", "NULL")), "pii:email") == ("", "NULL")


def test_safe_samples_withholds_secrets_and_masks_personal_data() -> None:
    assert safe_samples(C("reset_token", "text", samples=("abc123",))) == ()
    assert safe_samples(C("password", "text", samples=("hunter2",))) == ()
    assert safe_samples(C("password_changed_at", "timestamp", samples=("2024-01-01",))) == (
        "2024-01-01",
    )
    assert safe_samples(C("email", "text", samples=("bo@shop.org",))) == ("b***@s***.org",)
    assert safe_samples(C("status", "text", samples=("paid",))) == ("paid",)
