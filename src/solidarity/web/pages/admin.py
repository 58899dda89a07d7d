"""Administration pages: the audit trail and the users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from solidarity.actor import MODULES, Role
from solidarity.audit import service as audit
from solidarity.errors import Invalid, SolidarityError
from solidarity.partners import access
from solidarity.partners.models import Organisation
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.forms import form_fields
from solidarity.web.templating import flash, render

router = APIRouter(prefix="/admin")
PAGE = 50


@router.get("")
def admin_home(request: Request, actor: ActorDep) -> Response:
    actor.require_admin()
    return RedirectResponse("/admin/audit", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request, actor: ActorDep, session: SessionDep, module: str | None = None, page: int = 1
) -> Response:
    page = max(page, 1)
    result = audit.list_entries(session, actor, module=module or None, limit=PAGE, offset=(page - 1) * PAGE)
    context = {
        "entries": result.entries,
        "count": result.count,
        "page": page,
        "pages": max(1, -(-result.count // PAGE)),
        "module": module or "",
        "modules": MODULES,
    }
    return render(request, "admin/audit.html", context)


def _users_context(session: SessionDep, actor: ActorDep) -> dict[str, object]:
    organisations = session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return {
        "users": access.list_users(session, actor),
        "organisations": organisations,
        "roles": list(Role),
        "modules": MODULES,
        "error": None,
        "values": {},
    }


@router.get("/users")
def users_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    return render(request, "admin/users.html", _users_context(session, actor))


@router.post("/users")
async def create_user(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    actor.require_admin()
    fields = await form_fields(request)
    form = await request.form()
    modules = [m for m in form.getlist("modules") if isinstance(m, str)]
    try:
        organisation = fields.get("organisation_id", "")
        role = fields.get("role", "")
        if not organisation.isdigit():
            raise Invalid("Choose an organisation", details=[{"field": "organisation_id", "value": organisation}])
        if role not in {r.value for r in Role}:
            raise Invalid(f"Unknown role {role!r}", details=[{"field": "role", "value": role}])
        with session.begin_nested():
            user = access.create_user(
                session,
                actor,
                email=fields.get("email", ""),
                name=fields.get("name", ""),
                password=fields.get("password", ""),
                organisation_id=int(organisation),
                role=Role(role),
                modules=modules,
            )
    except SolidarityError as exc:
        context = _users_context(session, actor) | {"error": exc.message, "values": fields}
        return render(request, "admin/users.html", context, status_code=exc.status)
    flash(request, f"User {user.email} created")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
async def toggle_user(request: Request, user_id: int, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    user = access.set_user_active(session, actor, user_id, is_active=fields.get("is_active") == "1")
    flash(request, f"User {user.email} {'enabled' if user.is_active else 'disabled'}")
    return RedirectResponse("/admin/users", status_code=303)
