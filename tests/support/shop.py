"""A tiny SQLite shop for tests: `main` plus attached `public` and `sales` schemas."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMAS = {
    "main": [
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)",
    ],
    "public": [
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, full_name TEXT, "
        "phone TEXT, created_at TIMESTAMP)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), "
        "status TEXT, total_amount NUMERIC(12,2), created_at TIMESTAMP)",
    ],
    "sales": [
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, order_id INTEGER, amount NUMERIC(12,2))",
    ],
}
ROWS = {
    "public": [
        "INSERT INTO users VALUES (1, 'ann@example.com', 'Ann Lee', '+1 555 0100', '2026-01-02')",
        "INSERT INTO users VALUES (2, 'bo@example.org', 'Bo Chan', '+1 555 0101', '2026-02-03')",
        "INSERT INTO orders VALUES (1, 1, 'paid', 12.50, '2026-03-01')",
        "INSERT INTO orders VALUES (2, 2, 'shipped', 99.00, '2026-03-02')",
    ],
}


def make_shop(folder: Path) -> str:
    """Create the shop files in `folder` (once) and return the DB profile URL."""
    folder.mkdir(parents=True, exist_ok=True)
    for schema, ddl in SCHEMAS.items():
        path = folder / f"{schema}.db"
        if path.exists():
            continue
        with sqlite3.connect(path) as conn:
            for statement in ddl + ROWS.get(schema, []):
                conn.execute(statement)
        conn.close()
    return f"sqlite:///{folder / 'main.db'}?attach=public:public.db&attach=sales:sales.db"
