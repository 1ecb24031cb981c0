"""Rows of the ``billing`` demo: a SaaS company's accounts, plans, subscriptions, invoices,
payments and metered usage.

Subscriptions run month by month from their start (after a trial) until they churn, are
upgraded (a new subscription starts the same minute) or the data ends. Paid plans get one
invoice per billing period: a seats line, an overage line for API calls above the plan's
allowance in the month before (metering started in 2025), and a credit line for a discount.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlfix.demo.sampling import growing_timestamp, maybe, skewed
from sqlfix.demo.vocab import CITIES

ACCOUNTS = 900
TODAY = datetime(2025, 12, 31, 23, 59, 59)
METERING_START = date(2025, 1, 1)
CENT = Decimal("0.01")

# plan_id, plan_code, name, tier, billing_interval, seat_price, included_api_calls, overage_per_1k, is_public
PLANS = (
    (1, "free_monthly", "Free", "free", "month", Decimal("0.00"), 1_000, None, True),
    (2, "starter_monthly", "Starter", "starter", "month", Decimal("15.00"), 10_000, Decimal("0.5000"), True),
    (3, "starter_annual", "Starter", "starter", "year", Decimal("150.00"), 10_000, Decimal("0.5000"), True),
    (4, "pro_monthly", "Pro", "pro", "month", Decimal("45.00"), 100_000, Decimal("0.4000"), True),
    (5, "pro_annual", "Pro", "pro", "year", Decimal("450.00"), 100_000, Decimal("0.4000"), True),
    (6, "business_monthly", "Business", "business", "month", Decimal("90.00"), 500_000, Decimal("0.3000"), True),
    (7, "business_annual", "Business", "business", "year", Decimal("900.00"), 500_000, Decimal("0.3000"), True),
    (8, "enterprise_annual", "Enterprise", "enterprise", "year", Decimal("1500.00"), 5_000_000, Decimal("0.2000"), True),
    (9, "pro_monthly_2023", "Pro (2023)", "pro", "month", Decimal("39.00"), 50_000, Decimal("0.5000"), False),
    (10, "starter_monthly_2023", "Starter (2023)", "starter", "month", Decimal("12.00"), 5_000, Decimal("0.6000"), False),
)
LEGACY = {4: 9, 2: 10}  # plans sold under their 2023 price until the end of 2023
SEATS = {"free": (1, 1), "starter": (1, 5), "pro": (2, 25), "business": (10, 80), "enterprise": (50, 400)}
NAME_WORDS = (("Blue", "Bright", "Cedar", "Clear", "Copper", "Delta", "Ember", "First", "Golden", "Granite",
               "Harbor", "Iron", "Juniper", "Kite", "Lumen", "Maple", "North", "Orbit", "Pine", "Quill", "River",
               "Silver", "Summit", "True", "Velvet", "Wild"),
              ("Analytics", "Bakery", "Bank", "Clinic", "Cloud", "Labs", "Logistics", "Media", "Motors", "Partners",
               "Robotics", "Software", "Studio", "Systems", "Travel", "Works"),
              ("Inc", "LLC", "Ltd", "GmbH", "SAS", "BV", "Co"))
INDUSTRIES = ("software", "ecommerce", "fintech", "healthcare", "education", "media", "logistics", "manufacturing")
CURRENCY = {"DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "GB": "GBP"}
TAX_RATE = {"DE": Decimal("0.19"), "FR": Decimal("0.20"), "ES": Decimal("0.21"), "IT": Decimal("0.22"),
            "NL": Decimal("0.21"), "GB": Decimal("0.20"), "SE": Decimal("0.25"), "DK": Decimal("0.25"),
            "PL": Decimal("0.23")}
REGION = {"US": "us-east-1", "CA": "us-east-1", "MX": "us-east-1", "BR": "us-east-1", "AU": "ap-southeast-2",
          "JP": "ap-northeast-1", "KR": "ap-northeast-1", "SG": "ap-southeast-2", "IN": "ap-southeast-2"}
CHURN_REASONS = ("too_expensive", "missing_features", "switched_competitor", "other")


@dataclass
class _Subscription:
    row: list
    plan: tuple
    account: tuple
    invoices: list[dict] = field(default_factory=list)


def generate(rng: random.Random) -> dict[str, list[tuple]]:
    """Return the rows of every ``billing`` table, parents first, columns in DDL order."""
    accounts = _accounts(rng)
    subscriptions = _subscriptions(rng, accounts)
    usage = _usage(rng, subscriptions)
    invoices, lines, payments = _invoices(rng, subscriptions, usage)
    for sub in subscriptions:
        _settle_status(sub)
    return {"accounts": accounts, "plans": list(PLANS), "subscriptions": [tuple(s.row) for s in subscriptions],
            "invoices": invoices, "invoice_lines": lines, "payments": payments,
            "usage_events": [(i, *event) for i, event in enumerate(sorted(usage, key=lambda e: (e[3], e[0])), start=1)]}


def _accounts(rng: random.Random) -> list[tuple]:
    created = sorted(growing_timestamp(rng) for _ in range(ACCOUNTS))
    rows = []
    for account_id, created_at in enumerate(created, start=1):
        first, second, suffix = (rng.choice(words) for words in NAME_WORDS)
        name = f"{first} {second} {suffix}"
        country = maybe(rng, skewed(rng, CITIES, 0.5)[1], 0.05)
        domain = f"{first}{second}".lower()
        channel = rng.choices(("self_serve", "sales", "partner"), weights=(70, 22, 8))[0]
        rows.append((account_id, name, maybe(rng, skewed(rng, INDUSTRIES, 0.6), 0.12), country,
                     f"billing@{domain}.example", channel, created_at, rng.random() < 0.02))
    return rows


def _pick_plan(rng: random.Random, account: tuple, tier: str, when: datetime) -> tuple:
    yearly = tier == "enterprise" or (tier != "free" and rng.random() < 0.25)
    plan = next(p for p in PLANS if p[3] == tier and p[4] == ("year" if yearly else "month") and p[8])
    if plan[0] in LEGACY and when.year == 2023:
        plan = PLANS[LEGACY[plan[0]] - 1]
    return plan


def _subscriptions(rng: random.Random, accounts: list[tuple]) -> list[_Subscription]:
    subscriptions: list[_Subscription] = []
    for account in accounts:
        weights = (5, 20, 40, 25, 10) if account[5] == "sales" else (35, 30, 25, 9, 1)
        tier = rng.choices(("free", "starter", "pro", "business", "enterprise"), weights=weights)[0]
        start = account[6] + timedelta(minutes=rng.randint(1, 90))
        trial = tier not in ("free", "enterprise") and account[5] == "self_serve" and rng.random() < 0.7
        while True:
            plan = _pick_plan(rng, account, tier, start)
            low, high = SEATS[tier]
            seats = low + int((high - low) * rng.random() ** 3)
            discount = None
            if tier in ("business", "enterprise") and rng.random() < 0.4:
                discount = Decimal(rng.choice((10, 15, 20, 25)))
            elif tier != "free" and rng.random() < 0.05:
                discount = Decimal(10)
            trial_end = start + timedelta(days=14) if trial else None
            row = [len(subscriptions) + 1, account[0], plan[0], "active", seats, start, trial_end, None, None,
                   None if discount is None else discount.quantize(CENT)]
            subscriptions.append(_Subscription(row, plan, account))
            nxt = _next_change(rng, tier, start)
            if nxt is None:
                break
            when, reason, new_tier = nxt
            row[7], row[8] = when, reason
            if new_tier is None:
                break
            tier, start, trial = new_tier, when + timedelta(minutes=1), False
    return subscriptions


def _next_change(rng: random.Random, tier: str, start: datetime) -> tuple[datetime, str | None, str | None] | None:
    """When and why a subscription ends, and the tier that follows (None: the account left)."""
    order = ("free", "starter", "pro", "business", "enterprise")
    month = start
    while True:
        month += timedelta(days=30)
        if month > TODAY:
            return None
        when = month + timedelta(hours=rng.randint(0, 23 * 24))
        if when > TODAY:
            return None
        roll = rng.random()
        churn = 0.0 if tier == "free" else (0.012 if tier in ("business", "enterprise") else 0.03)
        upgrade = {"free": 0.05, "starter": 0.025, "pro": 0.01, "business": 0.004, "enterprise": 0.0}[tier]
        if roll < churn:
            return when, maybe(rng, rng.choices(CHURN_REASONS, weights=(35, 22, 15, 28))[0], 0.15), None
        if roll < churn + upgrade:
            return when, "upgraded", order[order.index(tier) + 1]
        if tier in ("pro", "business") and roll < churn + upgrade + 0.003:
            return when, "downgraded", order[order.index(tier) - 1]


def _usage(rng: random.Random, subscriptions: list[_Subscription]) -> list[tuple]:
    """Usage batches (subscription_id, metric, quantity, occurred_at, region) since metering began."""
    events = []
    for sub in subscriptions:
        start, end = sub.row[5], sub.row[7] or TODAY
        country = sub.account[3]
        region = REGION.get(country or "", "eu-west-1")
        tier = sub.plan[3]
        month = date(max(start.date(), METERING_START).year, max(start.date(), METERING_START).month, 1)
        while datetime.combine(month, time()) <= end:
            month_end = _add_months(month, 1)
            lo = max(start, datetime.combine(month, time()))
            hi = min(end, datetime.combine(month_end, time()) - timedelta(seconds=1))
            if lo < hi:
                wanted = sub.plan[6] * rng.lognormvariate(-0.7, 0.8)
                if sub.plan[7] is None:
                    wanted = min(wanted, sub.plan[6])
                batches = rng.randint(1, 3)
                for _ in range(batches):
                    events.append(_event(rng, sub, "api_calls", float(max(1, int(wanted / batches))), lo, hi, region))
                if tier != "free":
                    gb = round(sub.row[4] * rng.uniform(0.2, 3.0), 2)
                    events.append(_event(rng, sub, "storage_gb", gb, lo, hi, region))
                if rng.random() < 0.3:
                    events.append(_event(rng, sub, "emails_sent", float(rng.randint(50, 20_000)), lo, hi, region))
            month = month_end
    return events


def _event(rng: random.Random, sub: _Subscription, metric: str, quantity: float, lo: datetime, hi: datetime,
           region: str) -> tuple:
    at = lo + timedelta(seconds=rng.randint(0, int((hi - lo).total_seconds())))
    old_client = at < datetime(2025, 7, 1) and rng.random() < 0.2
    return (sub.row[0], metric, quantity, at, None if old_client else region)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1 if day.day > 28 else day.day)


def _invoices(rng: random.Random, subscriptions: list[_Subscription],
              usage: list[tuple]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    api_calls: dict[tuple[int, int, int], float] = {}
    for sub_id, metric, quantity, at, _ in usage:
        if metric == "api_calls":
            api_calls[(sub_id, at.year, at.month)] = api_calls.get((sub_id, at.year, at.month), 0.0) + quantity
    drafts = []
    for sub in subscriptions:
        if sub.plan[3] == "free":
            continue
        begin = sub.row[6] or sub.row[5]
        end = sub.row[7] or TODAY
        period = begin.date()
        step = 12 if sub.plan[4] == "year" else 1
        while datetime.combine(period, time()) < end:
            nxt = _add_months(period, step)
            previous = _add_months(period, -1)
            used = api_calls.get((sub.row[0], previous.year, previous.month), 0.0) if step == 1 else 0.0
            drafts.append((sub, period, nxt - timedelta(days=1), used, begin))
            period = nxt
    drafts.sort(key=lambda d: (d[1], d[0].row[0]))
    invoices, lines, payments = [], [], []
    for invoice_id, (sub, period_start, period_end, used, begin) in enumerate(drafts, start=1):
        account, plan = sub.account, sub.plan
        issued = datetime.combine(period_start, time()) + timedelta(hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
        issued = max(issued, begin + timedelta(minutes=2))  # the first invoice follows the signup
        due = period_start + timedelta(days=30 if plan[3] == "enterprise" else 14)
        currency = CURRENCY.get(account[3] or "", "USD")
        items = [("seats", f"{plan[2]} seats ({plan[4]}ly)", sub.row[4], plan[5])]
        over = int((used - plan[6]) // 1000) if plan[7] is not None and used > plan[6] else 0
        if over:
            items.append(("overage", "API calls above the allowance, per 1000", over, plan[7]))
        gross = sum((Decimal(q) * u).quantize(CENT, ROUND_HALF_UP) for _, _, q, u in items)
        if sub.row[9] is not None:
            credit = (gross * sub.row[9] / 100).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            items.append(("credit", f"Discount {sub.row[9]:.0f}%", 1, -credit))
        amounts = [(Decimal(q) * u).quantize(CENT, ROUND_HALF_UP) for _, _, q, u in items]
        subtotal = sum(amounts, Decimal("0.00"))
        tax = (subtotal * TAX_RATE.get(account[3] or "", Decimal(0))).quantize(CENT, ROUND_HALF_UP)
        total = subtotal + tax
        for line_no, ((kind, text, quantity, unit), amount) in enumerate(zip(items, amounts), start=1):
            lines.append((invoice_id, line_no, kind, text, quantity, unit, amount))
        status, paid_at, attempts = _collection(rng, issued, due)
        method = _method(rng, account, plan, currency)
        for attempt_at, outcome, code in attempts:
            payments.append((len(payments) + 1, invoice_id, attempt_at, total, method, outcome, code))
        number = f"INV-{issued.year}-{invoice_id:06d}"
        row = (invoice_id, number, account[0], sub.row[0], period_start, period_end, issued, due, status, currency,
               subtotal, tax, total, paid_at)
        invoices.append(row)
        sub.invoices.append({"status": status, "due": due})
    return invoices, lines, payments


def _method(rng: random.Random, account: tuple, plan: tuple, currency: str) -> str:
    if plan[3] == "enterprise" or (account[5] == "sales" and rng.random() < 0.3):
        return "wire"
    if currency == "EUR" and rng.random() < 0.35:
        return "sepa_debit"
    if currency == "USD" and rng.random() < 0.15:
        return "ach"
    return "card"


def _collection(rng: random.Random, issued: datetime,
                due: date) -> tuple[str, datetime | None, list[tuple[datetime, str, str | None]]]:
    """The invoice's status, when it was paid, and its payment attempts."""
    codes = ("card_declined", "insufficient_funds", "expired_card")
    age = (TODAY - issued).days
    roll = rng.random()
    if roll < 0.02:
        return "void", None, []
    failures = rng.choices((0, 1, 2), weights=(86, 10, 4))[0]
    attempts = [(issued + timedelta(minutes=5 + 3 * 24 * 60 * i), "failed", rng.choice(codes)) for i in range(failures)]
    if roll < 0.05 and age > 40:
        attempts += [(issued + timedelta(days=3 * (failures + i), minutes=5), "failed", rng.choice(codes))
                     for i in range(1, 3)]
        return "uncollectible", None, sorted(attempts)
    if age < rng.randint(0, 20) or (roll < 0.07 and age < 120):
        return "open", None, attempts
    paid = issued + timedelta(minutes=5 + 3 * 24 * 60 * failures, seconds=rng.randint(0, 3000))
    outcome = "refunded" if rng.random() < 0.01 else "succeeded"
    return "paid", paid, [*attempts, (paid, outcome, None)]


def _settle_status(sub: _Subscription) -> None:
    """Set the subscription's status from its end, trial and the collection of its invoices."""
    row = sub.row
    if row[7] is not None:
        row[3] = "canceled"
    elif row[6] is not None and row[6] > TODAY:
        row[3] = "trialing"
    elif any(i["status"] == "open" and i["due"] < TODAY.date() for i in sub.invoices[-2:]):
        row[3] = "past_due"
    else:
        row[3] = "active"
