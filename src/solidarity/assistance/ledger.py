"""Writing and reading the ledger: flows as append-only versions, and the claims beside them.

A new flow is version 1; a change writes version n+1 with who, when and why, and moves the
``is_current`` flag in the same transaction. Nothing is written when any rule is broken: each
check raises before the first ``session.add``. Each write also replaces the flow's contribution to
the totals the reports read (``totals``), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.assistance import totals
from solidarity.assistance.counting import PAID_STAGES, check_percentages
from solidarity.assistance.models import (
    Channel,
    Claim,
    Flow,
    FlowItem,
    FlowRecipient,
    FlowSource,
    FlowVersion,
    Modality,
    Stage,
)
from solidarity.assistance.schemas import ClaimCreate, FlowCreate
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound, SolidarityError, Unauthorized
from solidarity.partners import networks
from solidarity.partners import service as partners
from solidarity.partners.models import Organisation
from solidarity.reference import service as reference
from solidarity.reference.countries import resolve_country
from solidarity.reference.currencies import resolve_currency
from solidarity.reference.models import Unit

MODULE = "assistance"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Filters:
    """What a listing or report is limited to; ``provider_ids`` includes sub-organisations."""

    start: dt.date | None = None
    end: dt.date | None = None
    emergency: str | None = None
    provider_ids: tuple[int, ...] | None = None
    recipient: str | None = None
    stage: str | None = None
    channel: str | None = None
    modality: str | None = None
    item: str | None = None
    """A catalogue item code: flows with an item line of it."""
    illustrative: bool | None = None
    """Only illustrative flows (True), only the others (False), or both (None)."""

    def conditions(self, v: Any) -> list[ColumnElement[bool]]:
        """The filter as conditions on ``v``: ``FlowVersion`` or an alias of it."""
        out: list[ColumnElement[bool]] = [v.is_current.is_(True)]
        if self.start:
            out.append(v.flow_date >= self.start)
        if self.end:
            out.append(v.flow_date <= self.end)
        if self.emergency:
            out.append(v.emergency_code == self.emergency)
        if self.provider_ids is not None:
            out.append(v.provider_id.in_(self.provider_ids))
        if self.recipient:
            # uncorrelated, so a report that joins the recipients table itself does not swallow this subquery
            out.append(
                v.id.in_(
                    select(FlowRecipient.version_id).where(FlowRecipient.country_code == self.recipient).correlate(None)
                )
            )
        for column, value in ((v.stage, self.stage), (v.channel, self.channel), (v.modality, self.modality)):
            if value:
                out.append(column == value)
        if self.item:
            out.append(v.id.in_(select(FlowItem.version_id).where(FlowItem.item_code == self.item).correlate(None)))
        if self.illustrative is not None:
            out.append(v.is_illustrative.is_(self.illustrative))
        return out

    def apply(self, query: Select[Any]) -> Select[Any]:
        return query.where(*self.conditions(FlowVersion))

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters, for links from a number to the records behind it."""
        out = {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "emergency": self.emergency or "",
            "recipient": self.recipient or "",
            "stage": self.stage or "",
            "channel": self.channel or "",
            "modality": self.modality or "",
            "item": self.item or "",
            "illustrative": "" if self.illustrative is None else "yes" if self.illustrative else "no",
        }
        return {k: v for k, v in out.items() if v}


def make_filters(
    session: Session,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    emergency: str | None = None,
    provider: str | None = None,
    recipient: str | None = None,
    stage: str | None = None,
    channel: str | None = None,
    modality: str | None = None,
    item: str | None = None,
    illustrative: bool | None = None,
) -> Filters:
    """Filters from user text: a provider by id, name or acronym (with its sub-organisations), a country,
    a catalogue item code.

    Raises ``NotFound`` for an unknown provider and ``Invalid`` for an unknown country, stage, channel,
    modality or item.
    """
    provider_ids = None
    if provider:
        root = partners.resolve_organisation(session, provider)
        ids = [root.id]
        for org_id in ids:
            ids.extend(child.id for child in partners.children(session, org_id) if child.id not in ids)
        provider_ids = tuple(ids)
    code = resolve_country(recipient, field="recipient").alpha2 if recipient else None
    chosen: tuple[tuple[str, str | None, type[enum.Enum]], ...] = (
        ("stage", stage, Stage),
        ("channel", channel, Channel),
        ("modality", modality, Modality),
    )
    for field, value, kind in chosen:
        allowed = [str(m.value) for m in kind]
        if value and value not in allowed:
            raise Invalid(
                f"{field}: {value!r} is not one of {', '.join(allowed)}",
                details=[{"field": field, "value": value, "reason": f"one of {', '.join(allowed)}"}],
            )
    item_code = None
    if item and item.strip():
        try:
            item_code = reference.get_item(session, item).code
        except NotFound:
            raise Invalid(
                f"item: {item!r} is not in the catalogue",
                details=[{"field": "item", "value": item, "reason": "not a catalogue item code"}],
            ) from None
    return Filters(
        start,
        end,
        emergency or None,
        provider_ids,
        code,
        stage or None,
        channel or None,
        modality or None,
        item_code,
        illustrative,
    )


# --- writing ---------------------------------------------------------------------------------------


def _organisation(session: Session, text: str, field: str) -> Organisation:
    try:
        return partners.resolve_organisation(session, text)
    except SolidarityError as exc:
        raise Invalid(
            f"{field}: {exc.message}", details=[{"field": field, "value": text, "reason": exc.message}]
        ) from None


def _check_permission(actor: Actor, *organisation_ids: int) -> None:
    """An editor writes flows their organisation provides or reports; coordinators any."""
    if not actor.is_authenticated:
        raise Unauthorized("Sign in to change records")
    if actor.coordinates(MODULE):
        return
    if actor.organisation_id is not None and actor.organisation_id in organisation_ids:
        actor.require_write(MODULE, actor.organisation_id)
        return
    raise Forbidden(
        f"{actor.label} ({actor.role}) may only record flows their organisation provides or reports",
        details=[{"field": "provider", "value": organisation_ids[0], "reason": "another organisation's flow"}],
    )


def _recipients(data: FlowCreate) -> list[FlowRecipient]:
    off = check_percentages(r.percentage for r in data.recipients)
    if off is not None:
        values = ", ".join(str(r.percentage) for r in data.recipients)
        raise Invalid(
            f"Recipient percentages {values} sum to {off}, not 100",
            details=[{"field": "recipients.percentage", "value": values, "reason": f"sum is {off}, must be 100"}],
        )
    rows = []
    for n, r in enumerate(data.recipients):
        if not r.country and not r.region:
            raise Invalid(
                "A recipient needs a country or a region",
                details=[{"field": f"recipients.{n}", "value": None, "reason": "no country or region"}],
            )
        code = resolve_country(r.country, field=f"recipients.{n}.country").alpha2 if r.country else None
        rows.append(FlowRecipient(country_code=code, region=r.region, percentage=r.percentage))
    return rows


def _items(session: Session, data: FlowCreate) -> list[FlowItem]:
    rows = []
    for n, line in enumerate(data.items):
        try:
            item = reference.get_item(session, line.item)
        except SolidarityError:
            raise Invalid(
                f"Unknown catalogue item {line.item!r}",
                details=[{"field": f"items.{n}.item", "value": line.item, "reason": "not in the catalogue"}],
            ) from None
        unit = line.unit or item.unit_code
        if session.get(Unit, unit) is None:
            raise Invalid(
                f"Unknown unit {unit!r}",
                details=[{"field": f"items.{n}.unit", "value": unit, "reason": "unknown unit"}],
            )
        currency = resolve_currency(line.value_currency).code if line.value_currency else None
        rows.append(
            FlowItem(
                item_code=item.code,
                quantity=line.quantity,
                unit_code=unit,
                valuation=line.valuation,
                unit_value=line.unit_value,
                value_currency=currency,
            )
        )
    return rows


def _convert(session: Session, actor: Actor, data: FlowCreate) -> dict[str, Any]:
    """The USD value with rate, rate date and source; an explicit rate only from a coordinator with a reason."""
    if data.amount is None:
        return {"amount": None, "currency": None, "amount_usd": None}
    if not data.currency:
        raise Invalid("An amount needs a currency", details=[{"field": "currency", "value": None, "reason": "missing"}])
    if data.explicit_rate is not None:
        if not actor.coordinates(MODULE) or not data.override_reason:
            raise Invalid(
                "Only a coordinator may give an explicit rate, and only with a reason",
                details=[
                    {
                        "field": "explicit_rate",
                        "value": str(data.explicit_rate),
                        "reason": "needs coordinator and reason",
                    }
                ],
            )
        code = resolve_currency(data.currency).code
        return {
            "amount": data.amount,
            "currency": code,
            "amount_usd": (data.amount * data.explicit_rate).quantize(CENT),
            "usd_rate": data.explicit_rate,
            "usd_rate_date": data.flow_date,
            "usd_rate_source": f"explicit rate by {actor.label}: {data.override_reason}",
        }
    conversion = reference.convert_to_usd(session, data.amount, data.currency, data.flow_date)
    return {
        "amount": data.amount,
        "currency": conversion.currency,
        "amount_usd": conversion.amount_usd,
        "usd_rate": conversion.rate,
        "usd_rate_date": conversion.rate_date,
        "usd_rate_source": conversion.source,
    }


def current_version(session: Session, flow_id: int) -> FlowVersion:
    """The current version of a flow; ``NotFound`` otherwise."""
    version = session.scalar(
        select(FlowVersion).where(FlowVersion.flow_id == flow_id, FlowVersion.is_current.is_(True))
    )
    if version is None:
        raise NotFound(f"Assistance flow {flow_id} does not exist")
    return version


def _linked(session: Session, flow_id: int | None, field: str, own_id: int | None) -> FlowVersion | None:
    if flow_id is None:
        return None
    if flow_id == own_id:
        raise Invalid(f"A flow cannot point at itself in {field}", details=[{"field": field, "value": flow_id}])
    try:
        return current_version(session, flow_id)
    except NotFound:
        raise Invalid(
            f"{field}: flow {flow_id} does not exist",
            details=[{"field": field, "value": flow_id, "reason": "unknown flow"}],
        ) from None


def _check_fulfilment(
    session: Session, actor: Actor, data: FlowCreate, values: dict[str, Any], own_id: int | None
) -> None:
    """A commitment fulfils a pledge; a payment pays a commitment and never exceeds it without a recorded override."""
    target = _linked(session, data.fulfils_flow_id, "fulfils_flow_id", own_id)
    if target is None:
        return
    if target.stage not in (Stage.PLEDGE, Stage.COMMITMENT):
        raise Invalid(
            f"fulfils_flow_id: flow {target.flow_id} is a {target.stage.value}, not a pledge or commitment",
            details=[{"field": "fulfils_flow_id", "value": target.flow_id, "reason": "not a pledge or commitment"}],
        )
    if target.stage is not Stage.COMMITMENT or data.stage.value not in PAID_STAGES or target.amount is None:
        return
    same_currency = values["currency"] == target.currency
    column = FlowVersion.amount if same_currency else FlowVersion.amount_usd
    limit = target.amount if same_currency else target.amount_usd
    this = values["amount"] if same_currency else values["amount_usd"]
    if limit is None or this is None:
        return
    others = session.scalar(
        select(func.coalesce(func.sum(column), 0)).where(
            FlowVersion.is_current.is_(True),
            FlowVersion.fulfils_flow_id == target.flow_id,
            FlowVersion.stage.in_([Stage(s) for s in PAID_STAGES]),
            FlowVersion.flow_id != (own_id or -1),
        )
    )
    total = Decimal(others or 0) + this
    if total > limit:
        if actor.coordinates(MODULE) and data.override_reason:
            return
        unit = values["currency"] if same_currency else "USD"
        raise Invalid(
            f"Payments of {total} {unit} would exceed commitment {target.flow_id} of {limit} {unit}; "
            "a coordinator may accept it with an override reason",
            details=[
                {"field": "amount", "value": str(this), "reason": f"exceeds commitment {target.flow_id} ({limit})"}
            ],
        )


def version_snapshot(v: FlowVersion) -> dict[str, Any]:
    """The audit view of a version, with its recipients, item lines and sources."""
    return audit.snapshot(v) | {
        "recipients": [audit.snapshot(r, ("country_code", "region", "percentage")) for r in v.recipients],
        "items": [
            audit.snapshot(i, ("item_code", "quantity", "unit_code", "valuation", "unit_value")) for i in v.items
        ],
        "sources": [audit.snapshot(s, ("citation", "url", "page")) for s in v.sources],
    }


FIELDS = [
    "channel",
    "modality",
    "terms",
    "stage",
    "boundary",
    "is_new_money",
    "is_internal",
    "is_lower_bound",
    "is_illustrative",
    "flow_date",
    "period_start",
    "horizon_end",
    "parent_flow_id",
    "fulfils_flow_id",
    "joint_action_id",
    "claim_subject",
    "emergency_code",
    "sector_dac",
    "cluster",
    "description",
    "capacity_kind",
    "capacity_count",
    "capacity_countries",
    "specialties",
    "team_size",
    "activities",
    "topic",
    "delivery_mode",
    "audience",
    "participants",
    "language",
    "iati_identifier",
    "transaction_type",
    "aid_type",
    "finance_type",
    "flow_type",
    "humanitarian_scope",
    "override_reason",
]


def _build(session: Session, actor: Actor, data: FlowCreate, own_id: int | None) -> FlowVersion:
    """A new, unsaved version from ``data``, after every check; raises before anything is added."""
    provider = _organisation(session, data.provider, "provider")
    receiver = _organisation(session, data.receiver, "receiver") if data.receiver else None
    if data.reporter:
        reporter = _organisation(session, data.reporter, "reporter")
    elif actor.organisation_id is not None and actor.organisation_id != provider.id and not actor.coordinates(MODULE):
        reporter = partners.get_organisation(session, actor.organisation_id)
    else:
        reporter = provider
    _check_permission(actor, provider.id, reporter.id)
    recipients = _recipients(data)
    items = _items(session, data)
    values = _convert(session, actor, data)
    _linked(session, data.parent_flow_id, "parent_flow_id", own_id)
    _check_fulfilment(session, actor, data, values, own_id)
    if data.joint_action_id is not None:
        try:
            networks.get_joint_action(session, data.joint_action_id)
        except SolidarityError:
            raise Invalid(
                f"Joint action {data.joint_action_id} does not exist",
                details=[{"field": "joint_action_id", "value": data.joint_action_id, "reason": "unknown"}],
            ) from None
    if data.horizon_end and data.horizon_end < data.flow_date:
        raise Invalid(
            "The horizon ends before the flow date",
            details=[{"field": "horizon_end", "value": data.horizon_end.isoformat(), "reason": "before flow_date"}],
        )
    version = FlowVersion(
        provider_id=provider.id,
        receiver_id=receiver.id if receiver else None,
        reporter_id=reporter.id,
        changed_by=actor.label,
        changed_by_user_id=actor.user_id,
        **{name: getattr(data, name) for name in FIELDS},
        **values,
    )
    version.recipients = recipients
    version.items = items
    version.sources = [FlowSource(citation=s.citation, url=s.url, page=s.page) for s in data.sources]
    return version


def record_flow(session: Session, actor: Actor, data: FlowCreate) -> FlowVersion:
    """Record a new flow as version 1 and return it.

    Raises ``Unauthorized``/``Forbidden`` when the actor may not write for the provider or reporter;
    ``Invalid`` for an unknown organisation, country, item, unit or currency, a missing rate,
    percentages that do not sum to 100, payments above their commitment, a bad link;
    ``Conflict`` when ``ref`` is taken. Nothing is written when it raises.
    """
    version = _build(session, actor, data, None)
    if data.ref and session.scalar(select(Flow.id).where(Flow.ref == data.ref)) is not None:
        existing = session.scalar(select(Flow.id).where(Flow.ref == data.ref))
        raise Conflict(
            f"A flow with ref {data.ref!r} exists already (id {existing})", details={"existing_id": existing}
        )
    flow = Flow(ref=data.ref)
    session.add(flow)
    session.flush()
    version.flow_id = flow.id
    version.version = 1
    version.is_current = True
    session.add(version)
    session.flush()
    totals.flow_recorded(session, version)
    audit.record(
        session,
        actor,
        module=MODULE,
        action="record_flow",
        entity_type="flow",
        entity_id=flow.id,
        after=version_snapshot(version),
    )
    return version


def revise_flow(session: Session, actor: Actor, flow_id: int, data: FlowCreate, reason: str) -> FlowVersion:
    """Write a new version of a flow; the old one stays readable. Raises as ``record_flow``, plus
    ``NotFound`` for an unknown flow and ``Forbidden`` when the actor may not write the old version."""
    old = current_version(session, flow_id)
    _check_permission(actor, old.provider_id, old.reporter_id)
    if not reason.strip():
        raise Invalid("Say why the flow changes", details=[{"field": "reason", "value": reason, "reason": "empty"}])
    version = _build(session, actor, data, flow_id)
    version.flow_id = flow_id
    totals.flow_revised(session, old, version)
    old.is_current = False
    session.flush()
    version.flow_id = flow_id
    version.version = old.version + 1
    version.is_current = True
    version.change_reason = reason.strip()
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="revise_flow",
        entity_type="flow",
        entity_id=flow_id,
        before=version_snapshot(old),
        after=version_snapshot(version),
        reason=reason.strip(),
    )
    return version


def versions(session: Session, flow_id: int) -> list[FlowVersion]:
    """Every version of a flow, oldest first; ``NotFound`` for an unknown flow."""
    rows = list(
        session.scalars(select(FlowVersion).where(FlowVersion.flow_id == flow_id).order_by(FlowVersion.version))
    )
    if not rows:
        raise NotFound(f"Assistance flow {flow_id} does not exist")
    return rows


def get_version(session: Session, flow_id: int, version: int | None = None) -> FlowVersion:
    """A flow as it read in ``version`` (default: now)."""
    if version is None:
        return current_version(session, flow_id)
    row = session.scalar(select(FlowVersion).where(FlowVersion.flow_id == flow_id, FlowVersion.version == version))
    if row is None:
        raise NotFound(f"Assistance flow {flow_id} has no version {version}")
    return row


def chain(session: Session, flow_id: int) -> tuple[list[FlowVersion], list[FlowVersion]]:
    """The flows above this one (parents, nearest first) and the flows passing it on (children)."""
    up: list[FlowVersion] = []
    seen = {flow_id}
    current = current_version(session, flow_id)
    while current.parent_flow_id is not None and current.parent_flow_id not in seen:
        seen.add(current.parent_flow_id)
        current = current_version(session, current.parent_flow_id)
        up.append(current)
    down = list(
        session.scalars(
            select(FlowVersion).where(FlowVersion.is_current.is_(True), FlowVersion.parent_flow_id == flow_id)
        )
    )
    return up, down


def fulfilling(session: Session, flow_id: int) -> list[FlowVersion]:
    """The current flows that fulfil this pledge or commitment, by date."""
    return list(
        session.scalars(
            select(FlowVersion)
            .where(FlowVersion.is_current.is_(True), FlowVersion.fulfils_flow_id == flow_id)
            .order_by(FlowVersion.flow_date, FlowVersion.flow_id)
        )
    )


def list_flows(
    session: Session, filters: Filters, *, limit: int = 50, offset: int = 0
) -> tuple[list[FlowVersion], int]:
    """Current versions matching ``filters``, newest first, and how many match."""
    query = filters.apply(select(FlowVersion))
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(FlowVersion.flow_date.desc(), FlowVersion.flow_id.desc()).limit(limit).offset(offset)
    )
    return list(rows), count


def flows_by_ids(session: Session, ids: list[int]) -> list[FlowVersion]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(FlowVersion)
            .where(FlowVersion.is_current.is_(True), FlowVersion.flow_id.in_(ids))
            .order_by(FlowVersion.flow_date, FlowVersion.flow_id)
        )
    )


# --- claims ----------------------------------------------------------------------------------------


def add_claim(session: Session, actor: Actor, data: ClaimCreate) -> Claim:
    """Keep what a source asserts about a subject; it is shown beside the ledger, never counted in it."""
    actor.require_authenticated()
    reporter = (
        _organisation(session, data.reporter, "reporter")
        if data.reporter
        else partners.get_organisation(session, actor.organisation_id)
        if actor.organisation_id
        else None
    )
    if reporter is None:
        raise Invalid("Name the reporter of the claim", details=[{"field": "reporter", "value": None}])
    _check_permission(actor, reporter.id)
    amount_usd = None
    currency = None
    if data.amount is not None:
        if not data.currency:
            raise Invalid("An amount needs a currency", details=[{"field": "currency", "value": None}])
        conversion = reference.convert_to_usd(session, data.amount, data.currency, data.claim_date or dt.date.today())
        amount_usd, currency = conversion.amount_usd, conversion.currency
    claim = Claim(
        subject=data.subject.strip(),
        statement=data.statement,
        claim_date=data.claim_date,
        amount=data.amount,
        currency=currency,
        amount_usd=amount_usd,
        citation=data.citation,
        url=data.url,
        page=data.page,
        reporter_id=reporter.id,
        created_by=actor.label,
    )
    session.add(claim)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="add_claim",
        entity_type="claim",
        entity_id=claim.id,
        after=audit.snapshot(claim),
    )
    return claim


def list_claims(session: Session, subject: str | None = None) -> list[Claim]:
    query = select(Claim)
    if subject:
        query = query.where(Claim.subject == subject)
    return list(session.scalars(query.order_by(Claim.subject, Claim.id)))
