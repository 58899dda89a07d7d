"""Tables of the partners registry."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from solidarity.db.base import Base, UTCDateTime, utcnow


class OrganisationType(enum.StrEnum):
    GOVERNMENT = "government"
    GOVERNMENT_AGENCY = "government_agency"
    MULTILATERAL = "multilateral"
    UN_AGENCY = "un_agency"
    REGIONAL_ORGANISATION = "regional_organisation"
    NGO = "ngo"
    NETWORK = "network"
    PRIVATE_COMPANY = "private_company"
    ACADEMIC = "academic"
    HOSPITAL = "hospital"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[OrganisationType] = mapped_column(
        Enum(OrganisationType, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])
    )
    country_code: Mapped[str | None] = mapped_column(String(3), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(4000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
