CREATE TABLE orders (
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
);

CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(10, 2) NOT NULL,
    total_amount NUMERIC(12, 2) NOT NULL
);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    method VARCHAR(16) NOT NULL CHECK (method IN ('card', 'paypal', 'bank_transfer')),
    card_number VARCHAR(19),
    card_last4 CHAR(4),
    amount NUMERIC(12, 2) NOT NULL,
    status VARCHAR(16) NOT NULL
        CHECK (status IN ('authorized', 'captured', 'refunded', 'failed')),
    paid_at TIMESTAMP
);

CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    carrier VARCHAR(16) NOT NULL CHECK (carrier IN ('DHL', 'UPS', 'FedEx', 'PostNL')),
    tracking_number VARCHAR(40) NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('in_transit', 'delivered', 'returned')),
    shipped_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);

CREATE INDEX ix_orders_customer ON orders (customer_id);

CREATE INDEX ix_order_items_order ON order_items (order_id);

CREATE VIEW order_totals AS
SELECT o.id AS order_id, o.order_number, o.status, COUNT(i.id) AS item_count,
       COALESCE(SUM(i.quantity), 0) AS units,
       ROUND(COALESCE(SUM(i.total_amount), 0), 2) AS items_total, o.total_amount
FROM orders AS o LEFT JOIN order_items AS i ON i.order_id = o.id
GROUP BY o.id, o.order_number, o.status, o.total_amount;
