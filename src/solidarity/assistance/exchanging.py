"""Files in and out of the ledger (its own CSV, IATI, OCHA FTS and HXL), through the ledger's own verbs.

``import_file`` and ``export_flows`` are the one way in and out for the CLI and the API: they take a
format (``auto`` detects it) and hand the ledger CSV to ``importing``, the rest to the code below.

Each file is read into neutral ``ExchangeFlow`` records (``assistance.exchange``), then each record
becomes a ``FlowCreate`` for ``ledger.record_flow``: organisations are resolved through the partners
registry (by their IATI or FTS reference, then their name) and registered when unknown, with the
reference kept as an alias; countries go through ``reference.countries``; USD comes from the
ledger's rates, except for FTS flows, whose ``amountUSD`` is what FTS counts and is kept as the USD
amount. A flow's ``ref`` is its exchange key (``<iati-identifier>#<transaction>``, ``fts:<id>``), so
importing a file twice changes nothing the second time. Transfers that IATI reports at both ends are
recorded once; pass-through flows get the transfer that funded them as parent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.assistance import importing, ledger, reports
from solidarity.assistance.counting import PAID_STAGES, countable
from solidarity.assistance.exchange import codelists, fts, hxl
from solidarity.assistance.exchange.iati_read import IatiStats, read_iati
from solidarity.assistance.exchange.iati_write import write_iati
from solidarity.assistance.exchange.records import ExchangeFlow, ItemLine, Party, Share, link_chains
from solidarity.assistance.models import FlowVersion
from solidarity.assistance.schemas import FlowCreate, ItemLineIn, RecipientIn, SourceIn
from solidarity.assistance.totals import batched
from solidarity.errors import Conflict, Invalid, SolidarityError
from solidarity.imports import ImportReport, OnError, Problems
from solidarity.partners import service as partners
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from solidarity.reference.countries import find_country

FORMATS = ("iati", "fts", "hxl")
HUNDRED = Decimal(100)

_IATI_ORG_TYPES = {
    "10": OrganisationType.GOVERNMENT,
    "11": OrganisationType.GOVERNMENT_AGENCY,
    "15": OrganisationType.GOVERNMENT_AGENCY,
    "21": OrganisationType.NGO,
    "22": OrganisationType.NGO,
    "23": OrganisationType.NGO,
    "24": OrganisationType.NGO,
    "30": OrganisationType.NGO,
    "40": OrganisationType.MULTILATERAL,
    "60": OrganisationType.NGO,
    "70": OrganisationType.PRIVATE_COMPANY,
    "71": OrganisationType.PRIVATE_COMPANY,
    "72": OrganisationType.PRIVATE_COMPANY,
    "73": OrganisationType.PRIVATE_COMPANY,
    "80": OrganisationType.ACADEMIC,
}
_FTS_ORG_TYPES = {
    "Government": OrganisationType.GOVERNMENT,
    "UN Agencies": OrganisationType.UN_AGENCY,
    "Multilateral Organizations": OrganisationType.MULTILATERAL,
    "Pooled Funds": OrganisationType.MULTILATERAL,
    "NGOs": OrganisationType.NGO,
    "Red Cross/Red Crescent": OrganisationType.NGO,
    "Private Organizations": OrganisationType.PRIVATE_COMPANY,
}


IMPORT_FORMATS = ("csv", *FORMATS)


def detect_format(name: str, head: bytes) -> str:
    """``iati``, ``fts``, ``hxl`` or ``csv`` (the ledger's own CSV) from the file name and first bytes.

    >>> detect_format("a.xml", b"")
    'iati'
    >>> detect_format("page.json", b'{"data": {"flows": []}}')
    'fts'
    >>> detect_format("3w.csv", b"Donor,Country\\n#org+funder,#country+code\\n")
    'hxl'
    >>> detect_format("flows.csv", b"ref,provider\\nx-1,#12\\n")
    'csv'
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = name.lower()
    if lower.endswith(".xml") or text.startswith(b"<"):
        return "iati"
    if lower.endswith(".json") or text.startswith((b"{", b"[")):
        return "fts"
    rows = list(csv.reader(io.StringIO(head.decode("utf-8", errors="replace"))))
    complete = rows if head.endswith((b"\n", b"\r")) else rows[:-1] or rows  # a cut last row may mislead
    if hxl.find_hashtag_row(complete) is not None:
        return "hxl"
    return "csv"


def resolve_format(path: Path, fmt: str, name: str = "") -> str:
    """The format to read ``path`` as: ``fmt`` itself, or the detected one for ``auto``."""
    if fmt == "auto":
        with path.open("rb") as stream:
            return detect_format(name or path.name, stream.read(8192))
    if fmt not in IMPORT_FORMATS:
        choices = ", ".join(("auto", *IMPORT_FORMATS))
        raise Invalid(f"Format {fmt!r}: use one of {choices}", details=[{"field": "format", "value": fmt}])
    return fmt


def import_file(
    session: Session,
    actor: Actor,
    path: Path,
    fmt: str = "auto",
    *,
    on_error: OnError = OnError.ERROR_FIRST,
    name: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str, ImportReport]:
    """Import one file of any format into the ledger: ``(format read, report)``.

    The ledger CSV goes through ``importing.import_csv`` (``progress`` is called per row); IATI, FTS
    and HXL through ``import_exchange``. Raises ``Invalid`` as they do; nothing is written then.
    """
    fmt = resolve_format(path, fmt, name)
    if fmt == "csv":
        text = path.read_text(encoding="utf-8-sig")
        return fmt, importing.import_csv(session, actor, text, name or path.name, on_error=on_error, progress=progress)
    return fmt, import_exchange(session, actor, path, fmt, on_error=on_error, name=name)


def import_summary(reports: Sequence[tuple[str, ImportReport]]) -> dict[str, Any]:
    """What an import of several files reports: totals (``read``, ``accepted``, ``unchanged``,
    ``rejected``, ``flagged``), every problem, and one entry per file."""
    return {
        "read": sum(r.rows_read for _, r in reports),
        "accepted": sum(r.accepted for _, r in reports),
        "unchanged": sum(r.unchanged for _, r in reports),
        "rejected": sum(r.rejected for _, r in reports),
        "flagged": sum(r.flagged for _, r in reports),
        "problems": [p for _, r in reports for p in r.problems],
        "files": [
            {
                "file": r.file,
                "format": fmt,
                "read": r.rows_read,
                "accepted": r.accepted,
                "unchanged": r.unchanged,
                "rejected": r.rejected,
                "flagged": r.flagged,
            }
            for fmt, r in reports
        ],
    }


@dataclass
class _Batch:
    flows: list[ExchangeFlow]
    read: int
    rejected: int
    flagged: set[str]


def read_file(path: Path, fmt: str, problems: Problems) -> _Batch:
    """The flows of one exchange file, with what the reader counted."""
    if fmt == "iati":
        stats = IatiStats()
        with path.open("rb") as stream:
            flows = list(read_iati(stream, problems, stats=stats))
        return _Batch(flows, stats.activities, stats.rejected, stats.flagged_keys)
    if fmt == "fts":
        pages = fts.read_fts_files([path], problems)
        return _Batch(pages.flows, len(pages.flows) + problems.error_count, problems.error_count, set())
    with path.open(encoding="utf-8-sig", newline="") as stream:
        flows = list(hxl.read_flows(stream, problems))
    return _Batch(flows, len(flows) + problems.error_count, problems.error_count, set())


def import_exchange(
    session: Session, actor: Actor, path: Path, fmt: str, *, on_error: OnError = OnError.ERROR_FIRST, name: str = ""
) -> ImportReport:
    """Import an IATI, FTS or HXL file into the ledger; returns the report (``read`` counts activities
    for IATI, flows otherwise).

    Raises ``Invalid`` for a file that cannot be read, or (in the error modes) listing every bad
    record; then nothing is written (the caller's transaction rolls back).
    """
    if fmt not in FORMATS:
        raise Invalid(f"Format {fmt!r}: use one of {', '.join(FORMATS)}", details=[{"field": "format", "value": fmt}])
    filename = name or path.name
    problems = Problems(filename, on_error)
    batch = read_file(path, fmt, problems)
    report = ImportReport(file=filename, rows_read=batch.read, rejected=batch.rejected)
    links = link_chains(batch.flows)
    ids: dict[str, int] = {}
    pending = [f for f in batch.flows if f.key not in links.mirrors]
    report.unchanged += len(batch.flows) - len(pending)
    with batched(session):  # the report totals of the whole file, written once
        while pending:
            # Parents first: a flow waits until the flow it passes on has an id (or is known to be absent).
            keys = {f.key for f in pending}
            ready = [f for f in pending if _parent_key(f, links.parents) not in keys]
            if not ready:
                ready = pending
            for flow in ready:
                _import_one(session, actor, flow, fmt, filename, links.parents, ids, problems, report)
            pending = [f for f in pending if f not in ready]
    report.flagged = len(batch.flagged)
    problems.raise_if_failed()
    report.problems = problems.listed()
    return report


def _parent_key(flow: ExchangeFlow, parents: dict[str, str]) -> str | None:
    if flow.key in parents:
        return parents[flow.key]
    if flow.parent_flow_id:
        return f"fts:{flow.parent_flow_id}" if flow.source == "fts" else flow.parent_flow_id
    return None


def _import_one(
    session: Session,
    actor: Actor,
    flow: ExchangeFlow,
    fmt: str,
    filename: str,
    parents: dict[str, str],
    ids: dict[str, int],
    problems: Problems,
    report: ImportReport,
) -> None:
    try:
        parent_key = _parent_key(flow, parents)
        data = to_flow_create(session, actor, flow, fmt, filename, parent_id=ids.get(parent_key or ""))
        ids[flow.key] = ledger.record_flow(session, actor, data).flow_id
        report.accepted += 1
    except Conflict as exc:
        existing = exc.details.get("existing_id") if isinstance(exc.details, dict) else None
        if isinstance(existing, int):
            ids[flow.key] = existing
            report.unchanged += 1
            return
        report.rejected += 1
        problems.add(line=flow.line, field=flow.path, value=flow.key, reason=exc.message)
    except SolidarityError as exc:
        report.rejected += 1
        detail = exc.details[0] if isinstance(exc.details, list) and exc.details else {}
        field = f"{flow.path or flow.key}: {detail.get('field')}" if detail.get("field") else flow.path
        problems.add(line=flow.line, field=field, value=detail.get("value"), reason=exc.message)


def _organisation(session: Session, actor: Actor, party: Party | None) -> str | None:
    """The registry id of an organisation named by a file: by reference, then name; registered if new."""
    if party is None or not (party.name or party.ref):
        return None
    for text in (party.ref, party.name):
        if text:
            try:
                return str(partners.resolve_organisation(session, text).id)
            except SolidarityError:
                continue
    name = party.name or party.ref or ""
    kind = _IATI_ORG_TYPES.get(party.type or "") or _FTS_ORG_TYPES.get(party.type or "") or OrganisationType.NGO
    aliases = [party.ref] if party.ref and party.ref != name and not party.ref.isdigit() else []
    created = partners.create_organisation(
        session, actor, OrganisationCreate(name=name, type=kind, aliases=aliases, acronym=None)
    )
    return str(created.id)


def _recipients(flow: ExchangeFlow) -> list[RecipientIn]:
    places: list[tuple[str | None, str | None, Decimal | None]] = []
    for share in flow.countries:
        country = find_country(share.code)
        if country is None:
            raise Invalid(
                f"Unknown recipient country {share.code!r}",
                details=[{"field": "recipient-country", "value": share.code, "reason": "unknown country"}],
            )
        places.append((country.alpha2, None, share.percentage))
    places.extend((None, share.code, share.percentage) for share in flow.regions)
    if not places:
        return []
    if any(p is None for _, _, p in places):
        even = (HUNDRED / len(places)).quantize(Decimal("0.01"))
        shares = [even] * (len(places) - 1) + [HUNDRED - even * (len(places) - 1)]
    else:
        shares = [p or Decimal(0) for _, _, p in places]
    return [RecipientIn(country=c, region=r, percentage=s) for (c, r, _), s in zip(places, shares, strict=True)]


def _first(shares: Sequence[Share], vocabularies: Iterable[str]) -> Share | None:
    wanted = set(vocabularies)
    return next((s for s in shares if (s.vocabulary or "1") in wanted), None)


def _flow_date(flow: ExchangeFlow) -> dt.date:
    day = flow.value_date or flow.transaction_date
    if day is None:
        raise Invalid("A flow needs a date", details=[{"field": "date", "value": None, "reason": "no date"}])
    # FTS counts a flow in its usage year, not on its date.
    if len(flow.usage_years) == 1 and day.year != flow.usage_years[0]:
        return dt.date(flow.usage_years[0], 1, 1)
    return day


def to_flow_create(
    session: Session, actor: Actor, flow: ExchangeFlow, fmt: str, filename: str, *, parent_id: int | None
) -> FlowCreate:
    """The ledger's shape of one exchanged flow (organisations resolved or registered on the way)."""
    provider = _organisation(session, actor, flow.provider or flow.reporting_org)
    if provider is None:
        raise Invalid("A flow needs a provider", details=[{"field": "provider", "value": None, "reason": "missing"}])
    receiver = _organisation(session, actor, flow.receiver)
    receiver_type = (flow.receiver.type if flow.receiver else None) or ""
    provider_type = (flow.provider.type if flow.provider else None) or ""
    channel = "bilateral"
    if _IATI_ORG_TYPES.get(receiver_type) is OrganisationType.MULTILATERAL or receiver_type in (
        "UN Agencies",
        "Multilateral Organizations",
        "Pooled Funds",
    ):
        channel = "multilateral"
    elif _IATI_ORG_TYPES.get(provider_type) is OrganisationType.PRIVATE_COMPANY:
        channel = "private"
    dac = _first(flow.sectors, ["1"])
    cluster = _first(flow.sectors, ["10", "fts-global-cluster"])
    amount, currency = flow.amount, flow.currency
    if fmt == "fts" and flow.amount_usd is not None:
        amount, currency = flow.amount_usd, "USD"
    where = flow.path or (f"line {flow.line}" if flow.line else flow.key)
    original = f"; original {flow.amount} {flow.currency}" if fmt == "fts" and flow.currency != "USD" else ""
    description = flow.description or flow.title or f"{flow.stage} {flow.key}"
    return FlowCreate(
        ref=flow.key[:120],
        provider=provider,
        receiver=receiver,
        recipients=_recipients(flow),
        channel=channel,
        modality="in-kind" if flow.items else "financial",
        terms="loan" if (flow.finance_type or "").startswith("4") else "grant",
        stage=flow.stage,
        boundary=flow.on_boundary,
        is_new_money=flow.is_new_money if flow.is_new_money is not None else True,
        is_internal=flow.boundary == "internal",
        flow_date=_flow_date(flow),
        amount=amount,
        currency=currency if amount is not None else None,
        items=[
            ItemLineIn(
                item=i.item,
                quantity=i.quantity,
                unit=i.unit,
                valuation="declared" if i.unit_value is not None else "none",
                unit_value=i.unit_value,
                value_currency=i.value_currency,
            )
            for i in flow.items
        ],
        sources=[SourceIn(citation=f"{fmt.upper()} file {filename}, {where}{original}"[:1000])],
        parent_flow_id=parent_id,
        emergency_code=flow.emergency_codes[0][:40] if flow.emergency_codes else None,
        sector_dac=dac.code if dac and len(dac.code) == 5 else None,
        cluster=(codelists.GLOBAL_CLUSTERS.get(cluster.code, cluster.code)[:40] if cluster else None),
        description=(description if len(description) >= 3 else f"{description} ({flow.key})")[:4000],
        iati_identifier=flow.iati_identifier,
        transaction_type=flow.transaction_type,
        aid_type=flow.aid_type,
        finance_type=flow.finance_type,
        flow_type=flow.flow_type,
        humanitarian_scope=flow.appeal_codes[0] if flow.appeal_codes else None,
    )


@dataclass(frozen=True)
class ExchangeTotals:
    """The totals FTS publishes, from the ledger: incoming funding (commitments and payments on a
    single boundary, children of counted parents and internal flows left out), and per stage."""

    incoming_usd: Decimal
    incoming_flows: int
    internal_flows: int
    pledged_usd: Decimal
    committed_usd: Decimal
    paid_usd: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def totals(
    session: Session, *, recipient: str | None = None, provider: str | None = None, year: int | None = None
) -> ExchangeTotals:
    """Totals of the current flows for a recipient country, a provider and a year (all optional)."""
    start = dt.date(year, 1, 1) if year else None
    end = dt.date(year, 12, 31) if year else None
    filters = ledger.make_filters(session, start=start, end=end, provider=provider, recipient=recipient)
    records = reports.records(session, filters)
    internal = sum(1 for r in records if r.is_internal)
    single = countable(records, single_boundary=True)

    def usd(stages: Iterable[str]) -> Decimal:
        wanted = set(stages)
        return sum((r.amount_usd or Decimal(0) for r in single if r.stage in wanted), Decimal(0))

    funded = [r for r in single if r.stage != "pledge"]
    return ExchangeTotals(
        incoming_usd=sum((r.amount_usd or Decimal(0) for r in funded), Decimal(0)),
        incoming_flows=len(funded),
        internal_flows=internal,
        pledged_usd=usd(["pledge"]),
        committed_usd=usd(["commitment"]),
        paid_usd=usd(PAID_STAGES),
    )


# --- export ----------------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "iati", "hxl", "3w")
_IATI_TYPE_OF = {
    OrganisationType.GOVERNMENT: "10",
    OrganisationType.GOVERNMENT_AGENCY: "10",
    OrganisationType.MULTILATERAL: "40",
    OrganisationType.UN_AGENCY: "40",
    OrganisationType.REGIONAL_ORGANISATION: "40",
    OrganisationType.NGO: "21",
    OrganisationType.NETWORK: "21",
    OrganisationType.PRIVATE_COMPANY: "70",
    OrganisationType.ACADEMIC: "80",
    OrganisationType.HOSPITAL: "80",
}
_CLUSTER_CODES = {name: code for code, name in codelists.GLOBAL_CLUSTERS.items()}


def _party(session: Session, org_id: int | None, cache: dict[int, Party]) -> Party | None:
    if org_id is None:
        return None
    if org_id not in cache:
        org = partners.get_organisation(session, org_id)
        cache[org_id] = Party(name=org.name, type=_IATI_TYPE_OF.get(org.type))
    return cache[org_id]


def to_exchange_flow(session: Session, v: FlowVersion, cache: dict[int, Party] | None = None) -> ExchangeFlow:
    """The neutral record of a current ledger flow, for the IATI and HXL writers."""
    cache = {} if cache is None else cache
    parent_ref = None
    if v.parent_flow_id is not None:
        parent = ledger.current_version(session, v.parent_flow_id)
        parent_ref = parent.flow.ref or f"ledger:{v.parent_flow_id}"
    sectors = []
    if v.sector_dac:
        sectors.append(Share(v.sector_dac, None, "1"))
    if v.cluster:
        code = _CLUSTER_CODES.get(v.cluster)
        sectors.append(Share(code, None, "10") if code else Share(v.cluster, None, "fts-global-cluster"))
    return ExchangeFlow(
        source="ledger",
        key=v.flow.ref or f"ledger:{v.flow_id}",
        stage=v.stage.value,
        boundary="internal" if v.is_internal else "outgoing",
        on_boundary=v.boundary.value,
        iati_identifier=v.iati_identifier,
        transaction_type=v.transaction_type,
        reporting_org=_party(session, v.reporter_id, cache),
        provider=_party(session, v.provider_id, cache),
        receiver=_party(session, v.receiver_id, cache),
        countries=tuple(Share(r.country_code, r.percentage) for r in v.recipients if r.country_code),
        regions=tuple(Share(r.region, r.percentage) for r in v.recipients if r.region and not r.country_code),
        sectors=tuple(sectors),
        amount=v.amount,
        currency=v.currency,
        value_date=v.flow_date,
        amount_usd=v.amount_usd,
        usd_rate=v.usd_rate,
        emergency_codes=(v.emergency_code,) if v.emergency_code else (),
        appeal_codes=(v.humanitarian_scope,) if v.humanitarian_scope else (),
        aid_type=v.aid_type,
        finance_type=v.finance_type,
        flow_type=v.flow_type,
        parent_flow_id=parent_ref,
        is_new_money=v.is_new_money,
        description=v.description,
        items=tuple(ItemLine(i.item_code, i.quantity, i.unit_code, i.unit_value, i.value_currency) for i in v.items),
    )


def exchange_flows(session: Session, filters: ledger.Filters) -> list[ExchangeFlow]:
    """The current flows under ``filters`` as neutral records, oldest first."""
    versions, _ = ledger.list_flows(session, filters, limit=1_000_000)
    cache: dict[int, Party] = {}
    return [to_exchange_flow(session, v, cache) for v in reversed(versions)]


def export_flows(session: Session, filters: ledger.Filters, fmt: str, stream: BinaryIO) -> int:
    """Write the current flows as the ledger CSV, IATI 2.03 XML, HXL CSV or the HXL 3W table; returns
    flows written."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid(
            f"Format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}", details=[{"field": "format", "value": fmt}]
        )
    if fmt == "iati":
        flows = exchange_flows(session, filters)
        write_iati(flows, stream)
        return len(flows)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
    try:
        if fmt == "csv":
            return importing.write_csv(importing.export_rows(session, filters), text)
        return (hxl.write_flows if fmt == "hxl" else hxl.write_3w)(exchange_flows(session, filters), text)
    finally:
        text.flush()
        text.detach()
