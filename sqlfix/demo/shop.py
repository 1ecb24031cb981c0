"""Rows of the ``shop`` demo: an e-commerce store with web analytics."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlfix.demo.sampling import growing_timestamp, maybe, person_name, skewed, timestamp_between
from sqlfix.demo.vocab import CITIES, EMAIL_DOMAINS

USERS = 2500
PRODUCTS = 400
SESSIONS = 9000

PLANS = ("free", "plus", "premium")
CATEGORIES = {
    "Electronics": (("Acme", "Voltix", "Sonique", "Nimbus"), ("Wireless Earbuds", "USB-C Charger", "Smart Watch",
                    "Bluetooth Speaker", "Laptop Stand", "Mechanical Keyboard", "4K Monitor", "Webcam")),
    "Books": ((None, "Penguin", "Vintage", "O'Reilly"), ("Mystery Novel", "Cookbook", "Travel Guide",
              "Python Handbook", "Poetry Collection", "Graphic Novel")),
    "Home": (("Hearth", "Nordly", "Casa Bella"), ("Ceramic Mug", "Throw Blanket", "Desk Lamp", "Chef Knife",
             "French Press", "Scented Candle", "Storage Box")),
    "Clothing": (("Northwind", "Urbanite", "Loom & Co"), ("Rain Jacket", "Wool Sweater", "Running Shoes",
                 "Denim Jeans", "Cotton T-Shirt", "Beanie")),
    "Sports": (("Peakline", "Stride", "Aquafin"), ("Yoga Mat", "Water Bottle", "Dumbbell Set", "Cycling Gloves",
               "Tennis Racket")),
    "Beauty": (("Lumière", "Verde", "Skinlab"), ("Face Serum", "Lip Balm", "Shampoo", "Sunscreen SPF 50")),
    "Toys": (("Brickly", "Playwell"), ("Puzzle 1000 pcs", "Building Blocks", "Plush Bear", "Board Game")),
}
PRICE_RANGE = {"Electronics": (15, 600), "Books": (6, 60), "Home": (8, 180), "Clothing": (10, 220),
               "Sports": (8, 300), "Beauty": (5, 90), "Toys": (7, 120)}
DEVICES = ("desktop", "mobile", "tablet")
BROWSERS = {"desktop": ("Chrome", "Safari", "Firefox", "Edge"), "mobile": ("Chrome Mobile", "Safari Mobile",
            "Samsung Internet"), "tablet": ("Safari Mobile", "Chrome Mobile")}
OS_BY_BROWSER = {"Chrome": ("Windows", "macOS", "Linux"), "Safari": ("macOS",), "Firefox": ("Windows", "Linux", "macOS"),
                 "Edge": ("Windows",), "Chrome Mobile": ("Android",), "Safari Mobile": ("iOS", "iPadOS"),
                 "Samsung Internet": ("Android",)}
REFERRERS = ("google.com", "facebook.com", "instagram.com", "bing.com", "newsletter.shop.example", "reddit.com",
             "youtube.com", "duckduckgo.com", "tiktok.com", "pinterest.com")
UTM_SOURCES = ("google_ads", "newsletter", "facebook_ads", "affiliate", "instagram")
PAGES = ("/", "/search", "/cart", "/checkout", "/account", "/deals", "/help")
CURRENCY_BY_COUNTRY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "CA": "CAD",
                       "AU": "AUD", "JP": "JPY"}
ORDER_STATUSES = ("delivered", "shipped", "paid", "pending", "cancelled", "refunded")
COUPONS = ("WELCOME10", "SPRING15", "BLACKFRIDAY", "FREESHIP", "VIP20")


def generate(rng: random.Random) -> dict[str, list[tuple]]:
    """Return the rows of every ``shop`` table, parents first, columns in DDL order."""
    users = _users(rng)
    products = _products(rng)
    sessions, page_views = _sessions(rng, users, products)
    orders, order_items = _orders(rng, users, products, sessions)
    return {"users": users, "products": products, "sessions": sessions, "page_views": page_views,
            "orders": orders, "order_items": order_items}


def _users(rng: random.Random) -> list[tuple]:
    rows = []
    for user_id in range(1, USERS + 1):
        first, last = person_name(rng)
        city, country = skewed(rng, CITIES, 0.8)
        email = f"{first}.{last}{user_id}@{rng.choice(EMAIL_DOMAINS)}".lower()
        signup = growing_timestamp(rng).date()
        plan = rng.choices(PLANS, weights=(70, 22, 8))[0]
        located = rng.random() > 0.06
        rows.append((user_id, email, f"{first} {last}", country if located else None,
                     city if located and rng.random() > 0.1 else None, signup, plan, rng.random() > 0.08,
                     maybe(rng, rng.randint(1950, 2006), 0.45)))
    return rows


def _products(rng: random.Random) -> list[tuple]:
    rows = []
    categories = list(CATEGORIES)
    for product_id in range(1, PRODUCTS + 1):
        category = skewed(rng, categories, 0.7)
        brands, kinds = CATEGORIES[category]
        brand = rng.choice(brands)
        name = f"{brand} {rng.choice(kinds)}" if brand else rng.choice(kinds)
        low, high = PRICE_RANGE[category]
        price = Decimal(round(low * (high / low) ** (rng.random() ** 1.6), 0)) - Decimal("0.01")
        created = timestamp_between(rng).replace(second=0)
        rows.append((product_id, name, category, brand, price, created, rng.random() > 0.07))
    return rows


def _sessions(rng: random.Random, users: list[tuple], products: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    sessions, views = [], []
    view_id = 1
    for session_id in range(1, SESSIONS + 1):
        user = skewed(rng, users, 0.6) if rng.random() < 0.72 else None
        started = growing_timestamp(rng)
        if user is not None and started.date() < user[5]:
            started = started.replace(year=user[5].year, month=user[5].month, day=user[5].day)
        device = rng.choices(DEVICES, weights=(48, 44, 8))[0]
        browser = maybe(rng, rng.choice(BROWSERS[device]), 0.03)
        os_name = rng.choice(OS_BY_BROWSER[browser]) if browser else None
        referrer = skewed(rng, REFERRERS, 1.2) if rng.random() < 0.6 else None
        utm = rng.choice(UTM_SOURCES) if referrer and rng.random() < 0.3 else None
        pages = min(1 + int(rng.expovariate(0.45)), 25)
        hit_at = started
        first_url = ""
        for hit in range(pages):
            product = skewed(rng, products, 0.5) if rng.random() < 0.55 else None
            url = f"/products/{product[0]}" if product else rng.choice(PAGES)
            event = _event_type(rng, url)
            last = hit == pages - 1
            duration = None if last else int(rng.lognormvariate(9.6, 0.9))
            first_url = first_url or url
            views.append((view_id, session_id, url, event, product[0] if product else None, hit_at, duration))
            view_id += 1
            if duration is not None:
                hit_at += timedelta(milliseconds=duration)
                hit_at = hit_at.replace(microsecond=0)
        ended = None if rng.random() < 0.01 else hit_at
        sessions.append((session_id, user[0] if user else None, started, ended, device, browser, os_name,
                         referrer, utm, first_url, pages))
    return sessions, views


def _event_type(rng: random.Random, url: str) -> str:
    if url == "/search":
        return "search"
    if url == "/checkout":
        return rng.choices(("checkout", "purchase"), weights=(3, 2))[0]
    if url.startswith("/products/") and rng.random() < 0.12:
        return "add_to_cart"
    return "page_view"


def _orders(rng: random.Random, users: list[tuple], products: list[tuple],
            sessions: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    orders, items = [], []
    known_sessions = [s for s in sessions if s[1] is not None]
    order_id = 0
    for session in known_sessions:
        if rng.random() > 0.35:
            continue
        order_id += 1
        user = users[session[1] - 1]
        created = session[2] + timedelta(minutes=rng.randint(2, 40))
        status = rng.choices(ORDER_STATUSES, weights=(55, 12, 10, 5, 12, 6))[0]
        shipped = created + timedelta(hours=rng.randint(6, 96)) if status in ("shipped", "delivered", "refunded") else None
        coupon = rng.choice(COUPONS) if rng.random() < 0.15 else None
        total = Decimal("0.00")
        for line_no in range(1, 1 + min(1 + int(rng.expovariate(0.8)), 8)):
            product = skewed(rng, products, 0.7)
            quantity = rng.choices((1, 2, 3, 4, 5), weights=(70, 18, 6, 4, 2))[0]
            discount = (product[4] * quantity * Decimal("0.10")).quantize(Decimal("0.01")) if coupon else None
            items.append((order_id, line_no, product[0], quantity, product[4], discount))
            total += product[4] * quantity - (discount or 0)
        currency = CURRENCY_BY_COUNTRY.get(user[3], "USD")
        orders.append((order_id, user[0], maybe(rng, session[0], 0.05), status, created, shipped, total,
                       currency, coupon))
    return orders, items
