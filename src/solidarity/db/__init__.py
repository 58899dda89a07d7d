"""Storage: the engine factory, the declarative base, sessions and Alembic migrations."""

from solidarity.db.base import Base, UTCDateTime, utcnow
from solidarity.db.engine import make_engine, make_sessionmaker, ping
from solidarity.db.session import transaction

__all__ = ["Base", "UTCDateTime", "make_engine", "make_sessionmaker", "ping", "transaction", "utcnow"]
