"""The neutral shape of one exchanged flow, whatever format it came in or goes out in.

IATI, OCHA FTS and HXL readers yield ``ExchangeFlow`` records and the writers take them, so a
round trip through any format compares records, not files. Nothing here knows the database:
organisations are names and references as the file states them, countries are the codes the file
uses (IATI alpha-2, FTS names), and a USD value is kept only when the file states one.

Chains: IATI reports the same transfer at both ends (an outgoing disbursement in the funder's
activity, incoming funds in the receiver's). ``link_chains`` pairs such mirrors so the transfer is
counted once, and links the receiving activity's own transactions to the transfer that funded
them as parent flows.

>>> f = ExchangeFlow(source="iati", key="A-1#1", stage="disbursement", iati_identifier="A-1",
...                  receiver_activity_id="B-1")
>>> g = ExchangeFlow(source="iati", key="B-1#1", stage="disbursement", boundary="incoming",
...                  iati_identifier="B-1", provider_activity_id="A-1")
>>> h = ExchangeFlow(source="iati", key="B-1#2", stage="disbursement", iati_identifier="B-1")
>>> links = link_chains([f, g, h])
>>> links.mirrors, links.parents
({'B-1#1': 'A-1#1'}, {'B-1#2': 'A-1#1'})
>>> [flow.key for flow in counted_once([f, g, h], links)]
['A-1#1', 'B-1#2']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

STAGES = ("pledge", "commitment", "disbursement", "delivery", "expenditure")
BOUNDARIES = ("incoming", "outgoing", "internal")
ON_BOUNDARY = ("single", "shared")


@dataclass(frozen=True)
class Party:
    """An organisation as a file names it: ``ref`` is the IATI organisation identifier or FTS id."""

    name: str | None = None
    ref: str | None = None
    type: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.ref or ""


@dataclass(frozen=True)
class Share:
    """A recipient country or region, or a sector, with its percentage when the file splits the flow."""

    code: str
    percentage: Decimal | None = None
    vocabulary: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ItemLine:
    """An in-kind quantity: IATI and FTS cannot hold it, so exports carry it in an extension."""

    item: str
    quantity: int
    unit: str | None = None
    unit_value: Decimal | None = None
    value_currency: str | None = None


@dataclass(frozen=True)
class ExchangeFlow:
    """One flow of money or goods from a provider to a receiver, as an exchange format states it."""

    source: str
    """``iati``, ``fts``, ``hxl`` or ``ledger``."""
    key: str
    """Stable within its source: ``<iati-identifier>#<transaction ref or position>``, ``fts:<id>``."""
    stage: str
    boundary: str = "outgoing"
    on_boundary: str = "single"
    iati_identifier: str | None = None
    transaction_ref: str | None = None
    fts_flow_id: str | None = None
    title: str | None = None
    reporting_org: Party | None = None
    provider: Party | None = None
    receiver: Party | None = None
    countries: tuple[Share, ...] = ()
    regions: tuple[Share, ...] = ()
    sectors: tuple[Share, ...] = ()
    amount: Decimal | None = None
    currency: str | None = None
    value_date: dt.date | None = None
    transaction_date: dt.date | None = None
    amount_usd: Decimal | None = None
    usd_rate: Decimal | None = None
    is_humanitarian: bool | None = None
    emergency_codes: tuple[str, ...] = ()
    appeal_codes: tuple[str, ...] = ()
    aid_type: str | None = None
    finance_type: str | None = None
    flow_type: str | None = None
    contribution_type: str | None = None
    transaction_type: str | None = None
    provider_activity_id: str | None = None
    receiver_activity_id: str | None = None
    parent_flow_id: str | None = None
    child_flow_ids: tuple[str, ...] = ()
    usage_years: tuple[int, ...] = ()
    is_new_money: bool | None = None
    description: str = ""
    items: tuple[ItemLine, ...] = ()
    line: int | None = None
    path: str | None = None
    extras: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """Format-specific details kept for display (FTS plan names, organisation types ...)."""

    def without_position(self) -> ExchangeFlow:
        """The same flow without where it was read, for comparing a round trip."""
        return replace(self, line=None, path=None)


@dataclass
class ChainLinks:
    """Mirrors (the receiving end's report of a transfer, keyed to the provider's) and parents."""

    mirrors: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)


_MIRROR_STAGE = {"disbursement": "disbursement", "commitment": "commitment", "pledge": "pledge"}


def link_chains(flows: Iterable[ExchangeFlow]) -> ChainLinks:
    """Pair the two ends of each transfer and link pass-through flows to the transfer that funded them.

    An incoming flow of activity B that names provider activity A mirrors A's outgoing flow of the
    same stage that names receiver activity B (the amounts may differ by rounding or rate: the
    provider's report wins). B's own outgoing flows then have A's transfer as parent when exactly
    one transfer funded B; with several funders the link would be a guess, so none is made.
    """
    flows = list(flows)
    outgoing_to: dict[tuple[str, str, str], list[ExchangeFlow]] = defaultdict(list)
    funding_of: dict[str, list[str]] = defaultdict(list)
    for flow in flows:
        if flow.boundary == "outgoing" and flow.iati_identifier and flow.receiver_activity_id:
            outgoing_to[(flow.iati_identifier, flow.receiver_activity_id, flow.stage)].append(flow)
            if flow.stage == "disbursement":
                funding_of[flow.receiver_activity_id].append(flow.key)
    links = ChainLinks()
    for flow in flows:
        if flow.boundary != "incoming" or not flow.provider_activity_id or not flow.iati_identifier:
            continue
        stage = _MIRROR_STAGE.get(flow.stage)
        if stage is None:
            continue
        candidates = outgoing_to.get((flow.provider_activity_id, flow.iati_identifier, stage), [])
        matched = _closest(flow, candidates, used=set(links.mirrors.values()))
        if matched is not None:
            links.mirrors[flow.key] = matched.key
        elif flow.stage == "disbursement":
            funding_of[flow.iati_identifier].append(flow.key)
    for flow in flows:
        if flow.boundary != "outgoing" or not flow.iati_identifier or flow.key in links.mirrors:
            continue
        funders = funding_of.get(flow.iati_identifier, [])
        if len(funders) == 1 and funders[0] != flow.key:
            links.parents[flow.key] = funders[0]
    return links


def _closest(flow: ExchangeFlow, candidates: list[ExchangeFlow], used: set[str]) -> ExchangeFlow | None:
    """The unused candidate nearest in date and amount (the two ends rarely agree to the cent)."""
    free = [c for c in candidates if c.key not in used]
    if not free:
        return None

    def distance(candidate: ExchangeFlow) -> tuple[int, Decimal]:
        days = abs((candidate.value_date - flow.value_date).days) if candidate.value_date and flow.value_date else 0
        amount = abs((candidate.amount or Decimal(0)) - (flow.amount or Decimal(0)))
        return days, amount

    return min(free, key=distance)


def counted_once(flows: Iterable[ExchangeFlow], links: ChainLinks) -> list[ExchangeFlow]:
    """The flows without the receiving ends' mirrors of transfers the provider reported too."""
    return [flow for flow in flows if flow.key not in links.mirrors]
