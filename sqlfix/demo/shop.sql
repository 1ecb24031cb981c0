-- shop: e-commerce web analytics (visitors, sessions, page views, products, orders).
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    email VARCHAR NOT NULL,
    full_name VARCHAR NOT NULL,
    country VARCHAR,
    city VARCHAR,
    signup_date DATE NOT NULL,
    plan VARCHAR NOT NULL,
    is_active BOOLEAN NOT NULL,
    birth_year INTEGER
);

CREATE TABLE products (
    product_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    brand VARCHAR,
    price DECIMAL(10, 2) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    in_stock BOOLEAN NOT NULL
);

CREATE TABLE sessions (
    session_id BIGINT PRIMARY KEY,
    user_id INTEGER REFERENCES users (user_id),
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    device VARCHAR NOT NULL,
    browser VARCHAR,
    os VARCHAR,
    referrer VARCHAR,
    utm_source VARCHAR,
    landing_url VARCHAR NOT NULL,
    page_count INTEGER NOT NULL
);

CREATE TABLE page_views (
    view_id BIGINT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (session_id),
    url VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    product_id INTEGER REFERENCES products (product_id),
    viewed_at TIMESTAMP NOT NULL,
    duration_ms INTEGER
);

CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (user_id),
    session_id BIGINT REFERENCES sessions (session_id),
    status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    shipped_at TIMESTAMP,
    total DECIMAL(12, 2) NOT NULL,
    currency VARCHAR NOT NULL,
    coupon_code VARCHAR
);

CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (order_id),
    line_no INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (product_id),
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    discount DECIMAL(10, 2),
    PRIMARY KEY (order_id, line_no)
);

COMMENT ON TABLE users IS 'Registered customers of the store';
COMMENT ON COLUMN users.email IS 'Login e-mail address, unique per user';
COMMENT ON COLUMN users.country IS 'ISO 3166-1 alpha-2 country code; NULL when unknown';
COMMENT ON COLUMN users.signup_date IS 'Day the account was created';
COMMENT ON COLUMN users.plan IS 'Membership plan: free, plus or premium';
COMMENT ON COLUMN users.is_active IS 'False once the account is closed';
COMMENT ON COLUMN users.birth_year IS 'Self-reported year of birth; often NULL';
COMMENT ON TABLE products IS 'Product catalogue';
COMMENT ON COLUMN products.category IS 'Top-level category (Electronics, Books, Home...)';
COMMENT ON COLUMN products.price IS 'Current list price in USD';
COMMENT ON COLUMN products.created_at IS 'When the product was added to the catalogue';
COMMENT ON TABLE sessions IS 'One visit to the web shop; user_id is NULL for anonymous visitors';
COMMENT ON COLUMN sessions.started_at IS 'First hit of the visit (UTC)';
COMMENT ON COLUMN sessions.ended_at IS 'Last hit of the visit (UTC); NULL for a session still open';
COMMENT ON COLUMN sessions.device IS 'desktop, mobile or tablet';
COMMENT ON COLUMN sessions.referrer IS 'Referring domain; NULL for direct traffic';
COMMENT ON COLUMN sessions.utm_source IS 'Campaign source tag from the landing URL';
COMMENT ON COLUMN sessions.page_count IS 'Number of page views in the session';
COMMENT ON TABLE page_views IS 'Every tracked hit: page views, searches, cart events';
COMMENT ON COLUMN page_views.event_type IS 'page_view, search, add_to_cart, checkout or purchase';
COMMENT ON COLUMN page_views.product_id IS 'Product shown on the page, if any';
COMMENT ON COLUMN page_views.duration_ms IS 'Time on page in milliseconds; NULL for the last hit';
COMMENT ON TABLE orders IS 'Customer orders';
COMMENT ON COLUMN orders.status IS 'pending, paid, shipped, delivered, cancelled or refunded';
COMMENT ON COLUMN orders.total IS 'Order total after discounts, in the order currency';
COMMENT ON COLUMN orders.currency IS 'ISO 4217 currency code';
COMMENT ON COLUMN orders.coupon_code IS 'Coupon applied at checkout; NULL when none';
COMMENT ON TABLE order_items IS 'Lines of an order';
COMMENT ON COLUMN order_items.line_no IS 'Position of the line within its order, from 1';
COMMENT ON COLUMN order_items.unit_price IS 'Price of one unit when ordered';
COMMENT ON COLUMN order_items.discount IS 'Discount on the whole line; NULL when none';
