"""Dependencies route handlers declare as types: the settings, a database session, the acting user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Unauthorized
from solidarity.partners import access


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_sessionmaker(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    return factory


def get_session(factory: Annotated[sessionmaker[Session], Depends(get_sessionmaker)]) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    with transaction(factory) as session:
        yield session


def get_actor(request: Request, factory: Annotated[sessionmaker[Session], Depends(get_sessionmaker)]) -> Actor:
    """The user behind a bearer token, else the signed-in user of the session cookie, else anonymous.

    A bearer token that is unknown, expired or revoked is refused with 401 rather than treated as
    anonymous, so a script learns at once that its token stopped working.
    """
    cached: Actor | None = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    with transaction(factory) as session:
        if header:
            scheme, _, credentials = header.partition(" ")
            if scheme.lower() != "bearer" or not credentials.strip():
                raise Unauthorized("Authorization header must be 'Bearer <token>'")
            actor = access.actor_for_token(session, credentials.strip())
            request.state.auth_method = "token"
        else:
            user_id = request.session.get("user_id") if "session" in request.scope else None
            known = access.actor_for_user_id(session, user_id) if isinstance(user_id, int) else None
            actor = known or Actor.anonymous()
            request.state.auth_method = "session"
    request.state.actor = actor
    return actor


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Committed when the handler returns and before the response is sent (``scope="function"``): by
default FastAPI ends a dependency with ``yield`` after sending the response, so a browser following
a redirect could read before the commit, and a commit that failed had already been answered with a
success (tests/web/test_commit_before_response.py)."""
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_sessionmaker)]
ActorDep = Annotated[Actor, Depends(get_actor)]
