"""Jinja2 templates with what every page needs: navigation, the signed-in user, CSRF, the demo banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from solidarity import __version__
from solidarity.actor import Actor
from solidarity.errors import SolidarityError
from solidarity.web.csrf import csrf_token
from solidarity.web.deps import get_actor

TEMPLATES_DIR = Path(__file__).parent / "templates"

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Reporting", "/reporting"),
    ("Genomes", "/genomes"),
    ("Knowledge", "/knowledge"),
    ("Assistance", "/assistance"),
    ("Hubs", "/hubs"),
    ("Allocation", "/allocation"),
    ("Partners", "/partners"),
    ("Reference", "/reference"),
)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.globals.update(navigation=NAVIGATION, version=__version__)
    return templates


def _page_actor(request: Request) -> Actor:
    """The signed-in user for the page header, also on pages whose handler did not ask for one."""
    known: Actor | None = getattr(request.state, "actor", None)
    if known is not None:
        return known
    try:
        return get_actor(request, request.app.state.sessionmaker)
    except SolidarityError:
        return Actor.anonymous()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """Render ``template`` with the page context every layout needs."""
    templates: Jinja2Templates = request.app.state.templates
    actor = _page_actor(request)
    base: dict[str, Any] = {
        "actor": actor,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "is_demo": request.app.state.demo_flag.current(),
        "current_path": request.url.path,
        "flash": request.session.pop("flash", None) if "session" in request.scope else None,
    }
    base.update(context or {})
    return templates.TemplateResponse(request, template, base, status_code=status_code)


def flash(request: Request, message: str) -> None:
    """Show ``message`` once on the next page."""
    request.session["flash"] = message
