"""Rows of the ``observability`` demo: one week (2025-11-10 to 2025-11-16, UTC) of a web
platform's telemetry.

Requests enter at ``web-frontend`` and fan out through ``api-gateway`` to the services; each
request is a trace of spans. On Thursday afternoon a ``payments`` release fails most charges
until it is rolled back, which shows in spans, error logs and alerts. Host metrics every 30
minutes have a daily cycle, a memory leak on the recommendations hosts and a filling disk.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlfix.demo.vocab import FIRST_NAMES

WEEK_START = datetime(2025, 11, 10)
WEEK_END = datetime(2025, 11, 17)
TRACES = 2600
METRIC_STEP = timedelta(minutes=30)
INCIDENT = (datetime(2025, 11, 13, 14, 2), datetime(2025, 11, 13, 14, 48))

# service_name, team, language, tier, latency_slo_ms, prod hosts
SERVICES = (
    ("web-frontend", "web", "typescript", 1, 800, 3), ("api-gateway", "platform", "go", 1, 300, 3),
    ("checkout", "payments", "java", 1, 600, 2), ("payments", "payments", "java", 1, 900, 2),
    ("cart", "commerce", "go", 1, 250, 2), ("catalog", "commerce", "python", 2, 400, 2),
    ("search", "discovery", "rust", 2, 350, 2), ("recommendations", "discovery", "python", 3, 1200, 2),
    ("auth", "platform", "go", 1, 150, 2), ("notifications", "growth", "python", 3, 2000, 1),
)
REGIONS = (("us-east-1", "use1"), ("eu-west-1", "euw1"), ("ap-southeast-1", "apse1"))
INSTANCES = (("m6i.large", 2, 8), ("m6i.xlarge", 4, 16), ("c6i.2xlarge", 8, 16), ("r6i.xlarge", 4, 32))
# operation -> (service, median ms, children); children are (operation, probability)
CALLS: dict[str, tuple[str, float, tuple[tuple[str, float], ...]]] = {
    "GET /": ("web-frontend", 40, (("GET /api/products", 0.9), ("GET /api/recommendations", 0.6))),
    "GET /product/:id": ("web-frontend", 35, (("GET /api/products/:id", 1.0), ("GET /api/recommendations", 0.8))),
    "GET /cart": ("web-frontend", 30, (("GET /api/cart", 1.0),)),
    "POST /checkout": ("web-frontend", 45, (("POST /api/checkout", 1.0),)),
    "GET /search": ("web-frontend", 30, (("GET /api/search", 1.0),)),
    "POST /login": ("web-frontend", 25, (("POST /api/login", 1.0),)),
    "GET /api/products": ("api-gateway", 4, (("catalog ListProducts", 1.0),)),
    "GET /api/products/:id": ("api-gateway", 4, (("catalog GetProduct", 1.0),)),
    "GET /api/recommendations": ("api-gateway", 4, (("recommendations ForUser", 1.0),)),
    "GET /api/cart": ("api-gateway", 3, (("cart GetCart", 1.0),)),
    "POST /api/checkout": ("api-gateway", 5, (("checkout PlaceOrder", 1.0),)),
    "GET /api/search": ("api-gateway", 3, (("search Query", 1.0),)),
    "POST /api/login": ("api-gateway", 3, (("auth Login", 1.0),)),
    "catalog ListProducts": ("catalog", 25, (("db.query products", 1.0), ("cache.get product", 0.7))),
    "catalog GetProduct": ("catalog", 12, (("cache.get product", 1.0), ("db.query products", 0.3))),
    "recommendations ForUser": ("recommendations", 180, (("cache.get features", 1.0),)),
    "cart GetCart": ("cart", 6, (("cache.get cart", 1.0),)),
    "checkout PlaceOrder": ("checkout", 60, (("cart GetCart", 1.0), ("payments Charge", 1.0),
                                             ("notifications OrderConfirmed", 0.95))),
    "payments Charge": ("payments", 220, (("db.query charges", 1.0),)),
    "notifications OrderConfirmed": ("notifications", 30, ()),
    "search Query": ("search", 45, (("index.query", 1.0),)),
    "auth Login": ("auth", 20, (("db.query users", 1.0),)),
    "db.query products": ("catalog", 8, ()), "db.query charges": ("payments", 15, ()),
    "db.query users": ("auth", 5, ()), "cache.get product": ("catalog", 1, ()),
    "cache.get features": ("recommendations", 2, ()), "cache.get cart": ("cart", 1, ()),
    "index.query": ("search", 20, ()),
}
ROOTS = (("GET /", 30), ("GET /product/:id", 28), ("GET /search", 16), ("GET /cart", 12), ("POST /login", 8),
         ("POST /checkout", 6))
HTTP_SERVICES = {"web-frontend", "api-gateway"}


def generate(rng: random.Random) -> dict[str, list[tuple]]:
    """Return the rows of every ``observability`` table, parents first, columns in DDL order."""
    hosts = _hosts(rng)
    services = [s[:5] for s in SERVICES]
    deployments = _deployments(rng)
    spans = _spans(rng, hosts)
    metrics = _metrics(rng, hosts)
    events = _events(rng, hosts, spans, metrics)
    alerts = _alerts(rng, hosts, metrics, spans)
    return {"hosts": [h[:9] for h in hosts], "services": services, "deployments": deployments,
            "spans": spans, "events": events, "metrics": metrics, "alerts": alerts}


def _hosts(rng: random.Random) -> list[tuple]:
    """Host rows with the service they run appended (dropped before loading)."""
    rows: list[tuple] = []

    def add(service: str, environment: str, region: tuple[str, str], launched: datetime,
            terminated: datetime | None) -> None:
        number = 1 + sum(1 for r in rows if r[9] == service and r[3] == environment and r[2] == region[0])
        instance, cores, memory = rng.choice(INSTANCES)
        name = f"{service.split('-')[0]}-{environment}-{region[1]}-{number:02d}"
        rows.append((len(rows) + 1, name, region[0], environment, instance, cores, memory, launched, terminated,
                     service))

    for service, *_, count in SERVICES:
        for index in range(count):
            region = REGIONS[index % 2] if service != "search" else REGIONS[index % 3]
            launched = datetime(2025, rng.randint(3, 10), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
            add(service, "prod", region, launched, None)
        if rng.random() < 0.6:
            add(service, "staging", REGIONS[0], datetime(2025, rng.randint(1, 9), rng.randint(1, 28), 9), None)
    # Autoscaling: two extra web-frontend hosts for the weekend, a replaced cart host.
    for day in (15, 16):
        add("web-frontend", "prod", REGIONS[0], datetime(2025, 11, day, 8, 3), datetime(2025, 11, day, 22, 41))
    cart = next(i for i, r in enumerate(rows) if r[9] == "cart" and r[3] == "prod")
    rows[cart] = (*rows[cart][:8], datetime(2025, 11, 12, 3, 17), "cart")
    add("cart", "prod", REGIONS[0], datetime(2025, 11, 12, 3, 9), None)
    return rows


def _alive(host: tuple, at: datetime) -> bool:
    return host[7] <= at and (host[8] is None or at < host[8])


def _deployments(rng: random.Random) -> list[tuple]:
    drafts = []
    people = [name.lower() for name in FIRST_NAMES[:24]]
    for service, *_ in SERVICES:
        major, minor, patch = rng.randint(1, 4), rng.randint(0, 20), rng.randint(0, 9)
        for _ in range(rng.randint(1, 5)):
            patch += 1
            prod = WEEK_START + timedelta(days=rng.randint(0, 4), hours=rng.randint(9, 17), minutes=rng.randint(0, 59))
            who = rng.choice(people) if rng.random() < 0.6 else "ci-bot"
            version = f"{major}.{minor}.{patch}"
            drafts.append((service, version, "staging", prod - timedelta(hours=rng.randint(1, 20)), who, False))
            drafts.append((service, version, "prod", prod, who, rng.random() < 0.05))
    drafts += [("payments", "3.8.0", "staging", datetime(2025, 11, 13, 10, 12), "sofia", False),
               ("payments", "3.8.0", "prod", INCIDENT[0], "sofia", True),
               ("payments", "3.7.4", "prod", INCIDENT[1], "omar", False)]
    drafts.sort(key=lambda d: d[3])
    return [(i, *d) for i, d in enumerate(drafts, start=1)]


def _busy_timestamp(rng: random.Random) -> datetime:
    """A time in the week, three times likelier in the afternoon and evening (UTC) than at night."""
    while True:
        at = WEEK_START + timedelta(seconds=rng.randint(0, 7 * 86400 - 1), microseconds=rng.randint(0, 999) * 1000)
        if rng.random() < (1.0 if 12 <= at.hour <= 22 else 0.35):
            return at


def _spans(rng: random.Random, hosts: list[tuple]) -> list[tuple]:
    rows: list[tuple] = []
    by_service: dict[str, list[tuple]] = {}
    for host in hosts:
        if host[3] == "prod":
            by_service.setdefault(host[9], []).append(host)
    for _ in range(TRACES):
        root = rng.choices([r for r, _ in ROOTS], weights=[w for _, w in ROOTS])[0]
        trace_id = f"{rng.getrandbits(128):032x}"
        _span(rng, rows, by_service, trace_id, None, root, _busy_timestamp(rng))
    rows.sort(key=lambda r: (r[6], r[0]))
    return rows


def _span(rng: random.Random, rows: list[tuple], by_service: dict[str, list[tuple]], trace_id: str,
          parent: str | None, operation: str, start: datetime) -> tuple[float, bool]:
    """Add a span and its children; return its duration and whether it failed."""
    service, median, children = CALLS[operation]
    span_id = f"{rng.getrandbits(64):016x}"
    host = rng.choice([h for h in by_service[service] if _alive(h, start)])
    own = round(median * rng.lognormvariate(0, 0.5), 3)
    clock, failed = start + timedelta(microseconds=int(own * 400)), False
    for child, probability in children:
        if rng.random() < probability:
            took, child_failed = _span(rng, rows, by_service, trace_id, span_id, child, clock)
            clock += timedelta(microseconds=int(took * 1000) + 200)
            failed = failed or child_failed
    duration = round((clock - start).total_seconds() * 1000 + own * 0.6, 3)
    error_rate = 0.004
    if operation == "payments Charge":
        error_rate = 0.45 if INCIDENT[0] <= start < INCIDENT[1] else 0.03
    failed = failed or rng.random() < error_rate
    if operation == "payments Charge" and failed:
        duration = round(duration + rng.uniform(200, 3000), 3)
    http = service in HTTP_SERVICES or operation.startswith(("GET ", "POST "))
    status = "ERROR" if failed else ("OK" if http or rng.random() < 0.5 else "UNSET")
    http_status = None
    if http:
        http_status = rng.choice((500, 502, 503)) if failed else (rng.choice((200, 200, 200, 304)) if operation.startswith("GET") else 200)
        if not failed and rng.random() < 0.01:
            http_status = 404
    rows.append((span_id, trace_id, parent, service, host[0], operation, start, duration, status, http_status))
    return duration, failed


def _metrics(rng: random.Random, hosts: list[tuple]) -> list[tuple]:
    rows = []
    for host in hosts:
        base_cpu = rng.uniform(15, 40) * (1.6 if host[9] in ("search", "recommendations") else 1.0)
        mem, disk = rng.uniform(35, 55), rng.uniform(30, 70)
        if host[9] == "catalog" and host[3] == "prod" and host[1].endswith("-01"):
            disk = 84.0  # a log volume filling up
        at = WEEK_START
        while at < WEEK_END:
            if _alive(host, at):
                daily = 1.0 + 0.6 * (12 <= at.hour <= 22)
                cpu = min(100.0, base_cpu * daily * rng.uniform(0.8, 1.25) + (35 if INCIDENT[0] <= at < INCIDENT[1]
                                                                                 and host[9] == "payments" else 0))
                if host[9] == "recommendations":
                    mem = 40.0 if mem > 96 else mem + rng.uniform(0.1, 0.5)  # leaks until restarted
                else:
                    mem = min(95.0, max(20.0, mem + rng.uniform(-1.5, 1.5)))
                disk = min(99.0, disk + rng.uniform(0, 0.08 if disk < 84 else 0.12))
                for name, value in (("cpu_pct", cpu), ("mem_pct", mem), ("disk_pct", disk)):
                    rows.append((host[0], name, at, round(value, 1)))
            at += METRIC_STEP
    return rows


def _events(rng: random.Random, hosts: list[tuple], spans: list[tuple], metrics: list[tuple]) -> list[tuple]:
    drafts = []
    for span in spans:
        end = span[6] + timedelta(milliseconds=span[7])
        if span[8] == "ERROR" and span[2] is not None and (span[9] is None or span[3] == "api-gateway"):
            reason = ("upstream connect error" if span[3] == "api-gateway" else
                      rng.choice(("card processor timeout", "connection reset by peer", "deadline exceeded")))
            drafts.append((end, span[4], span[3], "ERROR", f"{span[5]} failed: {reason}", span[1]))
        elif span[5].startswith("db.query") and span[7] > 40:
            drafts.append((end, span[4], span[3], "WARN", f"slow query ({span[7]:.0f} ms): {span[5][9:]}", span[1]))
        elif span[2] is None and rng.random() < 0.5:
            drafts.append((end, span[4], span[3], "INFO", f"{span[5]} {span[9]} in {span[7]:.0f} ms", span[1]))
        elif span[5].startswith("cache.get") and rng.random() < 0.12:
            drafts.append((end, span[4], span[3], "DEBUG", f"cache miss: {span[5][10:]}", span[1]))
    for host in hosts:
        start = max(host[7], WEEK_START)
        drafts.append((start + timedelta(seconds=rng.randint(5, 50)), host[0], None, "INFO",
                       "systemd: Started node-exporter.service", None))
        for _ in range(rng.randint(20, 60)):
            at = WEEK_START + timedelta(seconds=rng.randint(0, 7 * 86400 - 1))
            if _alive(host, at):
                drafts.append((at, host[0], host[9], "INFO", rng.choice(("health check passed", "config reloaded",
                                                                        "connection pool resized")), None))
    for host_id, name, at, value in metrics:
        if name == "mem_pct" and value > 94 and rng.random() < 0.5:
            drafts.append((at + timedelta(seconds=rng.randint(1, 600)), host_id, None, "FATAL",
                           "kernel: Out of memory: Killed process (python3)", None))
        if name == "disk_pct" and value > 90 and at.minute == 0 and at.hour % 6 == 0:
            drafts.append((at + timedelta(seconds=12), host_id, None, "WARN", f"disk usage at {value:.0f}% on /var/log",
                           None))
    drafts.sort(key=lambda d: (d[0], d[1], d[4]))
    return [(i, *d) for i, d in enumerate(drafts, start=1)]


def _alerts(rng: random.Random, hosts: list[tuple], metrics: list[tuple], spans: list[tuple]) -> list[tuple]:
    drafts = []
    rules = {"cpu_pct": ("HighCpu", 85.0, 75.0), "disk_pct": ("DiskAlmostFull", 90.0, 85.0),
             "mem_pct": ("HighMemory", 95.0, 80.0)}
    open_since: dict[tuple[int, str], datetime] = {}
    for host_id, name, at, value in sorted(metrics, key=lambda m: (m[0], m[1], m[2])):
        rule, fire, clear = rules[name]
        key = (host_id, name)
        if key not in open_since and value >= fire:
            open_since[key] = at
        elif key in open_since and value < clear:
            fired = open_since.pop(key)
            drafts.append((rule, "warning", host_id, None, fired + timedelta(minutes=1), at + timedelta(minutes=1)))
    for (host_id, name), fired in open_since.items():
        drafts.append((rules[name][0], "critical" if name == "disk_pct" else "warning", host_id, None,
                       fired + timedelta(minutes=1), None))
    drafts.append(("HighErrorRate", "critical", None, "payments", INCIDENT[0] + timedelta(minutes=6),
                   INCIDENT[1] + timedelta(minutes=9)))
    drafts.append(("HighErrorRate", "critical", None, "checkout", INCIDENT[0] + timedelta(minutes=8),
                   INCIDENT[1] + timedelta(minutes=10)))
    slow = sorted({(s[3], s[6].replace(minute=0, second=0, microsecond=0)) for s in spans
                   if s[2] is None and s[7] > 1500})
    for service, hour in slow[:: max(1, len(slow) // 12)]:
        drafts.append(("LatencySLO", "warning", None, service, hour + timedelta(minutes=rng.randint(5, 55)),
                       hour + timedelta(minutes=rng.randint(70, 150))))
    replaced = next(h for h in hosts if h[9] == "cart" and h[8] is not None)
    drafts.append(("HostDown", "critical", replaced[0], None, replaced[8] - timedelta(minutes=13), replaced[8]))
    rows = []
    people = ("amara", "jonas", "priya", "diego", "mei")
    for alert_id, (rule, severity, host_id, service, fired, resolved) in enumerate(sorted(drafts, key=lambda d: d[4]), 1):
        acked = rng.choice(people) if severity == "critical" or rng.random() < 0.4 else None
        rows.append((alert_id, rule, severity, host_id, service, fired, resolved, acked))
    return rows
