"""Read OCHA FTS flow JSON (``/v1/public/fts/flow``) and count it the way FTS counts.

A response is ``{"status": "ok", "data": {"incoming": {...}, "outgoing": {...}, "internal": {...},
"flows": [...]}, "meta": {"language": "en", "nextLink": ...}}``. Each flow names its
``sourceObjects`` and ``destinationObjects`` (``Organization``, ``Location``, ``UsageYear``,
``Plan``, ``Emergency``, ``GlobalCluster``, ``Cluster``, ``Project``), a ``status`` (pledge,
commitment, paid), ``amountUSD`` with the original amount, currency and rate, and where it falls
against the query's boundary: ``boundary`` incoming, outgoing or internal, and ``onBoundary``
single or shared.

FTS's counting rules, as pure functions over the flows:

- a flow's year is the destination's ``UsageYear`` (not its date); a flow whose destination has
  several locations or usage years is on a shared boundary;
- the incoming funding total of a location and year adds commitments and paid flows (pledges
  apart) whose boundary is incoming and whose onBoundary is single; its ``flowCount`` counts the
  same flows; pledges go into ``pledgeTotal``;
- internal flows (within the boundary) are listed and counted apart, never added to incoming.

>>> flow = {"id": "1", "status": "paid", "amountUSD": 100, "boundary": "incoming", "onBoundary": "single",
...         "date": "2020-05-01T00:00:00Z", "sourceObjects": [], "destinationObjects": [
...         {"type": "Location", "id": "1", "name": "Afghanistan"}, {"type": "UsageYear", "id": "41", "name": "2020"}]}
>>> page = parse_fts({"data": {"flows": [flow]}}, Problems("fts.json"))
>>> summarise(page.flows, location="Afghanistan", year=2020).funding_usd
Decimal('100')
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from solidarity.assistance.exchange.records import ExchangeFlow, Party, Share
from solidarity.errors import Invalid
from solidarity.imports import Problems

FTS_STAGES = {"pledge": "pledge", "commitment": "commitment", "paid": "disbursement"}
FUNDING_STATUSES = frozenset({"commitment", "paid"})
MAX_JSON_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class FtsSummary:
    """FTS's own ``data.incoming`` (or ``outgoing``, ``internal``) block."""

    funding_usd: Decimal = Decimal(0)
    pledge_usd: Decimal = Decimal(0)
    flow_count: int = 0


@dataclass
class FtsPages:
    """The flows of one query's pages, each once, with FTS's summaries from the first page."""

    flows: list[ExchangeFlow] = field(default_factory=list)
    incoming: FtsSummary | None = None
    internal: FtsSummary | None = None
    outgoing: FtsSummary | None = None
    next_link: str | None = None


def _not_fts(name: str, reason: str, field_name: str | None = None) -> Invalid:
    message = f"{name}: not an OCHA FTS flow response: {reason}"
    return Invalid(
        message, details=[{"file": name, "line": None, "field": field_name, "value": None, "reason": reason}]
    )


def read_fts_files(paths: Sequence[Path], problems: Problems) -> FtsPages:
    """Read one file or several pages of one query; a flow on two pages is kept once (by id)."""
    pages = FtsPages()
    seen: set[str] = set()
    for n, path in enumerate(paths):
        if path.stat().st_size > MAX_JSON_BYTES:
            raise _not_fts(path.name, f"larger than {MAX_JSON_BYTES} bytes")
        try:
            document = json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            line = getattr(error, "lineno", None)
            raise Invalid(
                f"{path.name}: not JSON: {error}",
                details=[{"file": path.name, "line": line, "field": None, "value": None, "reason": "not JSON"}],
            ) from None
        page = parse_fts(document, problems, name=path.name)
        if n == 0:
            pages.incoming, pages.internal, pages.outgoing = page.incoming, page.internal, page.outgoing
        for flow in page.flows:
            if flow.key not in seen:
                seen.add(flow.key)
                pages.flows.append(flow)
        pages.next_link = page.next_link
    return pages


def parse_fts(document: Any, problems: Problems, *, name: str | None = None) -> FtsPages:
    """The flows of one parsed FTS response; ``Invalid`` if the JSON is not FTS's shape."""
    name = name or problems.file
    if not isinstance(document, dict):
        raise _not_fts(name, "the top level is not an object")
    data = document.get("data")
    if not isinstance(data, dict):
        raise _not_fts(name, "no 'data' object", "data")
    flows = data.get("flows")
    if not isinstance(flows, list):
        raise _not_fts(name, "no 'data.flows' list", "data.flows")
    page = FtsPages(
        incoming=_summary(data.get("incoming")),
        internal=_summary(data.get("internal")),
        outgoing=_summary(data.get("outgoing")),
    )
    meta = document.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("nextLink"), str):
        page.next_link = meta["nextLink"]
    for index, raw in enumerate(flows):
        errors_before = problems.error_count
        flow = _flow(raw, index, problems)
        if flow is not None and problems.error_count == errors_before:
            page.flows.append(flow)
    return page


def _summary(block: Any) -> FtsSummary | None:
    if not isinstance(block, dict):
        return None
    return FtsSummary(
        funding_usd=_decimal(block.get("fundingTotal")) or Decimal(0),
        pledge_usd=_decimal(block.get("pledgeTotal")) or Decimal(0),
        flow_count=int(block.get("flowCount") or 0),
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _objects(raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    objects = raw.get(key) or []
    return [o for o in objects if isinstance(o, dict)] if isinstance(objects, list) else []


def _of_type(objects: Iterable[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
    return [o for o in objects if o.get("type") == kind]


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _flow(raw: Any, index: int, problems: Problems) -> ExchangeFlow | None:
    where = f"data.flows[{index}]"
    if not isinstance(raw, dict):
        problems.add(line=None, field=where, value=None, reason="not a flow object")
        return None
    flow_id = str(raw.get("id") or "").strip()
    where = f"data.flows[{index}](id {flow_id})" if flow_id else where
    if not flow_id:
        problems.add(line=None, field=f"{where}.id", value=None, reason="flow without an id")
    status = str(raw.get("status") or "")
    if status not in FTS_STAGES:
        problems.add(line=None, field=f"{where}.status", value=status or None, reason="not pledge, commitment or paid")
        return None
    boundary = str(raw.get("boundary") or "incoming")
    if boundary not in ("incoming", "outgoing", "internal"):
        problems.add(line=None, field=f"{where}.boundary", value=boundary, reason="not incoming, outgoing or internal")
    amount_usd = _decimal(raw.get("amountUSD"))
    if amount_usd is None or amount_usd < 0:
        problems.add(line=None, field=f"{where}.amountUSD", value=raw.get("amountUSD"), reason="not an amount")
    sources, destinations = _objects(raw, "sourceObjects"), _objects(raw, "destinationObjects")
    locations = _of_type(destinations, "Location")
    years = []
    for year_object in _of_type(destinations, "UsageYear"):
        text = str(year_object.get("name") or "")
        if text.isdigit():
            years.append(int(text))
        else:
            problems.add(line=None, field=f"{where}.destinationObjects.UsageYear", value=text, reason="not a year")
    derived = "shared" if len(locations) > 1 or len(years) > 1 else "single"
    on_boundary = str(raw.get("onBoundary") or derived)
    if on_boundary not in ("single", "shared"):
        problems.add(line=None, field=f"{where}.onBoundary", value=on_boundary, reason="not single or shared")
    elif on_boundary == "single" and derived == "shared":
        problems.warning(
            line=None,
            field=f"{where}.onBoundary",
            value=on_boundary,
            reason="several locations or usage years: counted as shared",
        )
        on_boundary = "shared"
    date = _date(raw.get("date"))
    original = _decimal(raw.get("originalAmount"))
    currency = raw.get("originalCurrency") or None
    parent = raw.get("parentFlowId")
    children = raw.get("childFlowIds") or []
    clusters = _of_type(destinations, "GlobalCluster")
    new_money = raw.get("newMoney")
    return ExchangeFlow(
        source="fts",
        key=f"fts:{flow_id}",
        stage=FTS_STAGES[status],
        boundary=boundary,
        on_boundary=on_boundary,
        fts_flow_id=flow_id,
        provider=_organisation(sources),
        receiver=_organisation(destinations),
        countries=tuple(Share(code=str(o.get("name") or o.get("id"))) for o in locations),
        sectors=tuple(Share(code=str(o.get("name") or ""), vocabulary="fts-global-cluster") for o in clusters),
        amount=original if original is not None else amount_usd,
        currency=str(currency).upper() if currency and original is not None else "USD",
        value_date=date,
        transaction_date=date,
        amount_usd=amount_usd,
        usd_rate=_decimal(raw.get("exchangeRate")),
        is_humanitarian=True,
        emergency_codes=tuple(str(o.get("name") or o.get("id")) for o in _of_type(destinations, "Emergency")),
        appeal_codes=tuple(str(o.get("name") or o.get("id")) for o in _of_type(destinations, "Plan")),
        flow_type=str(raw["flowType"]) if raw.get("flowType") else None,
        contribution_type=str(raw["contributionType"]) if raw.get("contributionType") else None,
        parent_flow_id=str(parent) if parent not in (None, "") else None,
        child_flow_ids=tuple(str(c) for c in children) if isinstance(children, list) else (),
        usage_years=tuple(years),
        is_new_money=new_money if isinstance(new_money, bool) else None,
        description=" ".join(str(raw.get("description") or "").split()),
        path=where,
    )


def _organisation(objects: list[Mapping[str, Any]]) -> Party | None:
    organisations = _of_type(objects, "Organization")
    if not organisations:
        return None
    first = organisations[0]
    types = first.get("organizationTypes")
    kind = str(types[0]) if isinstance(types, list) and types else None
    return Party(name=str(first.get("name") or "") or None, ref=str(first.get("id") or "") or None, type=kind)


@dataclass(frozen=True)
class FtsTotals:
    """Totals under FTS's rules: incoming funding (commitments and paid), pledges apart, internal apart."""

    funding_usd: Decimal
    pledge_usd: Decimal
    flow_count: int
    internal_flows: int


def flow_year(flow: ExchangeFlow) -> int | None:
    """FTS's year of a flow: its single destination usage year (``None`` when shared or absent)."""
    return flow.usage_years[0] if len(flow.usage_years) == 1 else None


def summarise(flows: Iterable[ExchangeFlow], *, location: str | None = None, year: int | None = None) -> FtsTotals:
    """Incoming funding of a location and year as FTS counts it (see the module's rules)."""
    funding = pledges = Decimal(0)
    count = internal = 0
    for flow in flows:
        if location is not None and location not in {c.code for c in flow.countries}:
            continue
        if year is not None and year not in flow.usage_years:
            continue
        if flow.boundary == "internal":
            internal += 1
            continue
        if flow.boundary != "incoming" or flow.on_boundary != "single":
            continue
        usd = flow.amount_usd or Decimal(0)
        if flow.stage == "pledge":
            pledges += usd
        else:
            funding += usd
            count += 1
    return FtsTotals(funding_usd=funding, pledge_usd=pledges, flow_count=count, internal_flows=internal)
