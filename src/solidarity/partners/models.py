"""Tables of the partners registry: organisations, their names, networks and joint actions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Integer, String, UniqueConstraint
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

    @property
    def label(self) -> str:
        """How the type reads in a sentence.

        >>> OrganisationType.UN_AGENCY.label, OrganisationType.GOVERNMENT_AGENCY.label
        ('UN agency', 'government agency')
        """
        return _TYPE_LABELS.get(self.value, self.value.replace("_", " "))


_TYPE_LABELS = {"un_agency": "UN agency", "ngo": "NGO"}


class NameKind(enum.StrEnum):
    NAME = "name"
    ACRONYM = "acronym"
    ALIAS = "alias"


class JointActionStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _enum_values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    type: Mapped[OrganisationType] = mapped_column(
        Enum(OrganisationType, native_enum=False, length=40, values_callable=_enum_values)
    )
    country_code: Mapped[str | None] = mapped_column(String(3), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(String(4000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    names: Mapped[list[OrganisationName]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationName.id"
    )

    @property
    def aliases(self) -> list[str]:
        return [n.name for n in self.names if n.kind is NameKind.ALIAS]


class OrganisationName(Base):
    """Every name an organisation is known by, keyed so the database itself refuses duplicates.

    ``namespace`` is ``*`` for names and aliases, which are unique across the registry, and
    ``acronym:<country>`` for acronyms, which are unique only within a country (two countries
    each have their "MOH").
    """

    __tablename__ = "organisation_names"
    __table_args__ = (UniqueConstraint("namespace", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NameKind] = mapped_column(Enum(NameKind, native_enum=False, length=10, values_callable=_enum_values))
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), index=True)
    namespace: Mapped[str] = mapped_column(String(20))

    organisation: Mapped[Organisation] = relationship(back_populates="names")


class NetworkMembership(Base):
    """An organisation's membership of a network (an organisation of type ``network``)."""

    __tablename__ = "network_memberships"
    __table_args__ = (
        UniqueConstraint("network_id", "member_id"),
        CheckConstraint("network_id <> member_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(100))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    network: Mapped[Organisation] = relationship(foreign_keys=[network_id])
    member: Mapped[Organisation] = relationship(foreign_keys=[member_id])


class JointAction(Base):
    """Something a network does together: participating organisations, partner countries, dates."""

    __tablename__ = "joint_actions"
    __table_args__ = (
        CheckConstraint("start_date IS NULL OR end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(String(4000))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[JointActionStatus] = mapped_column(
        Enum(JointActionStatus, native_enum=False, length=20, values_callable=_enum_values)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    network: Mapped[Organisation] = relationship()
    participants: Mapped[list[JointActionParticipant]] = relationship(
        cascade="all, delete-orphan", order_by="JointActionParticipant.organisation_id"
    )
    countries: Mapped[list[JointActionCountry]] = relationship(
        cascade="all, delete-orphan", order_by="JointActionCountry.country_code"
    )


class JointActionParticipant(Base):
    __tablename__ = "joint_action_participants"

    joint_action_id: Mapped[int] = mapped_column(ForeignKey("joint_actions.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)

    organisation: Mapped[Organisation] = relationship()


class JointActionCountry(Base):
    """A partner country of a joint action, as an ISO 3166 alpha-2 code."""

    __tablename__ = "joint_action_countries"

    joint_action_id: Mapped[int] = mapped_column(ForeignKey("joint_actions.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)
