"""Tables of the knowledge module: documents, vaccine candidates and public-health measures.

The full-text index is not a model: the migration builds it per engine (an FTS5 table kept in
step by triggers on SQLite, a generated ``tsvector`` column with a GIN index on PostgreSQL) over
``title``, ``summary``, ``body_text`` and ``cjk_terms``; ``solidarity.db.unmapped`` names it so
schema comparison leaves it alone.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from solidarity.db.base import Base, UTCDateTime, utcnow


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


def _enum(e: type[enum.Enum], length: int = 40) -> Enum:
    return Enum(e, native_enum=False, length=length, values_callable=_values)


class DocumentType(enum.StrEnum):
    GUIDELINE = "guideline"
    PROTOCOL = "protocol"
    EXPERIENCE = "experience_report"
    TRAINING = "training_material"
    RESEARCH = "research"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Document(Base):
    __tablename__ = "knowledge_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(12), index=True)
    document_type: Mapped[DocumentType] = mapped_column(_enum(DocumentType), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    link: Mapped[str | None] = mapped_column(String(1000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_kind: Mapped[str | None] = mapped_column(String(20))
    file_size: Mapped[int | None] = mapped_column(Integer)
    body_text: Mapped[str] = mapped_column(Text, default="")
    cjk_terms: Mapped[str] = mapped_column(Text, default="")
    translation_group: Mapped[int | None] = mapped_column(Integer, index=True)
    training_session_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """A training session in the assistance ledger; a plain id so this module does not need that one."""
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topics: Mapped[list[DocumentTopic]] = relationship(cascade="all, delete-orphan", order_by="DocumentTopic.topic")
    countries: Mapped[list[DocumentCountry]] = relationship(
        cascade="all, delete-orphan", order_by="DocumentCountry.country_code"
    )
    measures: Mapped[list[DocumentMeasure]] = relationship(cascade="all, delete-orphan")

    @property
    def topic_names(self) -> list[str]:
        return [t.topic for t in self.topics]

    @property
    def country_codes(self) -> list[str]:
        return [c.country_code for c in self.countries]


class DocumentTopic(Base):
    __tablename__ = "knowledge_document_topics"
    __table_args__ = (UniqueConstraint("document_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_documents.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)


class DocumentCountry(Base):
    """A country the document concerns (it received the knowledge)."""

    __tablename__ = "knowledge_document_countries"
    __table_args__ = (UniqueConstraint("document_id", "country_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_documents.id", ondelete="CASCADE"), index=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)


class DocumentMeasure(Base):
    __tablename__ = "knowledge_document_measures"
    __table_args__ = (UniqueConstraint("document_id", "measure_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("knowledge_documents.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("knowledge_measures.id", ondelete="CASCADE"), index=True)


class MeasureType(enum.StrEnum):
    """Kinds of measure, after the Oxford COVID-19 Government Response Tracker's indicators."""

    CITY_LOCKDOWN = "city_lockdown"
    NATIONAL_LOCKDOWN = "national_lockdown"
    STAY_AT_HOME = "stay_at_home"
    MANDATORY_QUARANTINE = "mandatory_quarantine"
    BORDER_MEASURES = "border_measures"
    MASS_TESTING = "mass_testing"
    CONTACT_TRACING = "contact_tracing"
    MASK_MANDATE = "mask_mandate"
    SCHOOL_CLOSING = "school_closing"
    WORKPLACE_CLOSING = "workplace_closing"
    PUBLIC_EVENTS_BAN = "public_events_ban"
    GATHERING_RESTRICTIONS = "gathering_restrictions"
    PUBLIC_TRANSPORT_CLOSING = "public_transport_closing"
    INTERNAL_MOVEMENT_RESTRICTIONS = "internal_movement_restrictions"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Measure(Base):
    __tablename__ = "knowledge_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    area_name: Mapped[str | None] = mapped_column(String(200))
    """A subnational area (a city, a province); empty for the whole country."""
    measure_type: Mapped[MeasureType] = mapped_column(_enum(MeasureType), index=True)
    level: Mapped[int | None] = mapped_column(Integer)
    """Stringency on the OxCGRT ordinal scale of the indicator (0 none ... 4 strictest)."""
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))
    source_url: Mapped[str | None] = mapped_column(String(1000))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Platform(enum.StrEnum):
    """The five technological routes of COVID-19 vaccines, and other."""

    INACTIVATED = "inactivated"
    RECOMBINANT_PROTEIN = "recombinant_protein"
    LIVE_ATTENUATED_INFLUENZA_VECTORED = "live_attenuated_influenza_vectored"
    ADENOVIRUS_VECTORED = "adenovirus_vectored"
    NUCLEIC_ACID = "nucleic_acid"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _PLATFORM_LABELS[self]


_PLATFORM_LABELS = {
    Platform.INACTIVATED: "Inactivated",
    Platform.RECOMBINANT_PROTEIN: "Recombinant protein",
    Platform.LIVE_ATTENUATED_INFLUENZA_VECTORED: "Live attenuated influenza-vectored",
    Platform.ADENOVIRUS_VECTORED: "Adenovirus-vectored",
    Platform.NUCLEIC_ACID: "Nucleic acid (mRNA or DNA)",
    Platform.OTHER: "Other",
}


class Phase(enum.StrEnum):
    PRECLINICAL = "preclinical"
    PHASE_1 = "phase_1"
    PHASE_2 = "phase_2"
    PHASE_3 = "phase_3"
    AUTHORISED = "authorised"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def order(self) -> int:
        return list(Phase).index(self)


class PartyRole(enum.StrEnum):
    DEVELOPER = "developer"
    PARTNER = "partner"


class VaccineCandidate(Base):
    __tablename__ = "knowledge_vaccine_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform), index=True)
    phase: Mapped[Phase] = mapped_column(_enum(Phase), index=True)
    """The furthest phase reached; kept equal to the latest entry of the phase history."""
    description: Mapped[str] = mapped_column(Text, default="")
    is_global_public_good: Mapped[bool] = mapped_column(Boolean, default=False)
    public_good_source: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str | None] = mapped_column(String(1000))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parties: Mapped[list[VaccineParty]] = relationship(cascade="all, delete-orphan", order_by="VaccineParty.id")
    phases: Mapped[list[VaccinePhase]] = relationship(cascade="all, delete-orphan", order_by="VaccinePhase.started_on")
    trial_sites: Mapped[list[VaccineTrialSite]] = relationship(
        cascade="all, delete-orphan", order_by="VaccineTrialSite.country_code"
    )


class VaccineParty(Base):
    """A developer or an international partner: a registered organisation or a free-text name."""

    __tablename__ = "knowledge_vaccine_parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_vaccine_candidates.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[PartyRole] = mapped_column(_enum(PartyRole, 20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))


class VaccinePhase(Base):
    __tablename__ = "knowledge_vaccine_phases"
    __table_args__ = (UniqueConstraint("candidate_id", "phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_vaccine_candidates.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[Phase] = mapped_column(_enum(Phase, 20))
    started_on: Mapped[dt.date] = mapped_column(Date)


class VaccineTrialSite(Base):
    __tablename__ = "knowledge_vaccine_trial_sites"
    __table_args__ = (UniqueConstraint("candidate_id", "country_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_vaccine_candidates.id", ondelete="CASCADE"), index=True
    )
    country_code: Mapped[str] = mapped_column(String(2), index=True)
