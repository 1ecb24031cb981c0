-- billing: a SaaS company's customer accounts, price plans, subscriptions, invoices, payments and metered usage.
CREATE TABLE accounts (
    account_id INTEGER PRIMARY KEY,
    company_name VARCHAR NOT NULL,
    industry VARCHAR,
    country VARCHAR,
    billing_email VARCHAR NOT NULL,
    sales_channel VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    is_test BOOLEAN NOT NULL
);

CREATE TABLE plans (
    plan_id INTEGER PRIMARY KEY,
    plan_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    tier VARCHAR NOT NULL,
    billing_interval VARCHAR NOT NULL,
    seat_price DECIMAL(10, 2) NOT NULL,
    included_api_calls INTEGER NOT NULL,
    overage_per_1k DECIMAL(10, 4),
    is_public BOOLEAN NOT NULL
);

CREATE TABLE subscriptions (
    subscription_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (account_id),
    plan_id INTEGER NOT NULL REFERENCES plans (plan_id),
    status VARCHAR NOT NULL,
    seats INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    trial_ends_at TIMESTAMP,
    canceled_at TIMESTAMP,
    cancel_reason VARCHAR,
    discount_pct DECIMAL(5, 2)
);

CREATE TABLE invoices (
    invoice_id INTEGER PRIMARY KEY,
    invoice_number VARCHAR NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (account_id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (subscription_id),
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR NOT NULL,
    currency VARCHAR NOT NULL,
    subtotal DECIMAL(12, 2) NOT NULL,
    tax DECIMAL(12, 2) NOT NULL,
    total DECIMAL(12, 2) NOT NULL,
    paid_at TIMESTAMP
);

CREATE TABLE invoice_lines (
    invoice_id INTEGER NOT NULL REFERENCES invoices (invoice_id),
    line_no INTEGER NOT NULL,
    line_type VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    quantity INTEGER NOT NULL,
    unit_amount DECIMAL(12, 4) NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);

CREATE TABLE payments (
    payment_id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (invoice_id),
    attempted_at TIMESTAMP NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    method VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    failure_code VARCHAR
);

CREATE TABLE usage_events (
    event_id BIGINT PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (subscription_id),
    metric VARCHAR NOT NULL,
    quantity DOUBLE NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    region VARCHAR
);

COMMENT ON TABLE accounts IS 'Customer companies (one billing account each)';
COMMENT ON COLUMN accounts.industry IS 'Self-reported industry; NULL when not given';
COMMENT ON COLUMN accounts.country IS 'ISO 3166-1 alpha-2 country code of the billing address; NULL when unknown';
COMMENT ON COLUMN accounts.sales_channel IS 'self_serve, sales or partner';
COMMENT ON COLUMN accounts.is_test IS 'Internal test account; excluded from revenue reporting';
COMMENT ON TABLE plans IS 'Price plans, current and legacy';
COMMENT ON COLUMN plans.plan_code IS 'Stable code such as pro_monthly';
COMMENT ON COLUMN plans.tier IS 'free, starter, pro, business or enterprise';
COMMENT ON COLUMN plans.billing_interval IS 'month or year';
COMMENT ON COLUMN plans.seat_price IS 'Price per seat per billing interval, in the invoice currency';
COMMENT ON COLUMN plans.included_api_calls IS 'API calls included per month before overage is charged';
COMMENT ON COLUMN plans.overage_per_1k IS 'Price per 1000 API calls above the included amount; NULL when usage is capped';
COMMENT ON COLUMN plans.is_public IS 'False for legacy plans no longer sold';
COMMENT ON TABLE subscriptions IS 'An account on a plan; an upgrade cancels one subscription and starts another';
COMMENT ON COLUMN subscriptions.status IS 'trialing, active, past_due or canceled';
COMMENT ON COLUMN subscriptions.trial_ends_at IS 'End of the free trial; NULL when there was none';
COMMENT ON COLUMN subscriptions.canceled_at IS 'When the subscription ended; NULL while it runs';
COMMENT ON COLUMN subscriptions.cancel_reason IS 'too_expensive, missing_features, switched_competitor, upgraded, downgraded or other';
COMMENT ON COLUMN subscriptions.discount_pct IS 'Negotiated discount in percent; NULL when none';
COMMENT ON TABLE invoices IS 'One invoice per subscription billing period';
COMMENT ON COLUMN invoices.status IS 'open, paid, void or uncollectible';
COMMENT ON COLUMN invoices.currency IS 'ISO 4217 currency code: USD, EUR or GBP';
COMMENT ON COLUMN invoices.subtotal IS 'Sum of the invoice lines before tax';
COMMENT ON COLUMN invoices.total IS 'subtotal + tax';
COMMENT ON COLUMN invoices.paid_at IS 'When the payment succeeded; NULL while unpaid';
COMMENT ON TABLE invoice_lines IS 'Lines of an invoice';
COMMENT ON COLUMN invoice_lines.line_type IS 'seats, overage or credit (credits are negative)';
COMMENT ON COLUMN invoice_lines.amount IS 'quantity * unit_amount, rounded to cents';
COMMENT ON TABLE payments IS 'Every attempt to collect an invoice, failed ones included';
COMMENT ON COLUMN payments.method IS 'card, sepa_debit, ach or wire';
COMMENT ON COLUMN payments.status IS 'succeeded, failed or refunded';
COMMENT ON COLUMN payments.failure_code IS 'card_declined, insufficient_funds or expired_card; NULL unless failed';
COMMENT ON TABLE usage_events IS 'Metered usage reported by the product, a few batches per subscription and month';
COMMENT ON COLUMN usage_events.metric IS 'api_calls, storage_gb or emails_sent';
COMMENT ON COLUMN usage_events.quantity IS 'Amount of the metric in this batch';
COMMENT ON COLUMN usage_events.region IS 'Data region that reported it; NULL for older clients';
