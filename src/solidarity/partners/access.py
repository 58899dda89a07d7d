"""Accounts: users, password login with rate limiting, and API tokens.

Passwords are stored as argon2 hashes; tokens as SHA-256 digests, their clear text shown once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import MODULES, Actor, Role
from solidarity.audit import service as audit
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.db.base import utcnow
from solidarity.errors import Conflict, Invalid, NotFound, RateLimited, Unauthorized
from solidarity.partners.accounts import ApiToken, LoginFailure, User
from solidarity.partners.models import Organisation

TOKEN_PREFIX = "sol_"  # noqa: S105 - a public marker, not a secret
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not local or not at or "." not in domain or " " in email:
        raise Invalid(f"E-mail {email!r} is not a valid address", details=[{"field": "email", "value": email}])
    return email


def actor_for(user: User) -> Actor:
    return Actor(
        user_id=user.id,
        organisation_id=user.organisation_id,
        role=user.role,
        label=user.email,
        modules=tuple(user.modules or ()),
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    password: str,
    organisation_id: int,
    role: Role,
    modules: list[str] | None = None,
) -> User:
    """Create a user of an organisation. Raises ``Forbidden`` unless ``actor`` is an admin,
    ``Invalid`` for a short password, unknown organisation or module, ``Conflict`` for a taken e-mail."""
    actor.require_admin()
    email = _normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"Password must have at least {MIN_PASSWORD_LENGTH} characters",
            details=[{"field": "password", "reason": "too short"}],
        )
    if session.get(Organisation, organisation_id) is None:
        raise Invalid(
            f"Organisation {organisation_id} does not exist",
            details=[{"field": "organisation_id", "value": organisation_id}],
        )
    unknown = sorted(set(modules or ()) - set(MODULES))
    if unknown:
        raise Invalid(
            f"Unknown modules {unknown}; known: {list(MODULES)}",
            details=[{"field": "modules", "value": unknown}],
        )
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        raise Conflict(
            f"A user with e-mail {email} exists already (id {existing.id})",
            details={"existing_id": existing.id},
        )
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password),
        organisation_id=organisation_id,
        role=role,
        modules=list(modules or ()),
        is_active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        module="partners",
        action="create_user",
        entity_type="user",
        entity_id=user.id,
        after=audit.snapshot(user),
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


def find_user(session: Session, email_or_id: str) -> User:
    """The user with this e-mail or numeric id; ``NotFound`` otherwise."""
    if email_or_id.isdigit():
        return get_user(session, int(email_or_id))
    user = session.scalar(select(User).where(User.email == email_or_id.strip().lower()))
    if user is None:
        raise NotFound(f"No user with e-mail {email_or_id!r}")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    actor.require_admin()
    return list(session.scalars(select(User).order_by(User.email)))


def set_user_active(session: Session, actor: Actor, user_id: int, *, is_active: bool) -> User:
    """Enable or disable a user; a disabled user cannot log in and their tokens stop working."""
    actor.require_admin()
    user = get_user(session, user_id)
    before = audit.snapshot(user)
    user.is_active = is_active
    audit.record(
        session,
        actor,
        module="partners",
        action="enable_user" if is_active else "disable_user",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after=audit.snapshot(user),
    )
    return user


def _recent_failures(session: Session, key: str, since: dt.datetime) -> int:
    return session.scalar(select(func.count()).where(LoginFailure.key == key, LoginFailure.at >= since)) or 0


def authenticate(
    factory: sessionmaker[Session], settings: Settings, *, email: str, password: str, client: str
) -> Actor:
    """Check a password login and return the user's actor.

    Raises ``RateLimited`` when the account or the client address has had ``login_max_failures``
    failures within ``login_window_seconds`` (checked before the password, so guessing stops), and
    ``Unauthorized`` for a wrong e-mail or password or a disabled account, without saying which.
    Owns its transaction: a failure is committed before the error is raised, so it is counted.
    """
    email = email.strip().lower()
    now = utcnow()
    since = now - dt.timedelta(seconds=settings.login_window_seconds)
    keys = (f"user:{email}", f"client:{client}")
    with transaction(factory) as session:
        if any(_recent_failures(session, key, since) >= settings.login_max_failures for key in keys):
            raise RateLimited(
                f"Too many failed logins; try again in {settings.login_window_seconds // 60} minutes",
                details={"retry_after_seconds": settings.login_window_seconds},
            )
        user = session.scalar(select(User).where(User.email == email))
        is_valid = _check_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is not None and is_valid and user.is_active:
            session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
            user.last_login_at = now
            return actor_for(user)
        session.add_all(LoginFailure(key=key, at=now) for key in keys)
    raise Unauthorized("Wrong e-mail or password")


def actor_for_user_id(session: Session, user_id: int) -> Actor | None:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return actor_for(user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the clear text, available only now."""

    id: int
    name: str
    token: str
    expires_at: dt.datetime


def create_token(
    session: Session, actor: Actor, settings: Settings, *, user_id: int, name: str, days: int | None = None
) -> IssuedToken:
    """Issue an API token for a user; users issue their own, admins anyone's. Raises ``Forbidden`` otherwise."""
    actor.require_authenticated()
    if actor.user_id != user_id:
        actor.require_admin()
    user = get_user(session, user_id)
    lifetime = days if days is not None else settings.token_default_days
    if not 1 <= lifetime <= 3650:
        raise Invalid(
            f"Token lifetime {lifetime} days is outside 1..3650",
            details=[{"field": "days", "value": lifetime}],
        )
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=clear[: len(TOKEN_PREFIX) + 6],
        token_hash=_digest(clear),
        expires_at=utcnow() + dt.timedelta(days=lifetime),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        module="partners",
        action="create_token",
        entity_type="api_token",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    return IssuedToken(id=row.id, name=row.name, token=clear, expires_at=row.expires_at)


def list_tokens(session: Session, actor: Actor, *, user_id: int) -> list[ApiToken]:
    actor.require_authenticated()
    if actor.user_id != user_id:
        actor.require_admin()
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once; its owner or an admin may. Raises ``NotFound`` or ``Forbidden``."""
    actor.require_authenticated()
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"API token {token_id} does not exist")
    if row.user_id != actor.user_id:
        actor.require_admin()
    if row.revoked_at is None:
        before = audit.snapshot(row)
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            module="partners",
            action="revoke_token",
            entity_type="api_token",
            entity_id=row.id,
            before=before,
            after=audit.snapshot(row),
        )
    return row


def actor_for_token(session: Session, token: str) -> Actor:
    """The actor a bearer token stands for; ``Unauthorized`` if it is unknown, expired, revoked or its user disabled."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        raise Unauthorized("Unknown API token")
    now = utcnow()
    if row.revoked_at is not None:
        raise Unauthorized(f"API token {row.prefix}… was revoked on {row.revoked_at:%Y-%m-%d}")
    if row.expires_at <= now:
        raise Unauthorized(f"API token {row.prefix}… expired on {row.expires_at:%Y-%m-%d}")
    if not row.user.is_active:
        raise Unauthorized("The account behind this API token is disabled")
    # Record use at most once a minute, so reads do not each cost a write.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = now
    return actor_for(row.user)


def user_summary(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "organisation_id": user.organisation_id,
        "role": user.role.value,
        "modules": list(user.modules or ()),
        "is_active": user.is_active,
    }
