CREATE TABLE customers (
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
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    event_type VARCHAR(20) NOT NULL
        CHECK (event_type IN ('login', 'page_view', 'search', 'add_to_cart', 'checkout')),
    ip_address VARCHAR(45),
    user_agent VARCHAR(255),
    properties TEXT,
    occurred_at TIMESTAMP NOT NULL
);

CREATE INDEX ix_events_customer ON events (customer_id, occurred_at);

CREATE VIEW customer_activity AS
SELECT c.id AS customer_id, c.full_name, c.segment, COUNT(e.id) AS event_count,
       MAX(e.occurred_at) AS last_seen_at
FROM customers AS c LEFT JOIN events AS e ON e.customer_id = c.id
GROUP BY c.id, c.full_name, c.segment;
