"""Accounts in the API: who am I, users (admins), and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from solidarity.actor import Role
from solidarity.errors import Unauthorized
from solidarity.partners import access
from solidarity.web.deps import ActorDep, SessionDep, SettingsDep

router = APIRouter(tags=["accounts"])


class MePublic(BaseModel):
    user_id: int | None
    organisation_id: int | None
    role: Role | None
    label: str


class UserCreate(BaseModel):
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    password: str = Field(min_length=access.MIN_PASSWORD_LENGTH, max_length=1000)
    organisation_id: int
    role: Role
    modules: list[str] = []


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    organisation_id: int
    role: Role
    modules: list[str]
    is_active: bool


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650)
    user_id: int | None = Field(None, description="Admins may issue tokens for another user")


class TokenIssued(BaseModel):
    id: int
    name: str
    token: str = Field(description="The clear-text token; shown only in this response")
    expires_at: dt.datetime


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


@router.get("/me", response_model=MePublic)
def me(actor: ActorDep) -> MePublic:
    """The identity the request is made with (anonymous when there is none)."""
    return MePublic(user_id=actor.user_id, organisation_id=actor.organisation_id, role=actor.role, label=actor.label)


@router.get("/users")
def list_users(actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    users = access.list_users(session, actor)
    data = [UserPublic.model_validate(access.user_summary(u)).model_dump(mode="json") for u in users]
    return {"data": data, "count": len(data)}


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(body: UserCreate, actor: ActorDep, session: SessionDep) -> UserPublic:
    user = access.create_user(session, actor, **body.model_dump())
    return UserPublic.model_validate(access.user_summary(user))


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenIssued)
def create_token(body: TokenCreate, actor: ActorDep, session: SessionDep, settings: SettingsDep) -> TokenIssued:
    """Issue a token for yourself (or, as an admin, for ``user_id``). The clear text is in this response only."""
    user_id = body.user_id if body.user_id is not None else actor.user_id
    if user_id is None:
        raise Unauthorized("Sign in to create a token")
    issued = access.create_token(session, actor, settings, user_id=user_id, name=body.name, days=body.days)
    return TokenIssued(id=issued.id, name=issued.name, token=issued.token, expires_at=issued.expires_at)


@router.get("/tokens")
def list_tokens(actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    if actor.user_id is None:
        raise Unauthorized("Sign in to list your tokens")
    rows = access.list_tokens(session, actor, user_id=actor.user_id)
    data = [TokenPublic.model_validate(r, from_attributes=True).model_dump(mode="json") for r in rows]
    return {"data": data, "count": len(data)}


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: int, actor: ActorDep, session: SessionDep) -> TokenPublic:
    return TokenPublic.model_validate(access.revoke_token(session, actor, token_id), from_attributes=True)
