"""``create_app(settings)``: the only place the web application is assembled."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from solidarity import __version__
from solidarity.config import Settings
from solidarity.db import make_engine, make_sessionmaker, ping, transaction
from solidarity.db.instance import DEMO_DATA, get_fact
from solidarity.db.migrate import current_revision, head_revision
from solidarity.errors import DatabaseUnavailable, SolidarityError
from solidarity.web.api import allocation as allocation_api
from solidarity.web.api import assistance as assistance_api
from solidarity.web.api import assistance_exchange as assistance_exchange_api
from solidarity.web.api import audit as audit_api
from solidarity.web.api import auth as auth_api
from solidarity.web.api import genomes as genomes_api
from solidarity.web.api import hubs as hubs_api
from solidarity.web.api import knowledge as knowledge_api
from solidarity.web.api import partners as partners_api
from solidarity.web.api import reference as reference_api
from solidarity.web.api import reporting as reporting_api
from solidarity.web.csrf import verify_csrf
from solidarity.web.errors import install_error_handlers
from solidarity.web.headers import SecurityHeaders
from solidarity.web.limits import BodySizeLimit
from solidarity.web.pages import admin as admin_pages
from solidarity.web.pages import allocation as allocation_pages
from solidarity.web.pages import assistance as assistance_pages
from solidarity.web.pages import auth as auth_pages
from solidarity.web.pages import genomes as genomes_pages
from solidarity.web.pages import home as home_pages
from solidarity.web.pages import hubs as hubs_pages
from solidarity.web.pages import knowledge as knowledge_pages
from solidarity.web.pages import partners as partners_pages
from solidarity.web.pages import reference as reference_pages
from solidarity.web.pages import reporting as reporting_pages
from solidarity.web.pages import reporting_public as reporting_public_pages
from solidarity.web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"

API_ROUTERS: list[APIRouter] = [
    auth_api.router,
    audit_api.router,
    partners_api.router,
    reference_api.router,
    reporting_api.router,
    assistance_api.router,
    assistance_exchange_api.router,
    genomes_api.router,
    hubs_api.router,
    knowledge_api.router,
    allocation_api.router,
]
PAGE_ROUTERS: list[APIRouter] = [
    reporting_public_pages.router,
    reporting_pages.router,
    assistance_pages.router,
    genomes_pages.router,
    hubs_pages.router,
    allocation_pages.router,
    knowledge_pages.router,
    home_pages.router,
    auth_pages.router,
    admin_pages.router,
    partners_pages.router,
    reference_pages.router,
]


def create_app(settings: Settings) -> FastAPI:
    """Build the app for ``settings``: engine, sessions, routers, middleware and error handlers."""
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Solidarity API",
        version=__version__,
        description="Epidemic reporting, genomes, knowledge, assistance, hubs and allocation in one platform.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = make_templates()
    app.state.demo_flag = DemoFlag(app.state.sessionmaker)

    install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="solidarity_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodySizeLimit,
        max_request_bytes=settings.max_request_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    csrf = [Depends(verify_csrf)]
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=csrf)
    for router in PAGE_ROUTERS:
        app.include_router(router, dependencies=csrf, include_in_schema=False)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Solidarity API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Is the database reachable and migrated? 200 if so, 503 with the reason if not."""
        try:
            ping(engine)
        except DatabaseUnavailable as exc:
            return JSONResponse({"status": "unavailable", **exc.as_dict()}, status_code=exc.status)
        revision, head = current_revision(engine), head_revision()
        status = "ok" if revision == head else "migrations_pending"
        body = {"status": status, "database": engine.dialect.name, "revision": revision, "head": head}
        return JSONResponse(body, status_code=200 if status == "ok" else 503)

    return app


class DemoFlag:
    """Whether the instance holds demo data, for the banner: looked up at most every few seconds."""

    RECHECK_SECONDS = 5.0

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._value = False
        self._checked_at = float("-inf")

    def current(self) -> bool:
        now = time.monotonic()
        if not self._value and now - self._checked_at >= self.RECHECK_SECONDS:
            self._checked_at = now
            try:
                with transaction(self._factory) as session:
                    self._value = get_fact(session, DEMO_DATA) is not None
            except SolidarityError:
                self._value = False  # an unreachable database shows no banner; /healthz says why
        return self._value
