"""Exit 0 when the PostgreSQL server in the URL answers a query, 1 otherwise."""

from __future__ import annotations

import sys

import psycopg

try:
    with psycopg.connect(sys.argv[1], connect_timeout=3) as connection:
        connection.execute("select 1")
except psycopg.Error:
    sys.exit(1)
