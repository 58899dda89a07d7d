"""The counting rules of the ledger, as pure functions over plain flow records.

Totals never double count:

1. pledges are never added to committed or paid amounts (totals are per stage);
2. a pass-through (child) flow is not counted again where its parent is counted; where its parent is
   not counted (a shared-boundary parent in a single-recipient or single-year total) the child counts;
3. flows on a shared boundary appear in lists but not in single-recipient or single-year totals;
4. internal flows (within one recipient) are never added to incoming ones;
5. totals come in USD at each flow's own date rate, and in original currencies.

``reports`` computes the same totals in SQL for speed; a test checks both agree.

>>> a = FlowRecord(1, "disbursement", Decimal("50"), Decimal("50"), "USD", recipients=(("CN", Decimal(100)),))
>>> b = FlowRecord(2, "disbursement", Decimal("10"), Decimal("10"), "USD", parent_id=1)
>>> p = FlowRecord(3, "pledge", Decimal("2000"), Decimal("2000"), "USD")
>>> totals_by_stage([a, b, p])["disbursement"].usd, totals_by_stage([a, b, p])["pledge"].usd
(Decimal('50'), Decimal('2000'))
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

PAID_STAGES = frozenset({"disbursement", "delivery", "expenditure"})
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FlowRecord:
    """One current flow version, reduced to what counting needs."""

    id: int
    stage: str
    amount_usd: Decimal | None
    amount: Decimal | None
    currency: str | None
    parent_id: int | None = None
    boundary: str = "single"
    is_internal: bool = False
    recipients: tuple[tuple[str, Decimal], ...] = ()
    """(country alpha-2 or region, percentage)."""
    provider: str = ""
    channel: str = "bilateral"
    modality: str = "financial"
    flow_date: dt.date = dt.date(2020, 1, 1)
    illustrative: bool = False
    """Not from any source: counted like any flow, marked in reports."""


@dataclass
class Total:
    """A total in USD (at each flow's own rate) and in each original currency, with the flows counted."""

    usd: Decimal = Decimal(0)
    by_currency: dict[str, Decimal] = field(default_factory=dict)
    flow_ids: list[int] = field(default_factory=list)

    def add(self, record: FlowRecord, share: Decimal = HUNDRED) -> None:
        if record.amount_usd is not None:
            self.usd += record.amount_usd * share / HUNDRED if share != HUNDRED else record.amount_usd
        if record.amount is not None and record.currency:
            part = record.amount * share / HUNDRED if share != HUNDRED else record.amount
            self.by_currency[record.currency] = self.by_currency.get(record.currency, Decimal(0)) + part
        self.flow_ids.append(record.id)


def countable(records: Iterable[FlowRecord], *, single_boundary: bool = False) -> list[FlowRecord]:
    """The records a total may add: internal flows out, children of counted parents out.

    With ``single_boundary`` (a single-recipient or single-year total) shared-boundary flows are out
    too (rule 3), and so they are not counted parents: a part one of them passed on counts (rule 2).

    >>> parent = FlowRecord(1, "disbursement", Decimal(5), Decimal(5), "USD")
    >>> child = FlowRecord(2, "disbursement", Decimal(5), Decimal(5), "USD", parent_id=1)
    >>> orphan = FlowRecord(3, "disbursement", Decimal(7), Decimal(7), "USD", parent_id=99)
    >>> internal = FlowRecord(4, "disbursement", Decimal(9), Decimal(9), "USD", is_internal=True)
    >>> [r.id for r in countable([parent, child, orphan, internal])]
    [1, 3]
    >>> shared = FlowRecord(5, "disbursement", Decimal(9), Decimal(9), "USD", boundary="shared")
    >>> part = FlowRecord(6, "disbursement", Decimal(2), Decimal(2), "USD", parent_id=5)
    >>> [r.id for r in countable([shared, part])], [r.id for r in countable([shared, part], single_boundary=True)]
    ([5], [6])
    """
    kept = [r for r in records if not r.is_internal and not (single_boundary and r.boundary == "shared")]
    ids = {r.id for r in kept}
    return [r for r in kept if r.parent_id is None or r.parent_id not in ids]


def totals_by_stage(records: Iterable[FlowRecord]) -> dict[str, Total]:
    """One total per stage: a pledge is never added to a commitment or a payment."""
    totals: dict[str, Total] = defaultdict(Total)
    for record in countable(records):
        totals[record.stage].add(record)
    return dict(totals)


def grouped(records: Iterable[FlowRecord], key: Callable[[FlowRecord], Hashable]) -> dict[Hashable, dict[str, Total]]:
    """Totals per stage within each group (provider, channel, modality ...); rules 1, 2 and 4 apply.

    >>> rs = [FlowRecord(1, "pledge", Decimal(3), None, None, provider="CN"),
    ...       FlowRecord(2, "disbursement", Decimal(2), None, None, provider="CN")]
    >>> {k: {s: t.usd for s, t in v.items()} for k, v in grouped(rs, lambda r: r.provider).items()}
    {'CN': {'pledge': Decimal('3'), 'disbursement': Decimal('2')}}
    """
    out: dict[Hashable, dict[str, Total]] = defaultdict(lambda: defaultdict(Total))
    for record in countable(records):
        out[key(record)][record.stage].add(record)
    return {k: dict(v) for k, v in out.items()}


def by_recipient(records: Iterable[FlowRecord]) -> dict[str, dict[str, Total]]:
    """Per recipient and stage, each flow split by its percentages; shared-boundary flows are left out,
    and the parts they passed on count instead.

    >>> split = FlowRecord(1, "disbursement", Decimal(100), Decimal(100), "USD",
    ...                    recipients=(("IT", Decimal(60)), ("RS", Decimal(40))))
    >>> shared = FlowRecord(2, "disbursement", Decimal(999), None, None, boundary="shared",
    ...                     recipients=(("IT", Decimal(100)),))
    >>> {k: v["disbursement"].usd for k, v in by_recipient([split, shared]).items()}
    {'IT': Decimal('60'), 'RS': Decimal('40')}
    """
    out: dict[str, dict[str, Total]] = defaultdict(lambda: defaultdict(Total))
    for record in countable(records, single_boundary=True):
        for recipient, percentage in record.recipients:
            out[recipient][record.stage].add(record, percentage)
    return {k: dict(v) for k, v in out.items()}


def by_year(records: Iterable[FlowRecord]) -> dict[int, dict[str, Total]]:
    """Per calendar year of the flow date and stage; shared-boundary flows are left out (rule 3) and the
    parts they passed on count instead."""
    kept = countable(records, single_boundary=True)
    out: dict[int, dict[str, Total]] = defaultdict(lambda: defaultdict(Total))
    for record in kept:
        out[record.flow_date.year][record.stage].add(record)
    return {k: dict(v) for k, v in out.items()}


def paid(totals: dict[str, Total]) -> Decimal:
    """USD paid or delivered: disbursements, deliveries and expenditures, never pledges or commitments.

    >>> paid({"pledge": Total(Decimal(9)), "disbursement": Total(Decimal(2)), "delivery": Total(Decimal(1))})
    Decimal('3')
    """
    return sum((t.usd for stage, t in totals.items() if stage in PAID_STAGES), Decimal(0))


def check_percentages(percentages: Iterable[Decimal]) -> Decimal | None:
    """The sum of recipient percentages when it is not 100 (``None`` when it is, or there are none).

    >>> check_percentages([Decimal(60), Decimal(40)]) is None, check_percentages([Decimal(60), Decimal(30)])
    (True, Decimal('90'))
    """
    values = list(percentages)
    if not values:
        return None
    total = sum(values, Decimal(0))
    return None if total == HUNDRED else total


def fulfilment(pledge_usd: Decimal, paid_usd: Decimal) -> tuple[Decimal, Decimal]:
    """Percent of a pledge fulfilled and the remainder in USD (never below zero).

    >>> fulfilment(Decimal(2000), Decimal(500))
    (Decimal('25.0'), Decimal('1500'))
    """
    if pledge_usd <= 0:
        return Decimal("0.0"), Decimal(0)
    percent = (paid_usd * HUNDRED / pledge_usd).quantize(Decimal("0.1"))
    return percent, max(pledge_usd - paid_usd, Decimal(0))
