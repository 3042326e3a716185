"""Scratch databases for the benchmarks and the end-to-end tests: made beside a configured one and dropped after,
so the configured database is never touched. On PostgreSQL a new database on the same server (empty, or a copy of
a template database); on SQLite a file in a folder (empty, or a copy of a template file)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg


def is_postgres(database_url: str) -> bool:
    return urlparse(database_url).scheme.startswith("postgres")


def _server(database_url: str) -> str:
    """The server's maintenance database, where databases are created and dropped."""
    return urlunparse(urlparse(database_url)._replace(path="/postgres"))


def scratch_database(
    database_url: str, name: str, folder: Path, *, template: str | None = None
) -> tuple[str, Callable[[], None]]:
    """A new database called `name` beside `database_url` (a copy of `template`, a database URL of the same kind,
    when given): its URL, and a function that drops it."""
    if is_postgres(database_url):
        copy = f' TEMPLATE "{urlparse(template).path.lstrip("/")}"' if template else ""
        with psycopg.connect(_server(database_url), autocommit=True) as server:
            server.execute(f'CREATE DATABASE "{name}"{copy}')

        def drop() -> None:
            with psycopg.connect(_server(database_url), autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return urlunparse(urlparse(database_url)._replace(path=f"/{name}")), drop
    path = folder / f"{name}.sqlite3"
    if template:
        shutil.copyfile(template.removeprefix("sqlite:///"), path)

    def remove() -> None:
        for leftover in folder.glob(f"{name}.sqlite3*"):
            leftover.unlink()

    return f"sqlite:///{path}", remove
