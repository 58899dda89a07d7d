"""Assistance forms: record a flow, revise one (a new version), and add another source's figure (a claim).

The flow forms take lists in the CSV import's cell syntax (recipients, items, sources, one source
a line), so there is one way to write them; a revision sends the whole flow again, prefilled from
the current version, with the reason for the change. Bad input shows the form again with the
message and the field, and the status of the error (4xx); nothing is written.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.actor import Actor
from solidarity.assistance import service
from solidarity.assistance.importing import row_to_flow, version_to_row
from solidarity.assistance.ledger import MODULE
from solidarity.assistance.models import (
    Boundary,
    CapacityKind,
    Channel,
    DeliveryMode,
    FlowVersion,
    Modality,
    Stage,
    Terms,
)
from solidarity.assistance.schemas import ClaimCreate, FlowCreate
from solidarity.errors import Conflict, Forbidden, SolidarityError
from solidarity.partners import service as partners
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.forms import form_fields, parse_form
from solidarity.web.templating import flash, render

router = APIRouter()
"""Included by ``pages.assistance`` under ``/assistance``, ahead of its ``/flows/{flow_id}`` page."""

CHOICES: dict[str, list[str]] = {
    "channel": [c.value for c in Channel],
    "modality": [m.value for m in Modality],
    "terms": [t.value for t in Terms],
    "stage": [s.value for s in Stage],
    "boundary": [b.value for b in Boundary],
    "capacity_kind": ["", *(k.value for k in CapacityKind)],
    "delivery_mode": ["", *(d.value for d in DeliveryMode)],
}
EXPLICIT_RATE = "explicit rate by "
"""How the ledger names a coordinator's explicit rate in ``usd_rate_source``."""
NEW_FLOW_DEFAULTS = {
    "currency": "USD",
    "is_new_money": "yes",
    "is_internal": "no",
    "is_lower_bound": "no",
    "is_illustrative": "no",
}


def error_message(exc: SolidarityError) -> str:
    """The error's sentence, with the fields it names when the sentence does not name them itself."""
    details = exc.details if isinstance(exc.details, list) else []
    named = ", ".join(str(d.get("field")) for d in details if isinstance(d, dict) and d.get("field"))
    return exc.message + (f" (field: {named})" if named and named not in exc.message else "")


def may_write(actor: Actor, *organisation_ids: int | None) -> bool:
    """The ledger's rule: coordinators write any flow, editors those their organisation provides or reports."""
    if actor.coordinates(MODULE):
        return True
    return any(actor.can_write(MODULE, org_id) for org_id in organisation_ids if org_id is not None)


def _organisation_name(session: Session, org_id: str) -> str:
    """A form shows organisations by name (ids are what the export writes); the name resolves back to the id."""
    if not org_id.isdigit():
        return org_id
    try:
        return partners.get_organisation(session, int(org_id)).name
    except SolidarityError:
        return org_id


def _values_of(session: Session, version: FlowVersion) -> dict[str, str]:
    """A version as the form's fields: the CSV export row, organisations by name."""
    row = version_to_row(session, version)
    for name in ("provider", "receiver", "reporter"):
        row[name] = _organisation_name(session, row[name])
    # a coordinator's explicit rate and override reason stay with the flow until changed
    # (the form shows them to coordinators only)
    row["override_reason"] = version.override_reason or ""
    is_explicit = (version.usd_rate_source or "").startswith(EXPLICIT_RATE)
    row["explicit_rate"] = f"{version.usd_rate.normalize():f}" if is_explicit and version.usd_rate is not None else ""
    return row


def _flow_from(session: Session, fields: dict[str, str]) -> FlowCreate:
    """The posted fields as a flow; the explicit rate and override reason are not CSV columns, so added here."""
    data = row_to_flow(session, fields, {})
    extra = {k: fields[k] for k in ("explicit_rate", "override_reason") if fields.get(k)}
    if not extra:
        return data
    return parse_form(FlowCreate, data.model_dump() | extra)


def _flow_form(
    request: Request,
    values: dict[str, str],
    *,
    flow: FlowVersion | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {"values": values, "choices": CHOICES, "flow": flow, "error": error}
    return render(request, "assistance/flow_form.html", context, status_code=status)


@router.get("/flows/new")
def new_flow_page(request: Request, actor: ActorDep) -> Response:
    actor.require_authenticated()
    return _flow_form(request, NEW_FLOW_DEFAULTS | {"flow_date": dt.date.today().isoformat()})


@router.post("/flows/new")
async def create_flow(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    fields = await form_fields(request)
    try:
        version = service.record_flow(session, actor, _flow_from(session, fields))
    except SolidarityError as exc:
        session.rollback()
        return _flow_form(request, fields, error=error_message(exc), status=exc.status)
    flash(request, f"Flow {version.flow_id} recorded")
    return RedirectResponse(f"/assistance/flows/{version.flow_id}", status_code=303)


def _revisable(session: Session, actor: Actor, flow_id: int) -> FlowVersion:
    """The current version, when this actor may revise it; ``Forbidden`` (403) otherwise."""
    actor.require_authenticated()
    current = service.current_version(session, flow_id)
    if not may_write(actor, current.provider_id, current.reporter_id):
        raise Forbidden(
            f"{actor.label} ({actor.role}) may only revise flows their organisation provides or reports; "
            f"flow {flow_id} is neither"
        )
    return current


@router.get("/flows/{flow_id}/revise")
def revise_flow_page(request: Request, flow_id: int, actor: ActorDep, session: SessionDep) -> Response:
    current = _revisable(session, actor, flow_id)
    values = _values_of(session, current) | {"version": str(current.version)}
    return _flow_form(request, values, flow=current)


@router.post("/flows/{flow_id}/revise")
async def revise_flow(request: Request, flow_id: int, actor: ActorDep, session: SessionDep) -> Response:
    current = _revisable(session, actor, flow_id)
    fields = await form_fields(request)
    try:
        if fields.get("version") != str(current.version):
            raise Conflict(
                f"Flow {flow_id} changed while you edited it (it is now version {current.version}, you started "
                f"from version {fields.get('version') or '?'}); nothing was saved. Compare with the current "
                "version and submit again.",
                details=[{"field": "version", "value": fields.get("version"), "reason": "stale version"}],
            )
        data = _flow_from(session, fields | {"ref": ""})
        version = service.revise_flow(session, actor, flow_id, data, fields.get("reason", ""))
    except SolidarityError as exc:
        session.rollback()
        shown = fields | {"version": fields.get("version", "")}
        return _flow_form(request, shown, flow=current, error=error_message(exc), status=exc.status)
    flash(request, f"Flow {flow_id}: version {version.version} recorded")
    return RedirectResponse(f"/assistance/flows/{flow_id}", status_code=303)


# --- another source's figure ----------------------------------------------------------------------


def _claim_form(
    request: Request,
    values: dict[str, str],
    flow: FlowVersion | None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {"values": values, "flow": flow, "error": error}
    return render(request, "assistance/claim_form.html", context, status_code=status)


def _flow_of(session: Session, text: str) -> FlowVersion | None:
    return service.current_version(session, int(text)) if text.isdigit() else None


@router.get("/claims/new")
def new_claim_page(request: Request, actor: ActorDep, session: SessionDep, flow: str = "") -> Response:
    actor.require_authenticated()
    about = _flow_of(session, flow)
    values: dict[str, str] = {"flow": flow, "currency": "USD"}
    if actor.organisation_id is not None:
        values["reporter"] = _organisation_name(session, str(actor.organisation_id))
    if about is not None:
        values["subject"] = about.claim_subject or about.description[:200]
        values["currency"] = about.currency or "USD"
    return _claim_form(request, values, about)


def _link_subject(session: Session, actor: Actor, flow: FlowVersion, subject: str) -> None:
    """Name ``subject`` on the flow (a new version) so the ledger's figure and the claim are shown side by side."""
    if flow.claim_subject == subject:
        return
    data = row_to_flow(session, version_to_row(session, flow) | {"ref": "", "claim_subject": subject}, {})
    service.revise_flow(session, actor, flow.flow_id, data, f"Another source's figure recorded as {subject!r}")


@router.post("/claims/new")
async def create_claim(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_authenticated()
    fields = await form_fields(request)
    about = _flow_of(session, fields.get("flow", ""))
    if about is not None and about.claim_subject:
        fields["subject"] = about.claim_subject
    try:
        if about is not None and not about.claim_subject and not may_write(actor, about.provider_id, about.reporter_id):
            raise Forbidden(
                f"Flow {about.flow_id} names no subject for other sources' figures, and only its provider's or "
                "reporter's editors or a coordinator may add one; record the claim without the flow, or ask them",
                details=[{"field": "flow", "value": about.flow_id, "reason": "flow has no claim subject"}],
            )
        data = parse_form(ClaimCreate, {k: v for k, v in fields.items() if k != "flow" and v})
        if about is not None:
            _link_subject(session, actor, about, data.subject.strip())
        claim = service.add_claim(session, actor, data)
    except SolidarityError as exc:
        session.rollback()
        return _claim_form(request, fields, about, error_message(exc), exc.status)
    amount = f" ({claim.amount:,.0f} {claim.currency})" if claim.amount is not None else ""
    flash(request, f"Claim recorded{amount}: it is shown beside the ledger's figure, never added to it")
    target = f"/assistance/flows/{about.flow_id}" if about is not None else "/assistance#sources"
    return RedirectResponse(target, status_code=303)
