-- flights: airlines, airports, aircraft, scheduled flights, passengers and their bookings.
CREATE TABLE airlines (
    airline_id INTEGER PRIMARY KEY,
    iata_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    alliance VARCHAR,
    is_low_cost BOOLEAN NOT NULL
);

CREATE TABLE airports (
    airport_code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    city VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    timezone VARCHAR NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL
);

CREATE TABLE aircraft (
    aircraft_id INTEGER PRIMARY KEY,
    registration VARCHAR NOT NULL,
    airline_id INTEGER NOT NULL REFERENCES airlines (airline_id),
    model VARCHAR NOT NULL,
    seats INTEGER NOT NULL,
    built_year INTEGER
);

CREATE TABLE flights (
    flight_id INTEGER PRIMARY KEY,
    flight_number VARCHAR NOT NULL,
    airline_id INTEGER NOT NULL REFERENCES airlines (airline_id),
    aircraft_id INTEGER REFERENCES aircraft (aircraft_id),
    origin VARCHAR NOT NULL REFERENCES airports (airport_code),
    destination VARCHAR NOT NULL REFERENCES airports (airport_code),
    scheduled_departure TIMESTAMP NOT NULL,
    scheduled_arrival TIMESTAMP NOT NULL,
    actual_departure TIMESTAMP,
    actual_arrival TIMESTAMP,
    status VARCHAR NOT NULL,
    distance_km INTEGER NOT NULL
);

CREATE TABLE passengers (
    passenger_id INTEGER PRIMARY KEY,
    first_name VARCHAR NOT NULL,
    last_name VARCHAR NOT NULL,
    email VARCHAR,
    nationality VARCHAR,
    birth_date DATE,
    loyalty_tier VARCHAR
);

CREATE TABLE bookings (
    booking_id INTEGER PRIMARY KEY,
    flight_id INTEGER NOT NULL REFERENCES flights (flight_id),
    passenger_id INTEGER NOT NULL REFERENCES passengers (passenger_id),
    booked_at TIMESTAMP NOT NULL,
    fare_class VARCHAR NOT NULL,
    price DECIMAL(10, 2) NOT NULL,
    seat VARCHAR,
    checked_in BOOLEAN NOT NULL
);

COMMENT ON TABLE airlines IS 'Carriers operating the flights';
COMMENT ON COLUMN airlines.iata_code IS 'Two-letter IATA airline designator';
COMMENT ON COLUMN airlines.alliance IS 'Star Alliance, oneworld or SkyTeam; NULL for unaligned carriers';
COMMENT ON TABLE airports IS 'Airports served';
COMMENT ON COLUMN airports.airport_code IS 'Three-letter IATA airport code';
COMMENT ON COLUMN airports.country IS 'ISO 3166-1 alpha-2 country code';
COMMENT ON COLUMN airports.timezone IS 'IANA time zone of the airport';
COMMENT ON TABLE aircraft IS 'Individual airframes in the fleets';
COMMENT ON COLUMN aircraft.registration IS 'Tail number';
COMMENT ON COLUMN aircraft.seats IS 'Installed passenger seats';
COMMENT ON TABLE flights IS 'One scheduled flight leg; times are UTC';
COMMENT ON COLUMN flights.flight_number IS 'Airline designator plus number, e.g. LH 401';
COMMENT ON COLUMN flights.aircraft_id IS 'Airframe flown; NULL when not yet assigned';
COMMENT ON COLUMN flights.actual_departure IS 'Off-block time; NULL when cancelled or not yet departed';
COMMENT ON COLUMN flights.actual_arrival IS 'On-block time; NULL when cancelled, diverted or not yet arrived';
COMMENT ON COLUMN flights.status IS 'scheduled, on_time, delayed, cancelled or diverted';
COMMENT ON COLUMN flights.distance_km IS 'Great-circle distance between the airports in km';
COMMENT ON TABLE passengers IS 'People who booked at least one flight';
COMMENT ON COLUMN passengers.nationality IS 'ISO 3166-1 alpha-2 country code';
COMMENT ON COLUMN passengers.loyalty_tier IS 'Frequent-flyer tier: blue, silver, gold or platinum; NULL for non-members';
COMMENT ON TABLE bookings IS 'One seat sold on one flight';
COMMENT ON COLUMN bookings.fare_class IS 'economy, premium_economy, business or first';
COMMENT ON COLUMN bookings.price IS 'Fare paid in USD';
COMMENT ON COLUMN bookings.seat IS 'Seat number such as 14C; NULL until a seat is chosen';
