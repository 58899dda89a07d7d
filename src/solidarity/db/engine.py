"""Engines for the two supported databases, built from settings and never at import time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from solidarity.config import Settings
from solidarity.errors import DatabaseUnavailable


def redact(url: str) -> str:
    """Hide a password in a database URL before it is shown to anyone.

    >>> redact("postgresql+psycopg://ana:s3cret@db:5432/solidarity")
    'postgresql+psycopg://ana:***@db:5432/solidarity'
    """
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def _normalise_url(url: str) -> str:
    # psycopg 3 is the only PostgreSQL driver installed; a plain postgresql:// URL means it too.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings) -> Engine:
    """Create the engine the settings describe.

    SQLite gets WAL, foreign keys and a busy timeout on every connection, and its directory is
    created. PostgreSQL gets a pre-pinged pool of ``db_pool_size`` connections.
    """
    url = _normalise_url(settings.effective_database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000})
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN; take control so that
            # BEGIN IMMEDIATE can serialise writers (see db.session.transaction).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Run ``SELECT 1``; raise ``DatabaseUnavailable`` with the redacted URL when it fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"Cannot reach the database {redact(str(engine.url))}: {reason}") from None
