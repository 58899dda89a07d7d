"""Shapes in and out of the partners registry."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from solidarity.partners.models import (
    JointAction,
    JointActionStatus,
    NetworkMembership,
    Organisation,
    OrganisationType,
)


def _website(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.lower().startswith(("http://", "https://")) or "." not in value:
        raise ValueError(f"website {value!r} must be an address starting with http:// or https://")
    return value


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=300)
    acronym: str | None = Field(None, max_length=40)
    type: OrganisationType
    country: str | None = Field(None, description="ISO alpha-2, alpha-3 or a country name")
    parent_id: int | None = None
    website: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=4000)
    aliases: list[str] = Field(default_factory=list, description="Other names the organisation goes by")

    _check_website = field_validator("website")(_website)
    _blank = field_validator("acronym", "country", "description")(_blank_to_none)


class OrganisationUpdate(BaseModel):
    """A partial change: only the fields sent are changed; ``null`` clears an optional field."""

    name: str | None = Field(None, min_length=2, max_length=300)
    acronym: str | None = Field(None, max_length=40)
    type: OrganisationType | None = None
    country: str | None = Field(None, description="ISO alpha-2, alpha-3 or a country name; null clears")
    parent_id: int | None = None
    website: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=4000)
    aliases: list[str] | None = Field(None, description="The complete new list of aliases")

    _check_website = field_validator("website")(_website)
    _blank = field_validator("acronym", "country", "description")(_blank_to_none)


class OrganisationRef(BaseModel):
    id: int
    name: str


class OrganisationPublic(BaseModel):
    id: int
    name: str
    acronym: str | None
    type: OrganisationType
    country_code: str | None
    parent_id: int | None
    parent_name: str | None
    website: str | None
    description: str | None
    aliases: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, org: Organisation) -> OrganisationPublic:
        return cls(
            id=org.id,
            name=org.name,
            acronym=org.acronym,
            type=org.type,
            country_code=org.country_code,
            parent_id=org.parent_id,
            parent_name=org.parent.name if org.parent else None,
            website=org.website,
            description=org.description,
            aliases=org.aliases,
            created_at=org.created_at,
            updated_at=org.updated_at,
        )


class OrganisationRow(BaseModel):
    """One organisation as a CSV row: aliases joined by "; "."""

    id: int
    name: str
    acronym: str | None
    type: str
    country_code: str | None
    parent_id: int | None
    parent_name: str | None
    website: str | None
    aliases: str

    @classmethod
    def of(cls, org: Organisation) -> OrganisationRow:
        public = OrganisationPublic.of(org)
        return cls(
            **public.model_dump(exclude={"aliases", "type"}), type=org.type.value, aliases="; ".join(org.aliases)
        )


class SearchHitPublic(BaseModel):
    organisation: OrganisationPublic
    matched: str
    matched_kind: str
    rank: int = Field(description="0 exact, 1 prefix, 2 contains")


class MembershipCreate(BaseModel):
    member_id: int
    role: str | None = Field(None, max_length=100)
    joined_on: dt.date | None = None

    _blank = field_validator("role")(_blank_to_none)


class MembershipPublic(BaseModel):
    network_id: int
    network_name: str
    member_id: int
    member_name: str
    member_type: OrganisationType
    member_country_code: str | None
    role: str | None
    joined_on: dt.date | None

    @classmethod
    def of(cls, membership: NetworkMembership) -> MembershipPublic:
        return cls(
            network_id=membership.network_id,
            network_name=membership.network.name,
            member_id=membership.member_id,
            member_name=membership.member.name,
            member_type=membership.member.type,
            member_country_code=membership.member.country_code,
            role=membership.role,
            joined_on=membership.joined_on,
        )


class JointActionCreate(BaseModel):
    network_id: int
    title: str = Field(min_length=2, max_length=300)
    description: str | None = Field(None, max_length=4000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: JointActionStatus = JointActionStatus.PLANNED
    participant_ids: list[int] = Field(default_factory=list, description="Participating organisations")
    countries: list[str] = Field(default_factory=list, description="Partner countries: alpha-2, alpha-3 or names")

    _blank = field_validator("description")(_blank_to_none)


class JointActionUpdate(BaseModel):
    """A partial change of a joint action; lists replace the old lists whole."""

    title: str | None = Field(None, min_length=2, max_length=300)
    description: str | None = Field(None, max_length=4000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: JointActionStatus | None = None
    participant_ids: list[int] | None = None
    countries: list[str] | None = None

    _blank = field_validator("description")(_blank_to_none)


class JointActionPublic(BaseModel):
    id: int
    network_id: int
    network_name: str
    title: str
    description: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: JointActionStatus
    participants: list[OrganisationRef]
    countries: list[str]

    @classmethod
    def of(cls, action: JointAction) -> JointActionPublic:
        return cls(
            id=action.id,
            network_id=action.network_id,
            network_name=action.network.name,
            title=action.title,
            description=action.description,
            start_date=action.start_date,
            end_date=action.end_date,
            status=action.status,
            participants=[OrganisationRef(id=p.organisation.id, name=p.organisation.name) for p in action.participants],
            countries=[c.country_code for c in action.countries],
        )


class JointActionRow(BaseModel):
    """One joint action as a CSV row: participants and countries joined by "; "."""

    id: int
    network_id: int
    network_name: str
    title: str
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    participants: str
    countries: str

    @classmethod
    def of(cls, action: JointAction) -> JointActionRow:
        public = JointActionPublic.of(action)
        return cls(
            **public.model_dump(include={"id", "network_id", "network_name", "title", "start_date", "end_date"}),
            status=action.status.value,
            participants="; ".join(p.name for p in public.participants),
            countries="; ".join(public.countries),
        )
