"""The assistance ledger over HTTP: flows and their versions, claims, Table 1, reports, pledges."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.assistance import service
from solidarity.assistance.schemas import ClaimCreate, FlowCreate, FlowPublic, FlowRevision, FlowRow
from solidarity.errors import Invalid
from solidarity.web.api.listing import PageDep, listing
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


@router.get("/reports/table1")
def table1(session: SessionDep, filters: FiltersDep) -> dict[str, Any]:
    """Table 1: ``{"rows": [{"category", "entries": [{"text", "item", "quantity", "unit", "usd", "sources"}]}]}``."""
    return service.table1(session, filters).as_dict()


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


@router.get("/reports/{by}")
def report(by: str, session: SessionDep, filters: FiltersDep) -> dict[str, Any]:
    """Totals by provider, recipient, channel or modality (per stage, USD and original currencies), or items."""
    return {"by": by, "rows": _report(session, by, filters)}


@router.get("/pledges/{flow_id}")
def pledge(flow_id: int, session: SessionDep, on: dt.date | None = None) -> dict[str, Any]:
    """Fulfilment of a pledge on a date: percent paid, remainder, and the series for the chart."""
    progress = service.pledge_progress(session, flow_id, on)
    return progress.as_dict() | {"chart": progress.chart()}
