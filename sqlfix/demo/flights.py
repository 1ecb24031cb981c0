"""Rows of the ``flights`` demo: an airline network with schedules, delays and bookings."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlfix.demo.sampling import date_between, maybe, person_name, skewed, timestamp_between
from sqlfix.demo.vocab import CITIES, EMAIL_DOMAINS

FLIGHTS = 6000
PASSENGERS = 5000
BOOKINGS = 22000

AIRLINES = (
    ("LH", "Lufthansa", "DE", "Star Alliance", False), ("BA", "British Airways", "GB", "oneworld", False),
    ("AF", "Air France", "FR", "SkyTeam", False), ("KL", "KLM", "NL", "SkyTeam", False),
    ("UA", "United Airlines", "US", "Star Alliance", False), ("DL", "Delta Air Lines", "US", "SkyTeam", False),
    ("AA", "American Airlines", "US", "oneworld", False), ("FR", "Ryanair", "IE", None, True),
    ("U2", "easyJet", "GB", None, True), ("W6", "Wizz Air", "HU", None, True), ("NH", "ANA", "JP", "Star Alliance", False),
    ("SQ", "Singapore Airlines", "SG", "Star Alliance", False), ("EK", "Emirates", "AE", None, False),
    ("B6", "JetBlue", "US", None, True),
)
AIRPORTS = (
    ("FRA", "Frankfurt Airport", "Frankfurt", "DE", "Europe/Berlin", 50.033, 8.571),
    ("MUC", "Munich Airport", "Munich", "DE", "Europe/Berlin", 48.354, 11.786),
    ("BER", "Berlin Brandenburg", "Berlin", "DE", "Europe/Berlin", 52.366, 13.503),
    ("LHR", "Heathrow", "London", "GB", "Europe/London", 51.470, -0.454),
    ("LGW", "Gatwick", "London", "GB", "Europe/London", 51.148, -0.190),
    ("MAN", "Manchester Airport", "Manchester", "GB", "Europe/London", 53.354, -2.275),
    ("CDG", "Charles de Gaulle", "Paris", "FR", "Europe/Paris", 49.010, 2.548),
    ("NCE", "Nice Cote d'Azur", "Nice", "FR", "Europe/Paris", 43.658, 7.216),
    ("AMS", "Schiphol", "Amsterdam", "NL", "Europe/Amsterdam", 52.310, 4.768),
    ("MAD", "Adolfo Suarez Madrid-Barajas", "Madrid", "ES", "Europe/Madrid", 40.472, -3.561),
    ("BCN", "Barcelona El Prat", "Barcelona", "ES", "Europe/Madrid", 41.297, 2.078),
    ("FCO", "Rome Fiumicino", "Rome", "IT", "Europe/Rome", 41.800, 12.239),
    ("MXP", "Milan Malpensa", "Milan", "IT", "Europe/Rome", 45.630, 8.723),
    ("DUB", "Dublin Airport", "Dublin", "IE", "Europe/Dublin", 53.421, -6.270),
    ("BUD", "Budapest Ferenc Liszt", "Budapest", "HU", "Europe/Budapest", 47.437, 19.256),
    ("WAW", "Warsaw Chopin", "Warsaw", "PL", "Europe/Warsaw", 52.166, 20.967),
    ("JFK", "John F. Kennedy International", "New York", "US", "America/New_York", 40.641, -73.778),
    ("EWR", "Newark Liberty", "Newark", "US", "America/New_York", 40.690, -74.174),
    ("BOS", "Logan International", "Boston", "US", "America/New_York", 42.366, -71.010),
    ("ORD", "O'Hare International", "Chicago", "US", "America/Chicago", 41.974, -87.907),
    ("ATL", "Hartsfield-Jackson", "Atlanta", "US", "America/New_York", 33.640, -84.427),
    ("SFO", "San Francisco International", "San Francisco", "US", "America/Los_Angeles", 37.621, -122.379),
    ("LAX", "Los Angeles International", "Los Angeles", "US", "America/Los_Angeles", 33.942, -118.408),
    ("SEA", "Seattle-Tacoma", "Seattle", "US", "America/Los_Angeles", 47.450, -122.309),
    ("YYZ", "Toronto Pearson", "Toronto", "CA", "America/Toronto", 43.678, -79.625),
    ("HND", "Tokyo Haneda", "Tokyo", "JP", "Asia/Tokyo", 35.549, 139.780),
    ("SIN", "Singapore Changi", "Singapore", "SG", "Asia/Singapore", 1.364, 103.992),
    ("DXB", "Dubai International", "Dubai", "AE", "Asia/Dubai", 25.253, 55.365),
)
MODELS = (("Airbus A320neo", 180), ("Airbus A321neo", 220), ("Boeing 737-800", 189), ("Boeing 787-9", 290),
          ("Airbus A350-900", 320), ("Boeing 777-300ER", 360), ("Embraer E190", 100), ("Airbus A220-300", 140))
FARES = ("economy", "premium_economy", "business", "first")
TIERS = ("blue", "silver", "gold", "platinum")


def generate(rng: random.Random) -> dict[str, list[tuple]]:
    """Return the rows of every ``flights`` table, parents first, columns in DDL order."""
    airlines = [(i, *a) for i, a in enumerate(AIRLINES, start=1)]
    airports = list(AIRPORTS)
    aircraft = _aircraft(rng, airlines)
    flights = _flights(rng, airlines, airports, aircraft)
    passengers = _passengers(rng)
    return {"airlines": airlines, "airports": airports, "aircraft": aircraft, "flights": flights,
            "passengers": passengers, "bookings": _bookings(rng, flights, passengers, aircraft)}


def _aircraft(rng: random.Random, airlines: list[tuple]) -> list[tuple]:
    rows = []
    for aircraft_id in range(1, 171):
        airline = skewed(rng, airlines, 0.5)
        model, seats = rng.choice(MODELS[:3] if airline[5] else MODELS)
        registration = f"{airline[3][0]}-{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(4))}"
        rows.append((aircraft_id, registration, airline[0], model, seats, maybe(rng, rng.randint(2004, 2024), 0.05)))
    return rows


def _distance_km(a: tuple, b: tuple) -> int:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[5], a[6], b[5], b[6]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6371 * math.asin(math.sqrt(h)))


def _flights(rng: random.Random, airlines: list[tuple], airports: list[tuple], aircraft: list[tuple]) -> list[tuple]:
    fleets: dict[int, list[tuple]] = {}
    for plane in aircraft:
        fleets.setdefault(plane[2], []).append(plane)
    routes = []
    for airline in airlines:
        for _ in range(rng.randint(4, 14)):
            origin = skewed(rng, airports, 0.3)
            # Low-cost carriers fly short-haul: both ends on one continent (same time zone region).
            region = [a for a in airports if a != origin and (not airline[5] or a[4].split("/")[0] == origin[4].split("/")[0])]
            destination = rng.choice(region)
            routes.append((airline, origin, destination, rng.randint(100, 9899)))
    now = datetime(2025, 12, 20)
    rows = []
    for flight_id in range(1, FLIGHTS + 1):
        airline, origin, destination, number = skewed(rng, routes, 0.4)
        distance = _distance_km(origin, destination)
        departure = timestamp_between(rng).replace(second=0)
        departure = departure.replace(minute=departure.minute - departure.minute % 5)
        duration = timedelta(minutes=round(35 + distance / 13.5))
        arrival = departure + duration
        plane = rng.choice(fleets[airline[0]]) if airline[0] in fleets and rng.random() > 0.03 else None
        status, actual_dep, actual_arr = _outcome(rng, departure, duration, now)
        rows.append((flight_id, f"{airline[1]} {number}", airline[0], plane[0] if plane else None, origin[0],
                     destination[0], departure, arrival, actual_dep, actual_arr, status, distance))
    return rows


def _outcome(rng: random.Random, departure: datetime, duration: timedelta,
             now: datetime) -> tuple[str, datetime | None, datetime | None]:
    if departure > now:
        return "scheduled", None, None
    roll = rng.random()
    if roll < 0.025:
        return "cancelled", None, None
    delay = timedelta(minutes=int(rng.expovariate(1 / 55)) + 15) if roll < 0.25 else timedelta(minutes=rng.randint(-5, 12))
    actual_dep = departure + delay
    if roll > 0.997:
        return "diverted", actual_dep, None
    actual_arr = actual_dep + duration + timedelta(minutes=rng.randint(-15, 20))
    return ("delayed" if delay >= timedelta(minutes=15) else "on_time"), actual_dep, actual_arr


def _passengers(rng: random.Random) -> list[tuple]:
    rows = []
    for passenger_id in range(1, PASSENGERS + 1):
        first, last = person_name(rng)
        email = f"{first}.{last}.{passenger_id}@{rng.choice(EMAIL_DOMAINS)}".lower()
        nationality = skewed(rng, CITIES, 0.6)[1]
        tier = rng.choices((None, *TIERS), weights=(55, 25, 12, 6, 2))[0]
        rows.append((passenger_id, first, last, maybe(rng, email, 0.1), maybe(rng, nationality, 0.04),
                     maybe(rng, date_between(rng, date(1940, 1, 1), date(2020, 12, 31)), 0.08), tier))
    return rows


def _bookings(rng: random.Random, flights: list[tuple], passengers: list[tuple],
              aircraft: list[tuple]) -> list[tuple]:
    rows = []
    for booking_id in range(1, BOOKINGS + 1):
        flight = rng.choice(flights)
        passenger = skewed(rng, passengers, 0.3)
        fare = rng.choices(FARES, weights=(78, 9, 11, 2))[0]
        booked = flight[6] - timedelta(minutes=int(rng.expovariate(1 / (60 * 24 * 35))) + 90)
        per_km = {"economy": 0.09, "premium_economy": 0.16, "business": 0.38, "first": 0.75}[fare]
        price = Decimal(str(round(30 + flight[11] * per_km * rng.uniform(0.6, 1.8), 2)))
        seat = maybe(rng, f"{rng.randint(1, 45)}{rng.choice('ABCDEF')}", 0.12)
        checked_in = flight[10] in ("on_time", "delayed", "diverted") and rng.random() < 0.95
        rows.append((booking_id, flight[0], passenger[0], booked, fare, price, seat, checked_in))
    return rows
