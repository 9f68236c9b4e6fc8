"""A database nobody has migrated, for tests that start the site or a restore on their own."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.db import connection


@contextmanager
def empty_database(folder: Path, name: str) -> Iterator[str]:
    """The URL of an empty database: an SQLite file in `folder`, or, when the suite runs on
    PostgreSQL, a new database `houvast_<name>_<pid>` on the same server, dropped afterwards
    (with whatever connections a server under test still holds)."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
        return
    database = f"houvast_{name}_{os.getpid()}"
    params = connection.settings_dict
    admin = {"host": params["HOST"], "port": params["PORT"] or 5432, "user": params["USER"]}
    if params["PASSWORD"]:
        admin["password"] = params["PASSWORD"]

    def drop() -> None:
        with psycopg.connect(**admin, dbname="postgres", autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    drop()
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as pg:
        pg.execute(f'CREATE DATABASE "{database}"')
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{params['HOST']}:{admin['port']}/{database}"
    finally:
        drop()
