"""CSRF protection for cookie-authenticated writes: a per-session token in every form.

Pages put ``csrf_token(request)`` in a hidden ``csrf_token`` field; API clients that use the
session cookie send it as the ``X-CSRF-Token`` header. Requests with a bearer token carry no
ambient credentials and need no CSRF token; neither do API requests from a session nobody signed
into (an anonymous script): they act as the public, so the endpoint itself answers 401 when it
needs a user, and public writes (a neighbour query of an uploaded genome) simply work.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from solidarity.errors import CsrfFailed

SESSION_KEY = "csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SIGNED_IN_KEY = "user_id"
"""Where sign-in puts the user in the session: without it a cookie carries no credentials to abuse."""


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Dependency for every unsafe request: raise ``CsrfFailed`` unless the token matches the session's."""
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    if request.url.path.startswith("/api/") and request.session.get(SIGNED_IN_KEY) is None:
        return
    expected = request.session.get(SESSION_KEY)
    supplied = request.headers.get(HEADER)
    if supplied is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FORM_FIELD)
            supplied = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not supplied or not hmac.compare_digest(expected, supplied):
        raise CsrfFailed("The form's security token is missing or stale; reload the page and submit again")
