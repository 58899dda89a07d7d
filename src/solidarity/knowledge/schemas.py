"""Shapes in and out of the knowledge module: documents, search hits, vaccine candidates, measures."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from solidarity.knowledge.models import (
    Document,
    DocumentType,
    Measure,
    MeasureType,
    PartyRole,
    Phase,
    Platform,
    VaccineCandidate,
)


def _clean_list(values: list[str]) -> list[str]:
    """Stripped, blanks dropped, once each ignoring case (the first spelling is kept): "Masks, masks" is one topic."""
    kept: dict[str, str] = {}
    for value in values:
        if value and value.strip():
            kept.setdefault(value.strip().casefold(), value.strip())
    return list(kept.values())


class DocumentCreate(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    summary: str = Field("", max_length=20000)
    language: str = Field("en", min_length=2, max_length=12, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    document_type: DocumentType = DocumentType.GUIDELINE
    topics: list[str] = Field(default_factory=list)
    organisation: str | None = Field(None, description="Publisher: id, name, acronym or alias")
    published_on: dt.date | None = None
    countries: list[str] = Field(default_factory=list, description="Countries the document concerns")
    link: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    translation_of: int | None = Field(None, description="Id of a document this one translates")
    measure_ids: list[int] = Field(default_factory=list)
    training_session_id: int | None = Field(
        None, description="Id of a training flow in the assistance ledger (modality or capacity kind training)"
    )

    @field_validator("topics", "countries")
    @classmethod
    def _dedupe(cls, values: list[str]) -> list[str]:
        return _clean_list(values)

    @field_validator("title")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is blank")
        return value.strip()


class DocumentUpdate(BaseModel):
    """The fields to change; a field left out stays as it is, ``null`` clears an optional one.

    ``translation_of`` joins the translations of that document; ``null`` takes the document out of its group.
    """

    title: str | None = Field(None, min_length=1, max_length=500)
    summary: str | None = Field(None, max_length=20000)
    language: str | None = Field(None, min_length=2, max_length=12, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    document_type: DocumentType | None = None
    topics: list[str] | None = None
    organisation: str | None = Field(None, description="New publisher: id, name, acronym or alias (not removable)")
    published_on: dt.date | None = None
    countries: list[str] | None = None
    link: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    translation_of: int | None = None
    measure_ids: list[int] | None = None
    training_session_id: int | None = None

    @field_validator("topics", "countries")
    @classmethod
    def _dedupe(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _clean_list(values)

    @field_validator("title")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("title is blank")
        return None if value is None else value.strip()


class TrainingSessionPublic(BaseModel):
    """The training session (an assistance flow) a document belongs to."""

    flow_id: int
    topic: str
    flow_date: dt.date
    url: str


class DocumentPublic(BaseModel):
    id: int
    title: str
    summary: str
    language: str
    document_type: DocumentType
    topics: list[str]
    organisation_id: int | None
    published_on: dt.date | None
    countries: list[str]
    link: str | None
    file_name: str | None
    file_kind: str | None
    file_size: int | None
    translation_group: int | None
    training_session_id: int | None
    training_session: TrainingSessionPublic | None = None
    measure_ids: list[int]

    @classmethod
    def of(cls, doc: Document, training: TrainingSessionPublic | None = None) -> DocumentPublic:
        return cls(
            id=doc.id,
            title=doc.title,
            summary=doc.summary,
            language=doc.language,
            document_type=doc.document_type,
            topics=doc.topic_names,
            organisation_id=doc.organisation_id,
            published_on=doc.published_on,
            countries=doc.country_codes,
            link=doc.link,
            file_name=doc.file_name,
            file_kind=doc.file_kind,
            file_size=doc.file_size,
            translation_group=doc.translation_group,
            training_session_id=doc.training_session_id,
            training_session=training,
            measure_ids=[m.measure_id for m in doc.measures],
        )


class SearchHitPublic(BaseModel):
    """One search result; ``snippet`` is HTML: escaped text with matches in ``<mark>``."""

    id: int
    title: str
    language: str
    score: float
    snippet: str


class MeasureCreate(BaseModel):
    country: str = Field(min_length=2, description="Alpha-2, alpha-3 or name")
    area_name: str | None = Field(None, max_length=200)
    measure_type: MeasureType
    level: int | None = Field(None, ge=0, le=4)
    description: str = Field("", max_length=4000)
    start_date: dt.date
    end_date: dt.date | None = None
    source: str = Field(min_length=1, max_length=500)
    source_url: str | None = Field(None, max_length=1000, pattern=r"^https?://")
    organisation: str | None = None


class MeasureUpdate(BaseModel):
    area_name: str | None = Field(None, max_length=200)
    measure_type: MeasureType | None = None
    level: int | None = Field(None, ge=0, le=4)
    description: str | None = Field(None, max_length=4000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    source: str | None = Field(None, min_length=1, max_length=500)
    source_url: str | None = Field(None, max_length=1000, pattern=r"^https?://")


class MeasurePublic(BaseModel):
    id: int
    country_code: str
    area_name: str | None
    measure_type: MeasureType
    level: int | None
    description: str
    start_date: dt.date
    end_date: dt.date | None
    source: str
    source_url: str | None
    organisation_id: int | None

    @classmethod
    def of(cls, m: Measure) -> MeasurePublic:
        return cls.model_validate(m, from_attributes=True)


class PhaseEntry(BaseModel):
    phase: Phase
    started_on: dt.date


class CandidateCreate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    platform: Platform
    description: str = Field("", max_length=4000)
    developers: list[str] = Field(default_factory=list, description="Organisation id/name, or any name")
    partners: list[str] = Field(default_factory=list, description="International partners, the same way")
    phases: list[PhaseEntry] = Field(default_factory=list)
    trial_countries: list[str] = Field(default_factory=list)
    is_global_public_good: bool = False
    public_good_source: str | None = Field(None, max_length=1000)
    source: str | None = Field(None, max_length=1000)
    organisation: str | None = None

    @field_validator("developers", "partners", "trial_countries")
    @classmethod
    def _dedupe(cls, values: list[str]) -> list[str]:
        return _clean_list(values)


class CandidateUpdate(BaseModel):
    description: str | None = Field(None, max_length=4000)
    phases: list[PhaseEntry] | None = None
    trial_countries: list[str] | None = None
    is_global_public_good: bool | None = None
    public_good_source: str | None = Field(None, max_length=1000)
    source: str | None = Field(None, max_length=1000)


class PartyPublic(BaseModel):
    role: PartyRole
    name: str
    organisation_id: int | None


class CandidatePublic(BaseModel):
    id: int
    name: str
    platform: Platform
    phase: Phase
    description: str
    developers: list[PartyPublic]
    partners: list[PartyPublic]
    phases: list[PhaseEntry]
    trial_countries: list[str]
    is_global_public_good: bool
    public_good_source: str | None
    source: str | None

    @classmethod
    def of(cls, c: VaccineCandidate) -> CandidatePublic:
        parties = [PartyPublic(role=p.role, name=p.name, organisation_id=p.organisation_id) for p in c.parties]
        return cls(
            id=c.id,
            name=c.name,
            platform=c.platform,
            phase=c.phase,
            description=c.description,
            developers=[p for p in parties if p.role is PartyRole.DEVELOPER],
            partners=[p for p in parties if p.role is PartyRole.PARTNER],
            phases=[PhaseEntry(phase=p.phase, started_on=p.started_on) for p in c.phases],
            trial_countries=[s.country_code for s in c.trial_sites],
            is_global_public_good=c.is_global_public_good,
            public_good_source=c.public_good_source,
            source=c.source,
        )
