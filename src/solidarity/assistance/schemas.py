"""Shapes in and out of the assistance ledger: flows with their lines, claims, report rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solidarity.assistance.models import (
    Boundary,
    CapacityKind,
    Channel,
    DeliveryMode,
    FlowVersion,
    Modality,
    Stage,
    Terms,
    Valuation,
)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str | None = Field(None, description="Alpha-2, alpha-3 or name")
    region: str | None = Field(None, max_length=100, description="A region or group when no single country")
    percentage: Decimal = Field(Decimal(100), gt=0, le=100)

    _blank = field_validator("country", "region", mode="before")(_blank_to_none)


class ItemLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=40, description="Catalogue item code")
    quantity: int = Field(gt=0)
    unit: str | None = Field(None, description="Unit code; default: the item's unit")
    valuation: Valuation = Valuation.NONE
    unit_value: Decimal | None = Field(None, ge=0)
    value_currency: str | None = None


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citation: str = Field(min_length=3, max_length=1000)
    url: str | None = Field(None, max_length=1000)
    page: str | None = Field(None, max_length=40)

    _blank = field_validator("url", "page", mode="before")(_blank_to_none)


class FlowCreate(BaseModel):
    """A flow as written: organisations by id, name or acronym; a revision sends the whole flow again."""

    model_config = ConfigDict(extra="forbid")

    ref: str | None = Field(None, max_length=120, description="Your own stable key; CSV imports match on it")
    provider: str = Field(min_length=1)
    receiver: str | None = None
    reporter: str | None = Field(None, description="Default: your organisation, else the provider")
    recipients: list[RecipientIn] = Field(default_factory=list)
    channel: Channel
    modality: Modality
    terms: Terms = Terms.GRANT
    stage: Stage
    boundary: Boundary = Boundary.SINGLE
    is_new_money: bool = True
    is_internal: bool = False
    is_lower_bound: bool = False
    is_illustrative: bool = False
    """Not from any source (a made-up record for a demo or an example): Table 1 leaves it out."""
    flow_date: dt.date
    period_start: dt.date | None = None
    horizon_end: dt.date | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=20, decimal_places=2)
    currency: str | None = None
    explicit_rate: Decimal | None = Field(None, gt=0, description="USD per unit; coordinators only, with a reason")
    items: list[ItemLineIn] = Field(default_factory=list)
    sources: list[SourceIn] = Field(default_factory=list)
    parent_flow_id: int | None = None
    fulfils_flow_id: int | None = None
    joint_action_id: int | None = None
    claim_subject: str | None = Field(None, max_length=200)
    emergency_code: str | None = Field(None, max_length=40)
    sector_dac: str | None = Field(None, pattern=r"^\d{5}$")
    cluster: str | None = Field(None, max_length=40)
    description: str = Field(min_length=3, max_length=4000)
    capacity_kind: CapacityKind | None = None
    capacity_count: int | None = Field(None, gt=0)
    capacity_countries: int | None = Field(None, gt=0)
    specialties: str | None = None
    team_size: int | None = Field(None, gt=0)
    activities: str | None = None
    topic: str | None = None
    delivery_mode: DeliveryMode | None = None
    audience: str | None = None
    participants: int | None = Field(None, ge=0)
    language: str | None = None
    iati_identifier: str | None = None
    transaction_type: str | None = None
    aid_type: str | None = None
    finance_type: str | None = None
    flow_type: str | None = None
    humanitarian_scope: str | None = None
    override_reason: str | None = Field(None, max_length=1000)

    _blank = field_validator(
        "ref",
        "receiver",
        "reporter",
        "currency",
        "claim_subject",
        "emergency_code",
        "sector_dac",
        "cluster",
        "specialties",
        "activities",
        "topic",
        "audience",
        "language",
        "iati_identifier",
        "transaction_type",
        "aid_type",
        "finance_type",
        "flow_type",
        "humanitarian_scope",
        "override_reason",
        mode="before",
    )(_blank_to_none)


class FlowRevision(BaseModel):
    """A change: the whole flow as it should now read, and why."""

    model_config = ConfigDict(extra="forbid")

    flow: FlowCreate
    reason: str = Field(min_length=3, max_length=1000)


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=3, max_length=200)
    statement: str = Field(min_length=3, max_length=2000)
    claim_date: dt.date | None = None
    amount: Decimal | None = Field(None, ge=0)
    currency: str | None = None
    citation: str = Field(min_length=3, max_length=1000)
    url: str | None = None
    page: str | None = None
    reporter: str | None = None


class RecipientPublic(BaseModel):
    country: str | None
    region: str | None
    percentage: Decimal


class ItemLinePublic(BaseModel):
    item: str
    quantity: int
    unit: str
    valuation: str
    unit_value: Decimal | None
    value_currency: str | None


class SourcePublic(BaseModel):
    citation: str
    url: str | None
    page: str | None


class FlowPublic(BaseModel):
    """The current (or asked) version of a flow."""

    id: int
    ref: str | None
    version: int
    is_current: bool
    provider_id: int
    receiver_id: int | None
    reporter_id: int
    channel: str
    modality: str
    terms: str
    stage: str
    boundary: str
    is_new_money: bool
    is_internal: bool
    is_lower_bound: bool
    is_illustrative: bool
    flow_date: dt.date
    period_start: dt.date | None
    horizon_end: dt.date | None
    amount: Decimal | None
    currency: str | None
    amount_usd: Decimal | None
    usd_rate: Decimal | None
    usd_rate_date: dt.date | None
    usd_rate_source: str | None
    parent_flow_id: int | None
    fulfils_flow_id: int | None
    joint_action_id: int | None
    claim_subject: str | None
    emergency_code: str | None
    sector_dac: str | None
    cluster: str | None
    description: str
    capacity_kind: str | None
    capacity_count: int | None
    capacity_countries: int | None
    override_reason: str | None
    changed_by: str
    changed_at: dt.datetime
    change_reason: str | None
    recipients: list[RecipientPublic]
    items: list[ItemLinePublic]
    sources: list[SourcePublic]

    @classmethod
    def of(cls, v: FlowVersion) -> FlowPublic:
        return cls(
            id=v.flow_id,
            ref=v.flow.ref,
            recipients=[
                RecipientPublic(country=r.country_code, region=r.region, percentage=r.percentage) for r in v.recipients
            ],
            items=[
                ItemLinePublic(
                    item=i.item_code,
                    quantity=i.quantity,
                    unit=i.unit_code,
                    valuation=i.valuation.value,
                    unit_value=i.unit_value,
                    value_currency=i.value_currency,
                )
                for i in v.items
            ],
            sources=[SourcePublic(citation=s.citation, url=s.url, page=s.page) for s in v.sources],
            **{
                name: getattr(v, name)
                for name in cls.model_fields
                if name not in ("id", "ref", "recipients", "items", "sources")
            },
        )


class FlowRow(BaseModel):
    """One flow as a listing or CSV row."""

    id: int
    version: int
    flow_date: dt.date
    provider_id: int
    receiver_id: int | None
    channel: str
    modality: str
    terms: str
    stage: str
    amount: Decimal | None
    currency: str | None
    amount_usd: Decimal | None
    description: str
    is_illustrative: bool

    @classmethod
    def of(cls, v: FlowVersion) -> FlowRow:
        return cls(id=v.flow_id, **{name: getattr(v, name) for name in cls.model_fields if name != "id"})
