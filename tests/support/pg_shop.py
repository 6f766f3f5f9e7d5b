"""A two-schema shop on a real PostgreSQL, for catalog and analysis tests."""

from __future__ import annotations

from tests.support.pg import Cluster

DDL = """
CREATE SCHEMA sales;
CREATE TABLE public.customers (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    full_name text,
    phone text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE public.customers IS 'People who buy from the shop';
COMMENT ON COLUMN public.customers.email IS 'Login and contact address';
CREATE TABLE public.products (
    id serial PRIMARY KEY,
    sku text NOT NULL,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL
);
CREATE TABLE sales.orders (
    id bigserial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES public.customers(id),
    status text NOT NULL DEFAULT 'new',
    total_amount numeric(12, 2) NOT NULL,
    ordered_at timestamptz NOT NULL
);
CREATE TABLE sales.order_items (
    order_id bigint REFERENCES sales.orders(id),
    product_id integer REFERENCES public.products(id),
    quantity integer NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total_amount > 100;
INSERT INTO public.customers (email, full_name, phone) VALUES
    ('ann@example.com', 'Ann Lee', '+1 555 0100'), ('bo@example.org', 'Bo Chan', '+1 555 0101');
INSERT INTO public.products (sku, name, price) VALUES ('A-1', 'Mug', 9.50), ('B-2', 'Lamp', 45.00);
INSERT INTO sales.orders (customer_id, status, total_amount, ordered_at) VALUES
    (1, 'paid', 19.00, '2026-03-01 10:00+00'), (2, 'shipped', 145.00, '2026-03-02 11:00+00');
INSERT INTO sales.order_items VALUES (1, 1, 2), (2, 2, 3);
"""


def make_pg_shop(cluster: Cluster, name: str) -> str:
    """Create the shop database `name` on `cluster` and return its SQLAlchemy URL."""
    url = cluster.create_database(name)
    with cluster.connect(name) as conn:
        conn.execute(DDL)  # type: ignore[call-overload]
    return url
