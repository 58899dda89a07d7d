"""Reports over the current ledger: Table 1, totals by provider, recipient, channel and modality, items, claims.

Totals by provider, channel, modality, Table 1 category and recipient read the totals maintained on
write (``totals.read``) whenever a grain of them holds the report's grouping and filters; otherwise
(a date range not aligned to months, a per-recipient report filtered by recipient) they are
aggregated over the flows in SQL. Both mirror ``counting`` rule by rule (tests check all three
agree): only current versions; internal flows out; a child whose parent is counted under the same
filters out; shared-boundary flows out of per-recipient totals; a total per stage, so pledges are
never added to payments; USD at each flow's own rate, and sums in each original currency. Item
quantities and capacity counts are always aggregated over the flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased

from solidarity.assistance import totals
from solidarity.assistance.counting import PAID_STAGES, FlowRecord
from solidarity.assistance.ledger import Filters, flows_by_ids, list_claims
from solidarity.assistance.models import (
    Channel,
    FlowItem,
    FlowRecipient,
    FlowTotal,
    FlowVersion,
    Modality,
    Stage,
)
from solidarity.partners.models import Organisation
from solidarity.reference.countries import find_country
from solidarity.reference.models import Item

CENT = Decimal("0.01")

TABLE1_TITLE = "Official development assistance to global anti-pandemic efforts"
TABLE1_CATEGORIES: tuple[tuple[str, tuple[Modality, ...]], ...] = (
    ("Material supplying", (Modality.IN_KIND,)),
    ("Cash support", (Modality.FINANCIAL,)),
    ("Capacity building", (Modality.PERSONNEL, Modality.TRAINING, Modality.KNOWLEDGE)),
)
CAPACITY_UNITS = {"expert-team": "teams", "training": "sessions"}


def _countable(filters: Filters, *, single_boundary: bool = False, item_code: Any = None) -> list[ColumnElement[bool]]:
    """Rules 2 and 4 in SQL: no internal flows, no child whose parent is counted under the same filters.

    With ``single_boundary`` (per-recipient totals) rule 3 too: shared-boundary flows are out, so they
    are not counted parents and the parts they passed on count. With ``item_code`` (a column: per-item
    totals) a parent is counted only when it has a line of that item: the suits a member passed on
    from a joint action recorded in USD only are not in that action's item totals.
    """
    v = FlowVersion
    parent = aliased(FlowVersion)
    shared: list[ColumnElement[bool]] = [parent.boundary == "single"] if single_boundary else []
    if item_code is not None:
        line = aliased(FlowItem)
        shared.append(select(line.id).where(line.version_id == parent.id, line.item_code == item_code).exists())
    parent_counted = (
        select(parent.id)
        .where(parent.flow_id == v.parent_flow_id, parent.is_internal.is_(False), *shared, *filters.conditions(parent))
        .correlate_except(parent)
        .exists()
    )
    out = [*filters.conditions(v), v.is_internal.is_(False), ~and_(v.parent_flow_id.is_not(None), parent_counted)]
    if single_boundary:
        out.append(v.boundary == "single")
    return out


@dataclass
class Cell:
    """One stage's total: USD, original currencies, flows counted."""

    usd: Decimal = Decimal(0)
    by_currency: dict[str, Decimal] = field(default_factory=dict)
    count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "usd": str(self.usd.quantize(CENT)),
            "by_currency": {k: str(v.quantize(CENT)) for k, v in sorted(self.by_currency.items())},
            "count": self.count,
        }


@dataclass
class ReportRow:
    key: str
    label: str
    stages: dict[str, Cell] = field(default_factory=dict)

    @property
    def paid_usd(self) -> Decimal:
        return sum((c.usd for s, c in self.stages.items() if s in PAID_STAGES), Decimal(0))

    def usd(self, stage: str) -> Decimal:
        cell = self.stages.get(stage)
        return cell.usd if cell else Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "paid_usd": str(self.paid_usd.quantize(CENT)),
            "stages": {s: c.as_dict() for s, c in self.stages.items()},
        }


def _fold(rows: Any, labels: dict[str, str]) -> list[ReportRow]:
    """Rows of (key, stage, currency, amount, usd, count) into report rows, biggest paid first."""
    out: dict[str, ReportRow] = {}
    for key, stage, currency, amount, usd, count in rows:
        k = str(key) if key is not None else ""
        row = out.setdefault(k, ReportRow(k, labels.get(k, k or "unspecified")))
        st = stage.value if hasattr(stage, "value") else str(stage)
        cell = row.stages.setdefault(st, Cell())
        cell.usd += Decimal(usd or 0)
        cell.count += int(count)
        if currency and amount is not None:
            cell.by_currency[currency] = cell.by_currency.get(currency, Decimal(0)) + Decimal(amount)
    return sorted(out.values(), key=lambda r: (-r.paid_usd, -sum(c.usd for c in r.stages.values()), r.label))


def _grouped(session: Session, filters: Filters, key: Any) -> Any:
    v = FlowVersion
    query: Select[Any] = (
        select(key, v.stage, v.currency, func.sum(v.amount), func.sum(v.amount_usd), func.count())
        .where(*_countable(filters))
        .group_by(key, v.stage, v.currency)
    )
    return session.execute(query).all()


def _organisation_labels(session: Session, ids: set[int]) -> dict[str, str]:
    if not ids:
        return {}
    return {
        str(i): n
        for i, n in session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    }


def by_provider(session: Session, filters: Filters) -> list[ReportRow]:
    """Totals per providing organisation and stage."""
    rows = totals.read(session, filters, FlowTotal.provider_id, frozenset({"provider_id"}))
    if rows is None:
        rows = _grouped(session, filters, FlowVersion.provider_id)
    return _fold(rows, _organisation_labels(session, {int(r[0]) for r in rows}))


def _text(value: Any) -> str:
    return str(value.value) if hasattr(value, "value") else str(value)


def by_channel(session: Session, filters: Filters) -> list[ReportRow]:
    """Totals per channel; public-private and private together make the private channel."""
    rows = totals.read(session, filters, FlowTotal.channel, frozenset({"channel"}))
    if rows is None:
        rows = _grouped(session, filters, FlowVersion.channel)
    return _fold([(_text(r[0]), *r[1:]) for r in rows], {c.value: c.value for c in Channel})


def by_modality(session: Session, filters: Filters) -> list[ReportRow]:
    rows = totals.read(session, filters, FlowTotal.modality, frozenset({"modality"}))
    if rows is None:
        rows = _grouped(session, filters, FlowVersion.modality)
    return _fold([(_text(r[0]), *r[1:]) for r in rows], {m.value: m.value for m in Modality})


CATEGORY_OF = {m.value: category for category, modalities in TABLE1_CATEGORIES for m in modalities}


def by_category(session: Session, filters: Filters) -> list[ReportRow]:
    """Totals per Table 1 category (public-private joint actions left out, as in Table 1)."""
    rows = totals.read(
        session,
        filters,
        FlowTotal.modality,
        frozenset({"channel", "modality"}),
        extra=[FlowTotal.channel != Channel.PUBLIC_PRIVATE.value],
    )
    if rows is not None:
        return _fold([(CATEGORY_OF.get(str(r[0]), "Other"), *r[1:]) for r in rows], {})
    v = FlowVersion
    whens = [(v.modality.in_(modalities), category) for category, modalities in TABLE1_CATEGORIES]
    category = case(*whens, else_="Other")
    query: Select[Any] = (
        select(category, v.stage, v.currency, func.sum(v.amount), func.sum(v.amount_usd), func.count())
        .where(*_countable(filters), v.channel != Channel.PUBLIC_PRIVATE)
        .group_by(category, v.stage, v.currency)
    )
    return _fold(session.execute(query).all(), {})


def by_recipient(session: Session, filters: Filters) -> list[ReportRow]:
    """Totals per recipient country, each flow split by its percentages; shared-boundary flows left out."""
    rows: Any = totals.read(session, filters, FlowTotal.country_code, frozenset({"country_code"}), shares=True)
    if rows is None:
        v, r = FlowVersion, FlowRecipient
        share = r.percentage / 100
        query = (
            select(
                r.country_code,
                v.stage,
                v.currency,
                func.sum(v.amount * share),
                func.sum(v.amount_usd * share),
                func.count(),
            )
            .select_from(v)
            .join(r, r.version_id == v.id)
            .where(*_countable(filters, single_boundary=True), r.country_code.is_not(None))
            .group_by(r.country_code, v.stage, v.currency)
        )
        rows = session.execute(query).all()
    labels: dict[str, str] = {}
    for code, *_ in rows:
        country = find_country(str(code))
        labels[str(code)] = country.name if country else str(code)
    return _fold(rows, labels)


@dataclass
class ItemRow:
    item: str
    name: str
    unit: str
    stage: str
    quantity: int
    is_lower_bound: bool
    values: dict[str, Decimal]
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "name": self.name,
            "unit": self.unit,
            "stage": self.stage,
            "quantity": self.quantity,
            "is_lower_bound": self.is_lower_bound,
            "values": {k: str(v.quantize(CENT)) for k, v in self.values.items()},
            "flows": self.count,
        }


def by_item(session: Session, filters: Filters) -> list[ItemRow]:
    """Quantities per catalogue item, unit and stage, with their values where a valuation was given
    (only the lines of ``filters.item`` when it is set)."""
    v, i = FlowVersion, FlowItem
    lines = [i.item_code == filters.item] if filters.item else []
    query = (
        select(
            i.item_code,
            Item.name,
            i.unit_code,
            v.stage,
            i.value_currency,
            func.sum(i.quantity),
            func.sum(i.quantity * i.unit_value),
            func.count(),
            func.max(case((v.is_lower_bound.is_(True), 1), else_=0)),
        )
        .select_from(v)
        .join(i, i.version_id == v.id)
        .join(Item, Item.code == i.item_code)
        .where(*_countable(filters, item_code=i.item_code), *lines)
        .group_by(i.item_code, Item.name, i.unit_code, v.stage, i.value_currency)
        .order_by(i.item_code, i.unit_code)
    )
    out: dict[tuple[str, str, str], ItemRow] = {}
    for code, name, unit, stage, currency, quantity, value, count, lower in session.execute(query):
        key = (code, unit, stage.value)
        row = out.setdefault(key, ItemRow(code, name, unit, stage.value, 0, bool(lower), {}, 0))
        row.quantity += int(quantity)
        row.count += int(count)
        row.is_lower_bound = row.is_lower_bound or bool(lower)
        if currency and value is not None:
            row.values[currency] = row.values.get(currency, Decimal(0)) + Decimal(value)
    return list(out.values())


@dataclass
class CapacityRow:
    kind: str
    count: int
    countries: int
    records: int
    is_lower_bound: bool


def capacity(session: Session, filters: Filters) -> list[CapacityRow]:
    """Teams deployed and training sessions held: a record counting several adds its count."""
    v = FlowVersion
    query = (
        select(
            v.capacity_kind,
            func.sum(func.coalesce(v.capacity_count, 1)),
            func.sum(func.coalesce(v.capacity_countries, 0)),
            func.count(),
            func.max(case((v.is_lower_bound.is_(True), 1), else_=0)),
        )
        .where(*_countable(filters), v.capacity_kind.is_not(None), v.stage != Stage.PLEDGE)
        .group_by(v.capacity_kind)
        .order_by(v.capacity_kind)
    )
    return [
        CapacityRow(str(k.value if k else ""), int(n), int(c), int(r), bool(lb))
        for k, n, c, r, lb in session.execute(query)
    ]


def records(session: Session, filters: Filters) -> list[FlowRecord]:
    """The current flows under ``filters`` as plain records for ``counting`` (tests compare both paths)."""
    rows = session.scalars(filters.apply(select(FlowVersion)).order_by(FlowVersion.flow_id))
    return [
        FlowRecord(
            id=r.flow_id,
            stage=r.stage.value,
            amount_usd=r.amount_usd,
            amount=r.amount,
            currency=r.currency,
            parent_id=r.parent_flow_id,
            boundary=r.boundary.value,
            is_internal=r.is_internal,
            recipients=tuple((x.country_code, x.percentage) for x in r.recipients if x.country_code),
            provider=str(r.provider_id),
            channel=r.channel.value,
            modality=r.modality.value,
            flow_date=r.flow_date,
            illustrative=r.is_illustrative,
        )
        for r in rows
    ]


# --- claims and discrepancies --------------------------------------------------------------------


@dataclass
class Discrepancy:
    """A subject the ledger and one or more claims give amounts for; ``is_discrepant`` when they differ."""

    subject: str
    ledger_usd: Decimal
    ledger_flow_ids: list[int]
    claims: list[dict[str, Any]]

    @property
    def is_discrepant(self) -> bool:
        return any(c["amount_usd"] is not None and Decimal(c["amount_usd"]) != self.ledger_usd for c in self.claims)

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "ledger_usd": str(self.ledger_usd.quantize(CENT)),
            "ledger_flow_ids": self.ledger_flow_ids,
            "claims": self.claims,
            "is_discrepant": self.is_discrepant,
        }


def discrepancies(session: Session, subjects: set[str] | None = None) -> list[Discrepancy]:
    """For each claim subject: the ledger's total (payments, USD) beside every claim's amount."""
    out: dict[str, Discrepancy] = {}
    for claim in list_claims(session):
        if subjects is not None and claim.subject not in subjects:
            continue
        if claim.amount is None:
            continue
        entry = out.get(claim.subject)
        if entry is None:
            flows = list(
                session.scalars(
                    select(FlowVersion).where(
                        FlowVersion.is_current.is_(True), FlowVersion.claim_subject == claim.subject
                    )
                )
            )
            paid = [f for f in flows if f.stage.value in PAID_STAGES]
            entry = Discrepancy(
                claim.subject,
                sum((f.amount_usd or Decimal(0) for f in paid), Decimal(0)),
                [f.flow_id for f in paid],
                [],
            )
            out[claim.subject] = entry
        entry.claims.append(
            {
                "id": claim.id,
                "statement": claim.statement,
                "amount_usd": str(claim.amount_usd) if claim.amount_usd is not None else None,
                "citation": claim.citation,
                "url": claim.url,
                "page": claim.page,
            }
        )
    return list(out.values())


# --- Table 1 -------------------------------------------------------------------------------------


@dataclass
class Table1Entry:
    flow_id: int
    text: str
    item: str | None
    quantity: int | None
    unit: str | None
    usd: Decimal | None
    sources: list[dict[str, Any]]
    stage: str
    is_lower_bound: bool

    def as_dict(self) -> dict[str, Any]:
        """The shape of the issue: text, item, quantity, unit, usd, sources."""
        return {
            "text": self.text,
            "item": self.item,
            "quantity": self.quantity,
            "unit": self.unit,
            "usd": str(self.usd) if self.usd is not None else None,
            "sources": self.sources,
        }


@dataclass
class Table1Row:
    category: str
    entries: list[Table1Entry]
    flow_ids: list[int]
    paid_usd: Decimal
    pledged_usd: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "entries": [e.as_dict() for e in self.entries]}


@dataclass
class Table1:
    rows: list[Table1Row]
    discrepancies: list[Discrepancy]
    illustrative_left_out: int = 0
    """Illustrative flows (not from any source) the table would otherwise list, left out."""

    def as_dict(self) -> dict[str, Any]:
        return {"rows": [r.as_dict() for r in self.rows]}


def table1(session: Session, filters: Filters) -> Table1:
    """The mission's Table 1, one row per category, one entry per flow (or per item line of a flow).

    Official and commercial flows are listed; public-private joint actions belong to the private
    channel report, not to official development assistance. Illustrative flows (not from any source)
    are left out and counted in ``illustrative_left_out``: the table is the sources' table. Row totals
    follow the counting rules.
    """
    v = FlowVersion
    left_out = session.scalar(
        select(func.count())
        .select_from(v)
        .where(*filters.conditions(v), v.channel != Channel.PUBLIC_PRIVATE, v.is_illustrative.is_(True))
    )
    filters = replace(filters, illustrative=False)
    ids = list(
        session.scalars(
            select(v.flow_id)
            .where(*filters.conditions(v), v.channel != Channel.PUBLIC_PRIVATE)
            .order_by(v.flow_date, v.flow_id)
        )
    )
    versions = flows_by_ids(session, ids)
    items = {i.code: i.name for i in session.scalars(select(Item))}
    totals = {row.key: row for row in by_category(session, filters)}
    rows = []
    for category, modalities in TABLE1_CATEGORIES:
        members = [f for f in versions if f.modality in modalities]
        entries: list[Table1Entry] = []
        for f in members:
            entries.extend(_entries(f, items))
        total = totals.get(category, ReportRow(category, category))
        rows.append(Table1Row(category, entries, [f.flow_id for f in members], total.paid_usd, total.usd("pledge")))
    subjects = {f.claim_subject for f in versions if f.claim_subject}
    return Table1(rows, discrepancies(session, subjects), left_out or 0)


def _entries(f: FlowVersion, items: dict[str, str]) -> list[Table1Entry]:
    """One entry per item line of a flow, or one for the flow when it has none."""
    sources = [{"citation": s.citation, "url": s.url, "page": s.page} for s in f.sources]
    text = f.description
    if f.stage is Stage.PLEDGE and "pledge" not in text.lower():
        text += " (pledge)"
    if f.items:
        return [
            Table1Entry(
                f.flow_id,
                f"{text}: {items.get(line.item_code, line.item_code)}",
                line.item_code,
                line.quantity,
                line.unit_code,
                None,
                sources,
                f.stage.value,
                f.is_lower_bound,
            )
            for line in f.items
        ]
    unit = CAPACITY_UNITS.get(f.capacity_kind.value) if f.capacity_kind else None
    return [
        Table1Entry(
            f.flow_id, text, None, f.capacity_count, unit, f.amount_usd, sources, f.stage.value, f.is_lower_bound
        )
    ]
