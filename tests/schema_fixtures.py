"""Shared inputs of the schema tests: a realistic plain-format pg_dump, DDL in several dialects,
and fresh chDB databases in this process's one chDB data path."""

import uuid

from sqlfix.demo.clickhouse import chdb_path


def fresh_chdb_url(stem: str) -> str:
    """A new, empty database in the chDB data path the demos use: chDB runs one data path per
    process, and other tests may hold demo engines open on it while this test runs."""
    return f"chdb://{chdb_path()}?database={stem}_{uuid.uuid4().hex[:10]}"


PG_DUMP = r"""
--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2 (Debian 16.2-1.pgdg120+2)
-- Dumped by pg_dump version 16.2 (Debian 16.2-1.pgdg120+2)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

CREATE TYPE public.mood AS ENUM (
    'sad',
    'ok',
    'happy'
);


ALTER TYPE public.mood OWNER TO postgres;

CREATE FUNCTION public.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$;


ALTER FUNCTION public.touch_updated_at() OWNER TO postgres;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: customers; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.customers (
    id integer NOT NULL,
    name text NOT NULL,
    email character varying(255),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    mood public.mood,
    score numeric(5,2)
);


ALTER TABLE public.customers OWNER TO postgres;

COMMENT ON TABLE public.customers IS 'People who buy things';
COMMENT ON COLUMN public.customers.email IS 'Contact address';

CREATE SEQUENCE public.customers_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER SEQUENCE public.customers_id_seq OWNER TO postgres;
ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;

CREATE TABLE public.orders (
    id bigint NOT NULL,
    customer_id integer NOT NULL,
    placed_on date NOT NULL,
    paid boolean DEFAULT false NOT NULL,
    note text
);

ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);

COPY public.customers (id, name, email, created_at, mood, score) FROM stdin;
1	Ann Lee	ann@example.com	2024-01-05 10:00:00+00	happy	9.50
2	Bob\tTab	\N	2024-02-11 08:30:00.123456+00	\N	\N
3	Cé "Quote" O'Neil	c@example.com	2024-03-01 00:00:00+00	sad	4.25
\.

COPY public.orders (id, customer_id, placed_on, paid, note) FROM stdin;
10	1	2024-01-06	t	first order\nsecond line
11	1	2024-01-07	f	\N
12	3	2024-03-02	t	back\\slash
\.

SELECT pg_catalog.setval('public.customers_id_seq', 3, true);

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);

CREATE INDEX orders_customer_idx ON public.orders USING btree (customer_id);

CREATE TRIGGER touch BEFORE UPDATE ON public.customers FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE;

GRANT ALL ON TABLE public.orders TO reporting;

--
-- PostgreSQL database dump complete
--
"""

CLICKHOUSE_DDL = """
CREATE TABLE analytics.hits
(
    event_date Date COMMENT 'day of the hit',
    user_id UInt64,
    url String,
    referrer Nullable(String),
    duration_ms Nullable(UInt32),
    device LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(event_date)
ORDER BY (user_id, event_date)
COMMENT 'Raw page hits';

CREATE TABLE analytics.users (user_id UInt64, country FixedString(2), signup DateTime64(3))
ENGINE = ReplacingMergeTree PRIMARY KEY (user_id) ORDER BY (user_id);
"""

MYSQL_DDL = """
CREATE TABLE `customers` (
  `id` int NOT NULL AUTO_INCREMENT,
  `email` varchar(200) NOT NULL COMMENT 'login address',
  `status` enum('active','closed') DEFAULT 'active',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='shop customers';

CREATE TABLE `orders` (
  `id` bigint unsigned NOT NULL,
  `customer_id` int NOT NULL,
  `amount` decimal(10,2),
  PRIMARY KEY (`id`),
  CONSTRAINT `fk_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
);
"""


PG_DUMP_FEATURES = r"""
--
-- PostgreSQL database dump
--
CREATE SCHEMA sales;
CREATE TABLE public.measurements (
    id bigint NOT NULL,
    city_id integer NOT NULL,
    logdate date NOT NULL,
    peaktemp integer,
    tags character varying(20)[],
    created timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    total numeric GENERATED ALWAYS AS ((peaktemp * 2)) STORED
)
PARTITION BY RANGE (logdate);
CREATE UNLOGGED TABLE public.cache (k text NOT NULL, v bytea);
ALTER TABLE public.measurements ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.measurements_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);
CREATE VIEW public.v AS SELECT 1 AS one;
CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS one WITH NO DATA;
COPY public.measurements (id, city_id, logdate, peaktemp, tags, created, payload) FROM stdin;
1	7	2024-05-01	31	{a,b}	2024-05-01 12:00:00.123	{"x": 1}
\.
ALTER TABLE ONLY public.measurements ADD CONSTRAINT measurements_pkey PRIMARY KEY (id, logdate);
ALTER TABLE ONLY public.cache ADD CONSTRAINT cache_k_key UNIQUE (k);
"""
