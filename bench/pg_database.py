"""Create a benchmark's PostgreSQL database when it is missing; exit 1 (with a line) when PostgreSQL is down.

    .venv/bin/python bench/pg_database.py postgres://postgres@127.0.0.1:5432/ordermanager_bench

`make bench` calls it before each benchmark that needs a database of its own on PostgreSQL.
"""

from __future__ import annotations

import sys

import psycopg


def main(url: str) -> int:
    server, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        print(f"PostgreSQL is not reachable at {server}: {' '.join(str(error).split())}")  # one line
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
