"""Transactions: services own them; callers hand in a sessionmaker or an open session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db.engine import redact
from solidarity.errors import DatabaseUnavailable


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit when the block ends, roll back everything if it raises.

    An unreachable database surfaces as ``DatabaseUnavailable``, never as a driver traceback.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        bind = session.get_bind()
        url = redact(str(bind.engine.url))
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"Database {url} failed: {reason}") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
