"""The assistance ledger over HTTP: flows and their versions, claims, Table 1, reports, pledges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.assistance import service
from solidarity.assistance.schemas import ClaimCreate, FlowCreate, FlowPublic, FlowRevision, FlowRow
from solidarity.errors import Invalid
from solidarity.web.api.listing import PageDep, csv_response, listing
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/assistance", tags=["assistance"])


def filters_dep(
    session: SessionDep,
    start: Annotated[dt.date | None, Query(description="Flows dated on or after")] = None,
    end: Annotated[dt.date | None, Query(description="Flows dated on or before")] = None,
    emergency: str | None = None,
    provider: Annotated[str | None, Query(description="Organisation id, name or acronym (with its parts)")] = None,
    recipient: Annotated[str | None, Query(description="Country code or name")] = None,
    stage: str | None = None,
    channel: str | None = None,
    modality: str | None = None,
    item: Annotated[str | None, Query(description="Catalogue item code: flows with an item line of it")] = None,
    illustrative: Annotated[
        bool | None, Query(description="true: only illustrative flows (not from any source); false: none of them")
    ] = None,
) -> service.Filters:
    return service.make_filters(
        session,
        start=start,
        end=end,
        emergency=emergency,
        provider=provider,
        recipient=recipient,
        stage=stage,
        channel=channel,
        modality=modality,
        item=item,
        illustrative=illustrative,
    )


FiltersDep = Annotated[service.Filters, Depends(filters_dep)]


@router.get("/flows")
def list_flows(session: SessionDep, page: PageDep, filters: FiltersDep) -> Response:
    """Current flows matching the filters, newest first; ``?format=csv`` for all of them."""
    rows, count = service.list_flows(session, filters, limit=page.limit, offset=page.offset)

    def every_row() -> list[FlowRow]:
        return [FlowRow.of(v) for v in service.list_flows(session, filters, limit=max(count, 1))[0]]

    return listing(
        page, filename="assistance-flows.csv", rows=[FlowRow.of(v) for v in rows], count=count, all_rows=every_row
    )


@router.get("/flows/{flow_id}")
def get_flow(flow_id: int, session: SessionDep, version: int | None = None) -> FlowPublic:
    """A flow as it reads now, or in an earlier ``version``."""
    return FlowPublic.of(service.get_version(session, flow_id, version))


@router.get("/flows/{flow_id}/versions")
def flow_versions(flow_id: int, session: SessionDep) -> list[FlowPublic]:
    """Every version of a flow, oldest first."""
    return [FlowPublic.of(v) for v in service.versions(session, flow_id)]


@router.post("/flows", status_code=201)
def record_flow(data: FlowCreate, actor: ActorDep, session: SessionDep) -> FlowPublic:
    """Record a flow your organisation provides or reports (coordinators: any)."""
    return FlowPublic.of(service.record_flow(session, actor, data))


@router.put("/flows/{flow_id}")
def revise_flow(flow_id: int, data: FlowRevision, actor: ActorDep, session: SessionDep) -> FlowPublic:
    """Write a new version of a flow; the old version stays readable."""
    return FlowPublic.of(service.revise_flow(session, actor, flow_id, data.flow, data.reason))


@router.get("/claims")
def list_claims(session: SessionDep) -> list[dict[str, Any]]:
    return [d.as_dict() for d in service.discrepancies(session)]


@router.post("/claims", status_code=201)
def add_claim(data: ClaimCreate, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    """Keep what a source says about a subject; shown beside the ledger with a discrepancy flag."""
    claim = service.add_claim(session, actor, data)
    return {"id": claim.id, "subject": claim.subject, "amount_usd": claim.amount_usd}


ReportFormat = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
TABLE1_CSV = ("category", "text", "item", "quantity", "unit", "usd", "stage", "is_lower_bound", "flow_id", "sources")
REPORT_CSV = ("key", "label", "stage", "usd", "currency", "amount", "flows")
ITEMS_CSV = ("item", "name", "unit", "stage", "quantity", "is_lower_bound", "value_currency", "value", "flows")


@router.get("/reports/table1", response_model=None)
def table1(session: SessionDep, filters: FiltersDep, format: ReportFormat = "json") -> dict[str, Any] | Response:
    """Table 1: ``{"rows": [{"category", "entries": [{"text", "item", "quantity", "unit", "usd", "sources"}]}]}``.

    ``?format=csv``: one line per entry, with its stage, lower-bound flag, flow id and sources (joined by " | ").
    """
    table = service.table1(session, filters)
    if format == "json":
        return table.as_dict()
    rows = (
        (
            row.category,
            e.text,
            e.item,
            e.quantity,
            e.unit,
            e.usd,
            e.stage,
            "yes" if e.is_lower_bound else "no",
            e.flow_id,
            " | ".join(s["citation"] for s in e.sources),
        )
        for row in table.rows
        for e in row.entries
    )
    return csv_response("assistance-table1.csv", TABLE1_CSV, rows)


def _report_csv(by: str, rows: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """Report rows as long CSV lines: one per row, stage and original currency (USD lines have no currency)."""
    if by == "items":
        for r in rows:
            values = r["values"] or {"": None}
            for currency, value in values.items():
                yield (
                    r["item"],
                    r["name"],
                    r["unit"],
                    r["stage"],
                    r["quantity"],
                    r["is_lower_bound"],
                    currency,
                    value,
                    r["flows"],
                )
        return
    for r in rows:
        for stage, cell in r["stages"].items():
            yield (r["key"], r["label"], stage, cell["usd"], "", "", cell["count"])
            for currency, amount in cell["by_currency"].items():
                yield (r["key"], r["label"], stage, "", currency, amount, cell["count"])


def _report(session: Session, by: str, filters: service.Filters) -> list[dict[str, Any]]:
    functions = {
        "provider": service.by_provider,
        "recipient": service.by_recipient,
        "channel": service.by_channel,
        "modality": service.by_modality,
    }
    if by == "items":
        return [r.as_dict() for r in service.by_item(session, filters)]
    if by == "capacity":
        return [vars(r) for r in service.capacity(session, filters)]
    if by not in functions:
        raise Invalid(
            f"No report by {by!r}; use provider, recipient, channel, modality, items or capacity",
            details=[{"field": "by", "value": by}],
        )
    return [r.as_dict() for r in functions[by](session, filters)]


@router.get("/reports/{by}", response_model=None)
def report(
    by: str, session: SessionDep, filters: FiltersDep, format: ReportFormat = "json"
) -> dict[str, Any] | Response:
    """Totals by provider, recipient, channel or modality (per stage, USD and original currencies), or items.

    ``?format=csv`` (not for capacity): one line per row and stage with the USD total, then one per original currency.
    """
    rows = _report(session, by, filters)
    if format == "json":
        return {"by": by, "rows": rows}
    if by == "capacity":
        raise Invalid("The capacity report has no CSV form; use JSON", details=[{"field": "format", "value": format}])
    return csv_response(f"assistance-by-{by}.csv", ITEMS_CSV if by == "items" else REPORT_CSV, _report_csv(by, rows))


@router.get("/pledges/{flow_id}")
def pledge(flow_id: int, session: SessionDep, on: dt.date | None = None) -> dict[str, Any]:
    """Fulfilment of a pledge on a date: percent paid, remainder, and the series for the chart."""
    progress = service.pledge_progress(session, flow_id, on)
    return progress.as_dict() | {"chart": progress.chart()}
