"""Partners pages: the registry list with search, an organisation's page, forms to register and edit.

Every form works without JavaScript; a refused form is shown again with the message and the values
entered, under the error's 4xx status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.actor import Actor
from solidarity.errors import SolidarityError
from solidarity.partners import networks, service
from solidarity.partners.models import JointActionStatus, Organisation, OrganisationType
from solidarity.partners.schemas import (
    JointActionCreate,
    MembershipCreate,
    OrganisationCreate,
    OrganisationUpdate,
)
from solidarity.reference.countries import find_country
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.forms import form_fields, parse_form
from solidarity.web.templating import flash, render

router = APIRouter(prefix="/partners")
PAGE = 50
MODULE = service.MODULE


def country_name(code: str | None) -> str:
    country = find_country(code) if code else None
    return country.name if country else (code or "")


def _common() -> dict[str, Any]:
    return {"types": list(OrganisationType), "country_name": country_name, "statuses": list(JointActionStatus)}


def _organisation_values(fields: dict[str, str], aliases: str) -> dict[str, Any]:
    values: dict[str, Any] = {k: (v or None) for k, v in fields.items() if k != "aliases"}
    values["aliases"] = [line.strip() for line in aliases.splitlines() if line.strip()]
    return values


@router.get("")
def list_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    q: str = "",
    type: str = "",
    country: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    org_type = OrganisationType(type) if type in {t.value for t in OrganisationType} else None
    result = service.list_organisations(
        session, q=q or None, type=org_type, country=country or None, limit=PAGE, offset=(page - 1) * PAGE
    )
    filters = {k: v for k, v in {"q": q, "type": type, "country": country}.items() if v}
    context = _common() | {
        "organisations": result.items,
        "count": result.count,
        "page": page,
        "pages": max(1, -(-result.count // PAGE)),
        "q": q,
        "type": type,
        "country": country,
        "countries": service.countries_in_use(session),
        "query": urlencode(filters),
        "csv_url": "/api/v1/organisations?" + urlencode({**filters, "format": "csv"}),
        "can_create": actor.can_write(MODULE, None),
    }
    return render(request, "partners/list.html", context)


def _form_context(
    session: Session, org: Organisation | None, values: dict[str, Any], error: str | None
) -> dict[str, Any]:
    return _common() | {
        "organisation": org,
        "values": values,
        "error": error,
        "parents": service.list_organisations(session, limit=10000).items,
    }


@router.get("/new")
def new_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_write(MODULE, None)
    return render(request, "partners/form.html", _form_context(session, None, {}, None))


@router.post("/new")
async def create(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_write(MODULE, None)
    fields = await form_fields(request)
    try:
        data = parse_form(OrganisationCreate, _organisation_values(fields, fields.get("aliases", "")))
        with session.begin_nested():
            org = service.create_organisation(session, actor, data)
    except SolidarityError as exc:
        context = _form_context(session, None, fields, _message(exc))
        return render(request, "partners/form.html", context, status_code=exc.status)
    flash(request, f"{org.name} registered")
    return RedirectResponse(f"/partners/{org.id}", status_code=303)


def _message(exc: SolidarityError) -> str:
    if isinstance(exc.details, dict) and exc.details.get("existing_id"):
        return f"{exc.message}."
    return exc.message


def _detail_context(session: Session, actor: Actor, org: Organisation) -> dict[str, Any]:
    is_network = org.type is OrganisationType.NETWORK
    members = networks.list_members(session, org.id) if is_network else []
    actions = networks.list_joint_actions(
        session, network_id=org.id if is_network else None, organisation_id=None if is_network else org.id, limit=200
    )
    member_ids = {m.member_id for m in members}
    return _common() | {
        "organisation": org,
        "children": service.children(session, org.id),
        "memberships": networks.memberships_of(session, org.id),
        "is_network": is_network,
        "members": members,
        "actions": actions.items,
        "can_edit": actor.can_write(MODULE, org.id),
        "can_add_action": is_network
        and actor.is_authenticated
        and (actor.can_write(MODULE, org.id) or actor.organisation_id in member_ids),
        "error": None,
        "error_form": None,
        "values": {},
    }


@router.get("/{org_id}")
def detail_page(request: Request, org_id: int, actor: ActorDep, session: SessionDep) -> Response:
    org = service.get_organisation(session, org_id)
    return render(request, "partners/detail.html", _detail_context(session, actor, org))


@router.get("/{org_id}/edit")
def edit_page(request: Request, org_id: int, actor: ActorDep, session: SessionDep) -> Response:
    org = service.get_organisation(session, org_id)
    actor.require_write(MODULE, org.id)
    values = {
        "name": org.name,
        "acronym": org.acronym or "",
        "type": org.type.value,
        "country": org.country_code or "",
        "parent_id": str(org.parent_id or ""),
        "website": org.website or "",
        "description": org.description or "",
        "aliases": "\n".join(org.aliases),
    }
    return render(request, "partners/form.html", _form_context(session, org, values, None))


@router.post("/{org_id}/edit")
async def edit(request: Request, org_id: int, actor: ActorDep, session: SessionDep) -> Response:
    org = service.get_organisation(session, org_id)
    actor.require_write(MODULE, org.id)
    fields = await form_fields(request)
    try:
        data = parse_form(OrganisationUpdate, _organisation_values(fields, fields.get("aliases", "")))
        with session.begin_nested():
            service.update_organisation(session, actor, org.id, data)
    except SolidarityError as exc:
        session.refresh(org)
        context = _form_context(session, org, fields, _message(exc))
        return render(request, "partners/form.html", context, status_code=exc.status)
    flash(request, f"{org.name} saved")
    return RedirectResponse(f"/partners/{org.id}", status_code=303)


def _detail_error(
    request: Request,
    session: Session,
    actor: Actor,
    org_id: int,
    form: str,
    fields: dict[str, Any],
    exc: SolidarityError,
) -> Response:
    org = service.get_organisation(session, org_id)
    session.refresh(org)
    context = _detail_context(session, actor, org) | {"error": _message(exc), "error_form": form, "values": fields}
    return render(request, "partners/detail.html", context, status_code=exc.status)


@router.post("/{org_id}/members")
async def add_member(request: Request, org_id: int, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    try:
        with session.begin_nested():
            member = service.resolve_organisation(session, fields.get("member", ""))
            data = parse_form(
                MembershipCreate,
                {"member_id": member.id, "role": fields.get("role"), "joined_on": fields.get("joined_on") or None},
            )
            networks.add_network_member(session, actor, org_id, data)
    except SolidarityError as exc:
        return _detail_error(request, session, actor, org_id, "member", fields, exc)
    flash(request, f"{member.name} added as a member")
    return RedirectResponse(f"/partners/{org_id}", status_code=303)


@router.post("/{org_id}/joint-actions")
async def add_joint_action(request: Request, org_id: int, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    form = await request.form()
    participants = [p for p in form.getlist("participant_ids") if isinstance(p, str)]
    countries = [c.strip() for c in fields.get("countries", "").replace(";", ",").split(",") if c.strip()]
    values: dict[str, Any] = {
        "network_id": org_id,
        "title": fields.get("title", ""),
        "description": fields.get("description") or None,
        "start_date": fields.get("start_date") or None,
        "end_date": fields.get("end_date") or None,
        "status": fields.get("status") or JointActionStatus.PLANNED.value,
        "participant_ids": participants,
        "countries": countries,
    }
    try:
        data = parse_form(JointActionCreate, values)
        with session.begin_nested():
            action = networks.create_joint_action(session, actor, data)
    except SolidarityError as exc:
        return _detail_error(
            request, session, actor, org_id, "joint_action", fields | {"participant_ids": participants}, exc
        )
    flash(request, f"Joint action {action.title!r} recorded")
    return RedirectResponse(f"/partners/{org_id}#joint-actions", status_code=303)
