"""Facts about this installation kept in the database, such as whether it holds demo data."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from solidarity.db.base import Base

DEMO_DATA = "demo_data"


class InstanceFact(Base):
    __tablename__ = "instance_facts"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(2000))


def get_fact(session: Session, key: str) -> str | None:
    return session.scalar(select(InstanceFact.value).where(InstanceFact.key == key))


def set_fact(session: Session, key: str, value: str) -> None:
    fact = session.get(InstanceFact, key)
    if fact is None:
        session.add(InstanceFact(key=key, value=value))
    else:
        fact.value = value
