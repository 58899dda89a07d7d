"""Login, logout and the signed-in user's own account page with API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from solidarity.errors import SolidarityError, Unauthorized
from solidarity.partners import access
from solidarity.web.deps import ActorDep, SessionDep, SessionFactoryDep, SettingsDep
from solidarity.web.forms import client_address, form_fields
from solidarity.web.templating import flash, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil.example" or "https://..." would turn login into an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, actor: ActorDep, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "email": ""})


@router.post("/login")
async def login(request: Request, factory: SessionFactoryDep, settings: SettingsDep) -> Response:
    fields = await form_fields(request)
    target = _safe_next(fields.get("next"))
    try:
        actor = access.authenticate(
            factory,
            settings,
            email=fields.get("email", ""),
            password=fields.get("password", ""),
            client=client_address(request),
        )
    except SolidarityError as exc:
        context = {"next": target, "error": exc.message, "email": fields.get("email", "")}
        return render(request, "login.html", context, status_code=exc.status)
    request.session.clear()
    request.session["user_id"] = actor.user_id
    request.state.actor = actor
    flash(request, f"Signed in as {actor.label}")
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    if actor.user_id is None:
        raise Unauthorized("Sign in to see your account")
    user = access.get_user(session, actor.user_id)
    tokens = access.list_tokens(session, actor, user_id=actor.user_id)
    return render(request, "account/account.html", {"user": user, "tokens": tokens, "new_token": None})


@router.post("/account/tokens")
async def create_token(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> Response:
    if actor.user_id is None:
        raise Unauthorized("Sign in to create a token")
    fields = await form_fields(request)
    days = fields.get("days") or str(settings.token_default_days)
    if not days.isdigit():
        raise SolidarityError(f"Token lifetime {days!r} is not a number of days")
    issued = access.create_token(
        session, actor, settings, user_id=actor.user_id, name=fields.get("name", ""), days=int(days)
    )
    user = access.get_user(session, actor.user_id)
    tokens = access.list_tokens(session, actor, user_id=actor.user_id)
    return render(request, "account/account.html", {"user": user, "tokens": tokens, "new_token": issued})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, actor: ActorDep, session: SessionDep) -> Response:
    access.revoke_token(session, actor, token_id)
    flash(request, f"Token {token_id} revoked")
    return RedirectResponse("/account", status_code=303)
