-- observability: one week of a web platform's telemetry: hosts, services and their deployments,
-- request spans (distributed traces), log events, host metrics and alerts. Times are UTC.
CREATE TABLE hosts (
    host_id INTEGER PRIMARY KEY,
    hostname VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    instance_type VARCHAR NOT NULL,
    cpu_cores INTEGER NOT NULL,
    memory_gb INTEGER NOT NULL,
    launched_at TIMESTAMP NOT NULL,
    terminated_at TIMESTAMP
);

CREATE TABLE services (
    service_name VARCHAR PRIMARY KEY,
    team VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    tier INTEGER NOT NULL,
    latency_slo_ms INTEGER NOT NULL
);

CREATE TABLE deployments (
    deployment_id INTEGER PRIMARY KEY,
    service_name VARCHAR NOT NULL REFERENCES services (service_name),
    version VARCHAR NOT NULL,
    environment VARCHAR NOT NULL,
    deployed_at TIMESTAMP NOT NULL,
    deployed_by VARCHAR NOT NULL,
    rolled_back BOOLEAN NOT NULL
);

CREATE TABLE spans (
    span_id VARCHAR PRIMARY KEY,
    trace_id VARCHAR NOT NULL,
    parent_span_id VARCHAR,
    service_name VARCHAR NOT NULL REFERENCES services (service_name),
    host_id INTEGER NOT NULL REFERENCES hosts (host_id),
    operation VARCHAR NOT NULL,
    start_time TIMESTAMP NOT NULL,
    duration_ms DOUBLE NOT NULL,
    status_code VARCHAR NOT NULL,
    http_status INTEGER
);

CREATE TABLE events (
    event_id BIGINT PRIMARY KEY,
    ts TIMESTAMP NOT NULL,
    host_id INTEGER NOT NULL REFERENCES hosts (host_id),
    service_name VARCHAR REFERENCES services (service_name),
    severity VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    trace_id VARCHAR
);

CREATE TABLE metrics (
    host_id INTEGER NOT NULL REFERENCES hosts (host_id),
    metric_name VARCHAR NOT NULL,
    ts TIMESTAMP NOT NULL,
    value DOUBLE NOT NULL,
    PRIMARY KEY (host_id, metric_name, ts)
);

CREATE TABLE alerts (
    alert_id INTEGER PRIMARY KEY,
    rule_name VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    host_id INTEGER REFERENCES hosts (host_id),
    service_name VARCHAR REFERENCES services (service_name),
    fired_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    acknowledged_by VARCHAR
);

COMMENT ON TABLE hosts IS 'Virtual machines that ran the services during the week';
COMMENT ON COLUMN hosts.hostname IS 'Role, environment, region and number, e.g. checkout-prod-use1-02';
COMMENT ON COLUMN hosts.region IS 'Cloud region: us-east-1, eu-west-1 or ap-southeast-1';
COMMENT ON COLUMN hosts.environment IS 'prod or staging';
COMMENT ON COLUMN hosts.terminated_at IS 'When the host was shut down; NULL while it runs';
COMMENT ON TABLE services IS 'Services of the platform';
COMMENT ON COLUMN services.tier IS '1 = customer-facing and critical, 2 = important, 3 = internal';
COMMENT ON COLUMN services.latency_slo_ms IS 'Latency objective: 99% of spans should finish within this many ms';
COMMENT ON TABLE deployments IS 'Releases of a service version to an environment';
COMMENT ON COLUMN deployments.version IS 'Semantic version, e.g. 2.14.3';
COMMENT ON COLUMN deployments.rolled_back IS 'True when the release was reverted';
COMMENT ON TABLE spans IS 'One unit of work in a distributed trace (production only)';
COMMENT ON COLUMN spans.span_id IS '16 hex digits';
COMMENT ON COLUMN spans.trace_id IS '32 hex digits shared by every span of one request';
COMMENT ON COLUMN spans.parent_span_id IS 'The calling span; NULL for the root span of a trace';
COMMENT ON COLUMN spans.operation IS 'HTTP route (GET /api/cart), RPC or db/cache call';
COMMENT ON COLUMN spans.duration_ms IS 'Wall time of the span in milliseconds';
COMMENT ON COLUMN spans.status_code IS 'OK, ERROR or UNSET';
COMMENT ON COLUMN spans.http_status IS 'HTTP response status; NULL for spans that are not HTTP requests';
COMMENT ON TABLE events IS 'Structured log lines';
COMMENT ON COLUMN events.service_name IS 'Service that logged it; NULL for host-level logs (kernel, systemd)';
COMMENT ON COLUMN events.severity IS 'DEBUG, INFO, WARN, ERROR or FATAL';
COMMENT ON COLUMN events.trace_id IS 'Trace the line was logged in; NULL outside a request';
COMMENT ON TABLE metrics IS 'Host metrics sampled every 30 minutes, on the hour and half hour';
COMMENT ON COLUMN metrics.metric_name IS 'cpu_pct, mem_pct or disk_pct (percent used)';
COMMENT ON TABLE alerts IS 'Alerts fired by the monitoring rules';
COMMENT ON COLUMN alerts.rule_name IS 'HighCpu, HighMemory, DiskAlmostFull (host rules), HighErrorRate, LatencySLO (service rules) or HostDown';
COMMENT ON COLUMN alerts.severity IS 'critical, warning or info';
COMMENT ON COLUMN alerts.host_id IS 'Host the alert is about; NULL for service-level alerts';
COMMENT ON COLUMN alerts.service_name IS 'Service the alert is about; NULL for host-level alerts';
COMMENT ON COLUMN alerts.resolved_at IS 'NULL while the alert is still firing';
COMMENT ON COLUMN alerts.acknowledged_by IS 'On-call engineer who acknowledged it; NULL when nobody did';
