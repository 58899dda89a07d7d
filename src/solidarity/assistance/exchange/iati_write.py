"""Write ``ExchangeFlow`` records as an IATI 2.03 ``iati-activities`` file, streamed.

Flows with the same iati-identifier become one activity (one transaction each); flows without one
(recorded in Solidarity or read from FTS) each get an activity named ``<reporting org>-<key>``.
What IATI cannot hold travels in extension elements of the Solidarity namespace, which the
schema allows at the end of each transaction (``xsd:any namespace="##other"``): ``sol:item`` for
in-kind quantities, ``sol:share`` for exact recipient and sector percentages, and ``sol:flow``
for the ledger stage, boundary, FTS identifiers, usage years and USD value. In-kind lines are
also spelled out in a readable activity description, for people reading the XML.
Reading the file back with ``read_iati`` gives the same records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import BinaryIO

from lxml import etree

from solidarity.assistance.exchange.codelists import (
    AID_TYPES_DAC,
    FINANCE_TYPES,
    FLOW_TYPES,
    MAPPED_SECTOR_VOCABULARIES,
    STAGE_TRANSACTION_TYPES,
    is_known_sector,
)
from solidarity.assistance.exchange.iati_read import SOLIDARITY_NS
from solidarity.assistance.exchange.records import ExchangeFlow, Party, Share

IATI_VERSION = "2.03"
_SOL = f"{{{SOLIDARITY_NS}}}"
_NOT_IN_IDENTIFIER = re.compile(r"[^A-Za-z0-9._-]+")


def activity_identifier(flow: ExchangeFlow) -> str:
    """The iati-identifier a flow is exported under.

    >>> activity_identifier(ExchangeFlow(source="fts", key="fts:1234", stage="commitment"))
    'XX-SOLIDARITY-fts-1234'
    """
    if flow.iati_identifier:
        return flow.iati_identifier
    prefix = flow.reporting_org.ref if flow.reporting_org and flow.reporting_org.ref else "XX-SOLIDARITY"
    return f"{prefix}-{_NOT_IN_IDENTIFIER.sub('-', flow.key).strip('-')}"


def write_iati(flows: Iterable[ExchangeFlow], stream: BinaryIO, *, generated: dt.datetime | None = None) -> int:
    """Write the flows as IATI 2.03 XML to a binary stream; returns the number of activities written.

    Activities are written one at a time, so memory grows with the largest activity, not the file.
    """
    groups: dict[str, list[ExchangeFlow]] = {}
    for flow in flows:
        groups.setdefault(activity_identifier(flow), []).append(flow)
    stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(
            "iati-activities", {"version": IATI_VERSION, "generated-datetime": stamp}, nsmap={"sol": SOLIDARITY_NS}
        ):
            for identifier, members in groups.items():
                xf.write(_activity(identifier, members), pretty_print=True)
    return len(groups)


def _sub(parent: etree._Element, tag: str, attributes: dict[str, str | None] | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    for name, value in (attributes or {}).items():
        if value is not None:
            element.set(name, value)
    return element


def _narrative(
    parent: etree._Element, tag: str, text: str | None, attributes: dict[str, str | None] | None = None
) -> None:
    element = _sub(parent, tag, attributes)
    if text:
        _sub(element, "narrative").text = text


def _activity(identifier: str, flows: list[ExchangeFlow]) -> etree._Element:
    first = flows[0]
    activity = etree.Element("iati-activity", nsmap={"sol": SOLIDARITY_NS})
    activity.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    _sub(activity, "iati-identifier").text = identifier
    reporting = first.reporting_org or Party()
    _narrative(
        activity,
        "reporting-org",
        reporting.name or "Reporter not stated",
        {"ref": reporting.ref or "", "type": reporting.type or ""},
    )
    _narrative(activity, "title", first.title or first.description or identifier)
    _narrative(activity, "description", first.description or first.title or identifier, {"type": "1"})
    readable = _items_text(flows)
    if readable:
        _narrative(activity, "description", readable, {"type": "4"})
    _narrative(
        activity,
        "participating-org",
        reporting.name or "Reporting organisation",
        {"role": "2", "ref": reporting.ref, "type": reporting.type},
    )
    _sub(activity, "activity-status", {"code": "2"})
    dates = [d for f in flows for d in (f.value_date, f.transaction_date) if d is not None]
    _sub(activity, "activity-date", {"type": "2", "iso-date": min(dates or [dt.date.today()]).isoformat()})
    shared = all(_shares(f) == _shares(first) for f in flows)
    if shared:
        for share in filter(_is_iati_country, first.countries):
            _narrative(activity, "recipient-country", share.name, {"code": share.code, "percentage": _pct(share)})
        for share in first.regions:
            _narrative(
                activity,
                "recipient-region",
                share.name,
                {"code": share.code, "vocabulary": share.vocabulary, "percentage": _pct(share)},
            )
        for share in filter(_is_iati_sector, first.sectors):
            _narrative(
                activity,
                "sector",
                share.name,
                {"vocabulary": share.vocabulary, "code": share.code, "percentage": _pct(share)},
            )
    for code in first.emergency_codes:
        _sub(activity, "humanitarian-scope", {"type": "1", "vocabulary": "1-2", "code": code})
    for code in first.appeal_codes:
        _sub(activity, "humanitarian-scope", {"type": "2", "vocabulary": "2-1", "code": code})
    for n, flow in enumerate(flows, 1):
        _transaction(activity, flow, n, activity_level_shares=shared)
    return activity


def _is_iati_country(share: Share) -> bool:
    return len(share.code) == 2 and share.code.isalpha() and share.code.isupper()


def _is_iati_sector(share: Share) -> bool:
    """Only codes IATI knows go in IATI elements; the rest travel in ``sol:share`` alone."""
    return (
        is_known_sector(share.vocabulary or "1", share.code) and (share.vocabulary or "1") in MAPPED_SECTOR_VOCABULARIES
    )


def _shares(flow: ExchangeFlow) -> tuple[tuple[Share, ...], ...]:
    return flow.countries, flow.regions, flow.sectors


def _pct(share: Share) -> str | None:
    return None if share.percentage is None else _number(share.percentage)


def _number(value: Decimal) -> str:
    return format(value, "f")


def _items_text(flows: list[ExchangeFlow]) -> str:
    parts = []
    for flow in flows:
        for item in flow.items:
            unit = f" {item.unit}" if item.unit else ""
            worth = f" at {_number(item.unit_value)} {item.value_currency or ''} each" if item.unit_value else ""
            parts.append(f"{item.quantity:,}{unit} of {item.item}{worth.rstrip()}")
    return ("In kind: " + "; ".join(parts) + ".") if parts else ""


def _transaction(activity: etree._Element, flow: ExchangeFlow, n: int, *, activity_level_shares: bool) -> None:
    direction = "incoming" if flow.boundary == "incoming" else "outgoing"
    stage = "disbursement" if flow.stage == "delivery" else flow.stage
    code = STAGE_TRANSACTION_TYPES.get((stage, direction)) or STAGE_TRANSACTION_TYPES[(stage, "outgoing")]
    tx = _sub(activity, "transaction", {"ref": flow.transaction_ref})
    if flow.is_humanitarian is not None:
        tx.set("humanitarian", "1" if flow.is_humanitarian else "0")
    _sub(tx, "transaction-type", {"code": code})
    day = flow.transaction_date or flow.value_date or dt.date.today()
    _sub(tx, "transaction-date", {"iso-date": day.isoformat()})
    value = _sub(tx, "value", {"currency": flow.currency or "USD", "value-date": (flow.value_date or day).isoformat()})
    value.text = _number(flow.amount) if flow.amount is not None else "0"
    if flow.description:
        _narrative(tx, "description", flow.description)
    for tag, party, id_attribute, activity_id in (
        ("provider-org", flow.provider, "provider-activity-id", flow.provider_activity_id),
        ("receiver-org", flow.receiver, "receiver-activity-id", flow.receiver_activity_id),
    ):
        if party is not None or activity_id:
            party = party or Party()
            _narrative(tx, tag, party.name, {"ref": party.ref, id_attribute: activity_id, "type": party.type})
    if not activity_level_shares:
        for share in filter(_is_iati_sector, flow.sectors):
            _sub(tx, "sector", {"vocabulary": share.vocabulary, "code": share.code})
        countries = [share for share in flow.countries if _is_iati_country(share)]
        if countries:
            _sub(tx, "recipient-country", {"code": countries[0].code})
        if flow.regions:
            _sub(tx, "recipient-region", {"code": flow.regions[0].code, "vocabulary": flow.regions[0].vocabulary})
    # Codes from elsewhere (FTS's "Standard" flow type) go only in the extension, never in IATI elements.
    if flow.flow_type in FLOW_TYPES:
        _sub(tx, "flow-type", {"code": flow.flow_type})
    if flow.finance_type in FINANCE_TYPES:
        _sub(tx, "finance-type", {"code": flow.finance_type})
    if flow.aid_type in AID_TYPES_DAC:
        _sub(tx, "aid-type", {"code": flow.aid_type, "vocabulary": "1"})
    _extension(tx, flow)


def _extension(tx: etree._Element, flow: ExchangeFlow) -> None:
    attributes: dict[str, str | None] = {
        "source": flow.source,
        "key": flow.key,
        "stage": flow.stage,
        "boundary": flow.boundary,
        "on-boundary": flow.on_boundary,
        "iati-identifier": flow.iati_identifier,
        "transaction-type": flow.transaction_type,
        "title": flow.title,
        "aid-type": flow.aid_type,
        "finance-type": flow.finance_type,
        "flow-type": flow.flow_type,
        "no-reporting-org": "1" if flow.reporting_org is None else None,
        "no-transaction-date": "1" if flow.transaction_date is None else None,
        "no-amount": "1" if flow.amount is None else None,
        "emergency-codes": "|".join(flow.emergency_codes),
        "appeal-codes": "|".join(flow.appeal_codes),
        "amount-usd": None if flow.amount_usd is None else _number(flow.amount_usd),
        "usd-rate": None if flow.usd_rate is None else _number(flow.usd_rate),
        "fts-flow-id": flow.fts_flow_id,
        "parent-flow-id": flow.parent_flow_id,
        "child-flow-ids": "|".join(flow.child_flow_ids) or None,
        "usage-years": " ".join(str(y) for y in flow.usage_years) or None,
        "new-money": None if flow.is_new_money is None else ("1" if flow.is_new_money else "0"),
        "contribution-type": flow.contribution_type,
    }
    _sub(tx, f"{_SOL}flow", attributes)
    for kind, shares in (("country", flow.countries), ("region", flow.regions), ("sector", flow.sectors)):
        for share in shares:
            _sub(
                tx,
                f"{_SOL}share",
                {
                    "kind": kind,
                    "code": share.code,
                    "vocabulary": share.vocabulary,
                    "percentage": _pct(share),
                    "name": share.name,
                },
            )
    for item in flow.items:
        _sub(
            tx,
            f"{_SOL}item",
            {
                "code": item.item,
                "quantity": str(item.quantity),
                "unit": item.unit,
                "unit-value": None if item.unit_value is None else _number(item.unit_value),
                "currency": item.value_currency,
            },
        )
