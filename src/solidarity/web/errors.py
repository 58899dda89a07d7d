"""One handler renders every error: JSON for the API, an HTML page for browsers, never a traceback."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from solidarity.errors import SolidarityError
from solidarity.web.templating import render

log = logging.getLogger("solidarity.web")


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _respond(request: Request, status: int, code: str, message: str, details: Any) -> Response:
    if _wants_json(request):
        body = {"error": {"code": code, "message": message, "details": _json_safe(details)}}
        return JSONResponse(body, status_code=status)
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    context = {"status": status, "code": code, "message": message, "details": details}
    return render(request, "error.html", context, status_code=status)


def _json_safe(value: Any) -> Any:
    """``value`` with non-finite floats written as text: JSON has no NaN or Infinity, and an error
    naming a value such as ``1e400`` (read as infinity) must not turn into a 500."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        where = loc[0] if loc else ""
        field = ".".join(loc[1:]) if len(loc) > 1 else where
        value = err.get("input")
        if isinstance(value, dict | list):
            value = None
        details.append({"location": where, "field": field, "value": value, "reason": err.get("msg")})
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SolidarityError)
    async def _solidarity_error(request: Request, exc: SolidarityError) -> Response:
        return _respond(request, exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        first = details[0] if details else {}
        message = f"Invalid {first.get('field') or 'request'}: {first.get('reason', 'not valid')}"
        return _respond(request, 422, "invalid", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(exc.status_code, "http_error")
        message = "Page not found" if exc.status_code == 404 else str(exc.detail)
        return _respond(request, exc.status_code, code, message, [])

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        # a number too large for SQLite or for a float (an id of 20 digits, say): the input's fault
        return _respond(request, 422, "invalid", f"A number in the request is out of range: {exc}", [])

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> Response:
        # a value the database cannot hold (PostgreSQL: "integer out of range" for that id); rolled back
        return _respond(request, 422, "invalid", "A value in the request does not fit the database (out of range)", [])

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal", "Something went wrong on our side; it has been logged", [])
