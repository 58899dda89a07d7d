"""Read IATI 2.03 activity files as a stream of ``ExchangeFlow``, safely and in flat memory.

Safety: a document type declaration is refused outright (it is how entity-expansion bombs and
external entities get in), entities are never resolved, nothing is fetched from the network, the
file size and element depth are capped, and libxml2's own huge-document limits stay on.
Memory: ``lxml.etree.iterparse`` reads in chunks; each ``iati-activity`` is read as one small
tree, turned into flows, then cleared together with the siblings before it, so a 1 GB file costs
what its largest activity costs.

Each transaction of a type the ledger records becomes one flow. Every problem names the
activity's identifier and the element path, e.g.
``iati-activity[GB-1-12345]/transaction[2]/value/@value-date``, with the source line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from lxml import etree

from solidarity.assistance.exchange import codelists
from solidarity.assistance.exchange.records import ExchangeFlow, ItemLine, Party, Share
from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reference.currencies import ecb_rate_to_usd, find_currency

SOLIDARITY_NS = "https://solidarity.example/iati-extension/1"
"""Namespace of the extension elements that carry what IATI cannot hold (in-kind quantities ...)."""

PLAUSIBLE_MAX_USD = Decimal(10_000_000_000)
_PROLOG_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")

UsdRate = Callable[[str, dt.date], Decimal | None]


@dataclass(frozen=True)
class XmlLimits:
    """Caps on what one XML file may cost: bytes read and element nesting."""

    max_bytes: int = 4 * 1024**3
    max_depth: int = 40


@dataclass
class IatiStats:
    """What a read saw, for the import report."""

    activities: int = 0
    transactions: int = 0
    rejected: int = 0
    skipped: int = 0
    flagged_keys: set[str] = field(default_factory=set)


class _GuardedStream:
    """Passes bytes to the parser, counting them and refusing a DTD before the root element."""

    def __init__(self, stream: BinaryIO, name: str, limits: XmlLimits) -> None:
        self._stream = stream
        self._name = name
        self._limits = limits
        self._read = 0
        self._prolog = b""
        self._in_prolog = True

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size if size and size > 0 else 1 << 16)
        self._read += len(chunk)
        if self._read > self._limits.max_bytes:
            raise Invalid(
                f"{self._name}: larger than the {self._limits.max_bytes} bytes an XML import may read",
                details=[_detail(self._name, None, None, str(self._read), "file too large")],
            )
        if self._in_prolog:
            self._check_prolog(chunk)
        return chunk

    def _check_prolog(self, chunk: bytes) -> None:
        self._prolog = (self._prolog + chunk)[-(1 << 20) :]
        start = _ELEMENT_START.search(self._prolog)
        head = self._prolog if start is None else self._prolog[: start.start()]
        found = _PROLOG_DECLARATION.search(head)
        if found is not None:
            line = head[: found.start()].count(b"\n") + 1
            raise _refused(self._name, line)
        if start is not None:
            self._in_prolog = False
            self._prolog = b""


def _refused(name: str, line: int | None) -> Invalid:
    reason = "document type and entity declarations are refused (entity expansion, external entities)"
    return Invalid(f"{name}: line {line}: {reason}", details=[_detail(name, line, "DOCTYPE", None, reason)])


def _detail(file: str, line: int | None, field: str | None, value: str | None, reason: str) -> dict[str, object]:
    return {"file": file, "line": line, "field": field, "value": value, "reason": reason, "severity": "error"}


def read_iati(
    stream: BinaryIO,
    problems: Problems,
    *,
    limits: XmlLimits | None = None,
    stats: IatiStats | None = None,
    usd_rate: UsdRate | None = None,
) -> Iterator[ExchangeFlow]:
    """Yield the flows of an ``iati-activities`` file, reporting each problem to ``problems``.

    Malformed XML, a DTD, a file over the size limit or elements nested past the depth limit raise
    ``Invalid`` at once (the file cannot be trusted past that point). A transaction with a problem
    is not yielded; an activity-level problem (no identifier, an unknown code) rejects all of its
    transactions. ``usd_rate`` (default: ECB rates) is used only for the 10-billion plausibility flag.
    """
    limits = limits or XmlLimits()
    stats = stats if stats is not None else IatiStats()
    rate = usd_rate or _ecb_rate
    guarded = _GuardedStream(stream, problems.file, limits)
    # Only the end of each activity is an event: far fewer Python round trips than start and end of
    # every element. Depth is checked per activity with one compiled XPath; libxml2 caps the rest.
    parser = etree.iterparse(
        guarded,
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    too_deep = etree.XPath(f"({'/'.join(['*'] * (limits.max_depth - 1))})[1]")
    root: etree._Element | None = None
    position = 0
    try:
        for _, element in parser:
            if root is None:
                root = element.getroottree().getroot()
                _check_root(root, problems.file)
            if element.getparent() is not root:
                continue
            deep = too_deep(element)
            if isinstance(deep, list) and deep:
                line = deep[0].sourceline if isinstance(deep[0], etree._Element) else element.sourceline
                raise Invalid(
                    f"{problems.file}: line {line}: elements nested deeper than {limits.max_depth}",
                    details=[_detail(problems.file, line, None, None, "too deeply nested")],
                )
            position += 1
            stats.activities += 1
            yield from _activity_flows(element, position, problems, stats, rate)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del root[0]
        if root is None and parser.root is not None:
            _check_root(parser.root, problems.file)
    except etree.XMLSyntaxError as error:
        line = error.lineno
        reason = f"malformed XML: {error.msg}"
        raise Invalid(
            f"{problems.file}: line {line}: {reason}", details=[_detail(problems.file, line, None, None, reason)]
        ) from None
    if position == 0:
        problems.add(line=None, field="iati-activities", value=None, reason="no iati-activity in the file")


def _check_root(root: etree._Element, name: str) -> None:
    if root.getroottree().docinfo.doctype:
        raise _refused(name, 1)
    if root.tag != "iati-activities":
        reason = f"not an IATI activities file: the root element is <{root.tag!s}>, not <iati-activities>"
        raise Invalid(f"{name}: {reason}", details=[_detail(name, root.sourceline, str(root.tag), None, reason)])
    version = root.get("version", "")
    if version and not version.startswith("2."):
        reason = "only IATI 2.0x activity files are read"
        raise Invalid(f"{name}: {reason}", details=[_detail(name, root.sourceline, "@version", version, reason)])


def _ecb_rate(currency: str, on: dt.date) -> Decimal | None:
    quote = ecb_rate_to_usd(currency, on)
    return None if quote is None else quote.rate


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    narrative = element.find("narrative")
    text = (narrative.text if narrative is not None else element.text) or ""
    text = " ".join(text.split())
    return text or None


def _party(element: etree._Element | None) -> Party | None:
    if element is None:
        return None
    party = Party(name=_text(element), ref=element.get("ref") or None, type=element.get("type") or None)
    return party if party.name or party.ref or party.type else None


class _Activity:
    """Reads one activity's shared parts; records whether any of them was wrong."""

    def __init__(self, element: etree._Element, position: int, problems: Problems, stats: IatiStats) -> None:
        self.element = element
        self.problems = problems
        self.stats = stats
        self.has_errors = False
        identifier = (element.findtext("iati-identifier") or "").strip()
        self.identifier = identifier
        self.label = f"iati-activity[{identifier or f'#{position}'}]"
        if not identifier:
            self.error(element.find("iati-identifier") or element, "iati-identifier", None, "missing iati-identifier")

    def error(self, element: etree._Element, path: str, value: object, reason: str) -> None:
        self.has_errors = True
        self.problems.add(line=element.sourceline, field=f"{self.label}/{path}", value=value, reason=reason)

    def warning(self, element: etree._Element, path: str, value: object, reason: str) -> None:
        self.problems.warning(line=element.sourceline, field=f"{self.label}/{path}", value=value, reason=reason)

    def date(self, element: etree._Element, attribute: str, path: str) -> dt.date | None:
        text = element.get(attribute)
        if text is None:
            return None
        try:
            return dt.date.fromisoformat(text.strip()[:10])
        except ValueError:
            self.error(element, f"{path}/@{attribute}", text, "not a date (YYYY-MM-DD)")
            return None

    def percentage(self, element: etree._Element, path: str) -> Decimal | None:
        text = element.get("percentage")
        if text is None:
            return None
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or not 0 <= value <= 100:
            self.error(element, f"{path}/@percentage", text, "not a percentage between 0 and 100")
            return None
        return value

    def shares(self, parent: etree._Element, tag: str, prefix: str) -> tuple[Share, ...]:
        shares = []
        for n, element in enumerate(parent.findall(tag), 1):
            path = f"{prefix}{tag}[{n}]"
            code = (element.get("code") or "").strip()
            if not code:
                self.error(element, f"{path}/@code", None, "missing code")
                continue
            vocabulary = element.get("vocabulary") or None
            shares.append(Share(code, self.percentage(element, path), vocabulary, _text(element)))
        return tuple(shares)

    def sectors(self, parent: etree._Element, prefix: str) -> tuple[Share, ...]:
        sectors = []
        for n, element in enumerate(parent.findall("sector"), 1):
            path = f"{prefix}sector[{n}]"
            vocabulary = element.get("vocabulary") or "1"
            code = (element.get("code") or "").strip()
            if vocabulary not in codelists.SECTOR_VOCABULARIES:
                self.error(element, f"{path}/@vocabulary", vocabulary, "unknown sector vocabulary")
            elif not codelists.is_known_sector(vocabulary, code):
                self.error(element, f"{path}/@code", code, f"unknown code in sector vocabulary {vocabulary}")
            elif vocabulary in codelists.MAPPED_SECTOR_VOCABULARIES:
                sectors.append(Share(code, self.percentage(element, path), vocabulary, _text(element)))
        return tuple(sectors)

    def code(self, parent: etree._Element, tag: str, prefix: str, known: frozenset[str]) -> str | None:
        element = parent.find(tag)
        if element is None:
            return None
        code = (element.get("code") or "").strip()
        if code not in known:
            self.error(element, f"{prefix}{tag}/@code", code, f"unknown {tag.removeprefix('default-')} code")
            return None
        return code

    def aid_type(self, parent: etree._Element, tag: str, prefix: str) -> str | None:
        chosen = None
        for n, element in enumerate(parent.findall(tag), 1):
            vocabulary = element.get("vocabulary") or "1"
            code = (element.get("code") or "").strip()
            if not codelists.is_known_aid_type(vocabulary, code):
                reason = f"unknown aid-type code (vocabulary {vocabulary})"
                self.error(element, f"{prefix}{tag}[{n}]/@code", code, reason)
            elif vocabulary == "1" and chosen is None:
                chosen = code
        return chosen


def _activity_flows(
    element: etree._Element, position: int, problems: Problems, stats: IatiStats, rate: UsdRate
) -> Iterator[ExchangeFlow]:
    activity = _Activity(element, position, problems, stats)
    reporting = _party(element.find("reporting-org"))
    roles: dict[str, Party] = {}
    for n, org in enumerate(element.findall("participating-org"), 1):
        role = (org.get("role") or "").strip()
        if role not in codelists.ORGANISATION_ROLES:
            activity.error(org, f"participating-org[{n}]/@role", role, "unknown organisation role")
            continue
        party = _party(org)
        if party is not None:
            roles.setdefault(role, party)
    start = None
    for date_element in element.findall("activity-date"):
        if date_element.get("type") in ("1", "2"):
            day = activity.date(date_element, "iso-date", "activity-date")
            if day is not None and (date_element.get("type") == "2" or start is None):
                start = day
    countries = activity.shares(element, "recipient-country", "")
    regions = activity.shares(element, "recipient-region", "")
    sectors = activity.sectors(element, "")
    emergencies: list[str] = []
    appeals: list[str] = []
    for n, scope in enumerate(element.findall("humanitarian-scope"), 1):
        kind = scope.get("type", "")
        code = (scope.get("code") or "").strip()
        if kind not in codelists.HUMANITARIAN_SCOPE_TYPES:
            activity.error(scope, f"humanitarian-scope[{n}]/@type", kind, "unknown humanitarian scope type")
        elif code:
            (emergencies if kind == "1" else appeals).append(code)
    default_aid = activity.aid_type(element, "default-aid-type", "")
    default_finance = activity.code(element, "default-finance-type", "", codelists.FINANCE_TYPES)
    default_flow = activity.code(element, "default-flow-type", "", codelists.FLOW_TYPES)
    default_currency = element.get("default-currency")
    is_humanitarian = _boolean(element.get("humanitarian"))
    title = _text(element.find("title"))
    description = _text(element.find("description")) or title or ""
    flows: list[ExchangeFlow] = []
    refs: set[str] = set()
    for n, transaction in enumerate(element.findall("transaction"), 1):
        stats.transactions += 1
        flow = _transaction_flow(
            activity,
            transaction,
            n,
            refs,
            defaults=_Defaults(
                currency=default_currency,
                aid_type=default_aid,
                finance_type=default_finance,
                flow_type=default_flow,
                is_humanitarian=is_humanitarian,
                countries=countries,
                regions=regions,
                sectors=sectors,
                description=description,
                reporting=reporting,
                roles=roles,
                start=start,
                title=title,
                emergencies=tuple(emergencies),
                appeals=tuple(appeals),
            ),
            rate=rate,
        )
        if flow is not None:
            flows.append(flow)
    if activity.has_errors:
        # One wrong part makes the whole activity doubtful: none of its flows is half-taken.
        stats.rejected += max(1, len(flows))
        return
    yield from flows


@dataclass(frozen=True)
class _Defaults:
    currency: str | None
    aid_type: str | None
    finance_type: str | None
    flow_type: str | None
    is_humanitarian: bool | None
    countries: tuple[Share, ...]
    regions: tuple[Share, ...]
    sectors: tuple[Share, ...]
    description: str
    reporting: Party | None
    roles: dict[str, Party]
    start: dt.date | None
    title: str | None
    emergencies: tuple[str, ...]
    appeals: tuple[str, ...]


def _boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() in ("1", "true")


def _transaction_flow(
    activity: _Activity,
    tx: etree._Element,
    n: int,
    refs: set[str],
    *,
    defaults: _Defaults,
    rate: UsdRate,
) -> ExchangeFlow | None:
    path = f"transaction[{n}]"
    type_element = tx.find("transaction-type")
    type_code = "" if type_element is None else (type_element.get("code") or "").strip()
    if type_code in codelists.UNRECORDED_TRANSACTION_TYPES:
        activity.stats.skipped += 1
        name = codelists.UNRECORDED_TRANSACTION_TYPES[type_code]
        activity.warning(tx, f"{path}/transaction-type/@code", type_code, f"{name} is not an assistance flow; skipped")
        return None
    if type_code not in codelists.TRANSACTION_STAGES:
        where = type_element if type_element is not None else tx
        activity.error(where, f"{path}/transaction-type/@code", type_code or None, "unknown transaction type")
        return None
    stage, direction = codelists.TRANSACTION_STAGES[type_code]
    value = tx.find("value")
    if value is None:
        activity.error(tx, f"{path}/value", None, "transaction without a value")
        return None
    amount = _amount(activity, value, f"{path}/value")
    if "value-date" not in value.attrib:
        activity.error(value, f"{path}/value/@value-date", None, "transaction without a value date")
        return None
    value_date = activity.date(value, "value-date", f"{path}/value")
    currency = (value.get("currency") or defaults.currency or "").strip().upper()
    if not currency:
        activity.error(value, f"{path}/value/@currency", None, "no currency and no default-currency")
    elif find_currency(currency) is None:
        activity.error(value, f"{path}/value/@currency", currency, "unknown currency")
    date_element = tx.find("transaction-date")
    transaction_date = (
        None if date_element is None else activity.date(date_element, "iso-date", f"{path}/transaction-date")
    )
    provider_element, receiver_element = tx.find("provider-org"), tx.find("receiver-org")
    provider, receiver = _party(provider_element), _party(receiver_element)
    if direction == "outgoing":
        provider = provider or defaults.roles.get("3") or defaults.reporting
        receiver = receiver or defaults.roles.get("4")
    else:
        provider = provider or defaults.roles.get("1")
        receiver = receiver or defaults.reporting
    countries = activity.shares(tx, "recipient-country", f"{path}/") or defaults.countries
    regions = activity.shares(tx, "recipient-region", f"{path}/") or defaults.regions
    sectors = activity.sectors(tx, f"{path}/") or defaults.sectors
    aid_type = activity.aid_type(tx, "aid-type", f"{path}/") or defaults.aid_type
    finance_type = activity.code(tx, "finance-type", f"{path}/", codelists.FINANCE_TYPES) or defaults.finance_type
    flow_type = activity.code(tx, "flow-type", f"{path}/", codelists.FLOW_TYPES) or defaults.flow_type
    humanitarian = _boolean(tx.get("humanitarian"))
    if amount is None:
        return None
    ref = tx.get("ref") or None
    key_part = ref if ref and ref not in refs else str(n)
    if ref:
        refs.add(ref)
    flow = ExchangeFlow(
        source="iati",
        key=f"{activity.identifier}#{key_part}",
        stage=stage,
        boundary=direction,
        on_boundary=_on_boundary(countries, regions),
        transaction_ref=ref,
        provider=provider,
        receiver=receiver,
        countries=countries,
        regions=regions,
        sectors=sectors,
        amount=amount,
        currency=currency or None,
        value_date=value_date,
        transaction_date=transaction_date,
        is_humanitarian=humanitarian if humanitarian is not None else defaults.is_humanitarian,
        aid_type=aid_type,
        finance_type=finance_type,
        flow_type=flow_type,
        transaction_type=type_code,
        provider_activity_id=None if provider_element is None else provider_element.get("provider-activity-id"),
        receiver_activity_id=None if receiver_element is None else receiver_element.get("receiver-activity-id"),
        description=_text(tx.find("description")) or defaults.description,
        items=_items(activity, tx, path),
        line=tx.sourceline,
        path=f"{activity.label}/{path}",
        iati_identifier=activity.identifier or None,
        title=defaults.title,
        reporting_org=defaults.reporting,
        emergency_codes=defaults.emergencies,
        appeal_codes=defaults.appeals,
    )
    extension = tx.find(f"{{{SOLIDARITY_NS}}}flow")
    if extension is not None:
        flow = _with_extension(flow, extension, tx)
    _flag(activity, tx, path, flow, defaults.start, rate)
    return flow


def _on_boundary(countries: tuple[Share, ...], regions: tuple[Share, ...]) -> str:
    return "shared" if len(countries) + len(regions) > 1 else "single"


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _amount(activity: _Activity, value: etree._Element, path: str) -> Decimal | None:
    text = (value.text or "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        activity.error(value, path, text, "not a number")
        return None
    return amount


def _with_extension(flow: ExchangeFlow, element: etree._Element, tx: etree._Element) -> ExchangeFlow:
    """Restore what a Solidarity export kept beside the IATI elements: its attributes are authoritative."""
    ext = {str(k): str(v) for k, v in element.attrib.items()}
    shares: dict[str, list[Share]] = {"country": [], "region": [], "sector": []}
    for share in tx.findall(f"{{{SOLIDARITY_NS}}}share"):
        shares.setdefault(share.get("kind", ""), []).append(
            Share(
                code=share.get("code", ""),
                percentage=_decimal(share.get("percentage")),
                vocabulary=share.get("vocabulary"),
                name=share.get("name"),
            )
        )
    return replace(
        flow,
        source=ext.get("source", flow.source),
        key=ext.get("key", flow.key),
        stage=ext.get("stage", flow.stage),
        boundary=ext.get("boundary", flow.boundary),
        on_boundary=ext.get("on-boundary", flow.on_boundary),
        iati_identifier=ext.get("iati-identifier"),
        transaction_type=ext.get("transaction-type"),
        title=ext.get("title"),
        aid_type=ext.get("aid-type"),
        finance_type=ext.get("finance-type"),
        flow_type=ext.get("flow-type"),
        reporting_org=None if ext.get("no-reporting-org") == "1" else flow.reporting_org,
        transaction_date=None if ext.get("no-transaction-date") == "1" else flow.transaction_date,
        amount=None if ext.get("no-amount") == "1" else flow.amount,
        currency=None if ext.get("no-amount") == "1" else flow.currency,
        countries=tuple(shares["country"]),
        regions=tuple(shares["region"]),
        sectors=tuple(shares["sector"]),
        emergency_codes=_codes(ext.get("emergency-codes")),
        appeal_codes=_codes(ext.get("appeal-codes")),
        amount_usd=_decimal(ext.get("amount-usd")),
        usd_rate=_decimal(ext.get("usd-rate")),
        fts_flow_id=ext.get("fts-flow-id"),
        parent_flow_id=ext.get("parent-flow-id"),
        child_flow_ids=_codes(ext.get("child-flow-ids")),
        usage_years=tuple(int(y) for y in ext.get("usage-years", "").split() if y.isdigit()),
        is_new_money=_boolean(ext.get("new-money")),
        contribution_type=ext.get("contribution-type"),
        description=_text(tx.find("description")) or "",
    )


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split("|") if code)


def _items(activity: _Activity, tx: etree._Element, path: str) -> tuple[ItemLine, ...]:
    items = []
    for n, element in enumerate(tx.findall(f"{{{SOLIDARITY_NS}}}item"), 1):
        quantity_text = element.get("quantity", "")
        if not quantity_text.isdigit() or int(quantity_text) <= 0:
            activity.error(element, f"{path}/sol:item[{n}]/@quantity", quantity_text, "not a positive whole quantity")
            continue
        items.append(
            ItemLine(
                item=element.get("code", ""),
                quantity=int(quantity_text),
                unit=element.get("unit") or None,
                unit_value=_decimal(element.get("unit-value")),
                value_currency=element.get("currency") or None,
            )
        )
    return tuple(items)


def _flag(
    activity: _Activity, tx: etree._Element, path: str, flow: ExchangeFlow, start: dt.date | None, rate: UsdRate
) -> None:
    if flow.value_date is not None and start is not None and flow.value_date < start:
        activity.stats.flagged_keys.add(flow.key)
        activity.warning(tx, f"{path}/value/@value-date", flow.value_date, f"before the activity starts ({start})")
    # A currency unit is worth at most a few USD, so only large amounts need a rate look-up.
    if flow.amount is None or flow.amount < PLAUSIBLE_MAX_USD / 5 or flow.currency is None:
        return
    usd = flow.amount_usd
    if usd is None and flow.value_date is not None:
        per_unit = Decimal(1) if flow.currency == "USD" else rate(flow.currency, flow.value_date)
        usd = None if per_unit is None else flow.amount * per_unit
    if usd is not None and usd > PLAUSIBLE_MAX_USD:
        activity.stats.flagged_keys.add(flow.key)
        activity.warning(tx, f"{path}/value", flow.amount, "a single transaction above 10 billion USD")
