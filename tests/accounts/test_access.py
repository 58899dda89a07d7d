import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthorized
from solidarity.partners import access
from solidarity.partners.accounts import ApiToken, User
from tests.conftest import Person


def test_passwords_are_stored_as_argon2_hashes(db: sessionmaker[Session], admin: Person) -> None:
    with transaction(db) as session:
        stored = session.get(User, admin.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2")
        assert admin.password not in stored.password_hash


def test_login_with_the_right_password_returns_the_users_actor(
    db: sessionmaker[Session], settings: Settings, admin: Person
) -> None:
    actor = access.authenticate(db, settings, email=admin.email.upper(), password=admin.password, client="1.2.3.4")
    assert (actor.user_id, actor.role) == (admin.id, Role.ADMIN)


def test_wrong_password_and_unknown_email_get_the_same_answer(
    db: sessionmaker[Session], settings: Settings, admin: Person
) -> None:
    with pytest.raises(Unauthorized) as wrong_password:
        access.authenticate(db, settings, email=admin.email, password="nope", client="c")
    with pytest.raises(Unauthorized) as unknown:
        access.authenticate(db, settings, email="nobody@example.org", password="nope", client="c")
    assert wrong_password.value.message == unknown.value.message == "Wrong e-mail or password"


def test_failed_logins_are_rate_limited_even_with_the_right_password(
    db: sessionmaker[Session], settings: Settings, admin: Person
) -> None:
    for _ in range(settings.login_max_failures):
        with pytest.raises(Unauthorized):
            access.authenticate(db, settings, email=admin.email, password="guess", client="10.0.0.1")
    with pytest.raises(RateLimited):
        access.authenticate(db, settings, email=admin.email, password=admin.password, client="10.0.0.2")


def test_one_address_guessing_many_accounts_is_rate_limited(
    db: sessionmaker[Session], settings: Settings, admin: Person
) -> None:
    for n in range(settings.login_max_failures):
        with pytest.raises(Unauthorized):
            access.authenticate(db, settings, email=f"user{n}@example.org", password="guess", client="10.9.9.9")
    with pytest.raises(RateLimited):
        access.authenticate(db, settings, email=admin.email, password=admin.password, client="10.9.9.9")


def test_disabled_user_cannot_log_in(
    db: sessionmaker[Session], settings: Settings, admin: Person, make_person: Callable[..., Person]
) -> None:
    viewer = make_person(Role.VIEWER)
    with transaction(db) as session:
        access.set_user_active(session, admin.actor, viewer.id, is_active=False)
    with pytest.raises(Unauthorized):
        access.authenticate(db, settings, email=viewer.email, password=viewer.password, client="c")


def test_duplicate_email_is_refused_with_the_existing_id(db: sessionmaker[Session], admin: Person) -> None:
    with pytest.raises(Conflict) as caught, transaction(db) as session:
        access.create_user(
            session,
            admin.actor,
            email=admin.email,
            name="again",
            password="long enough pw",
            organisation_id=admin.organisation_id,
            role=Role.VIEWER,
        )
    assert caught.value.details == {"existing_id": admin.id}


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("password", {"password": "short"}),
        ("email", {"email": "not-an-email"}),
        ("organisation_id", {"organisation_id": 424242}),
        ("modules", {"modules": ["astrology"]}),
    ],
)
def test_bad_user_fields_are_refused_by_name(
    db: sessionmaker[Session], admin: Person, field: str, overrides: dict[str, object]
) -> None:
    values: dict[str, object] = {
        "email": "new@example.org",
        "name": "New",
        "password": "long enough pw",
        "organisation_id": admin.organisation_id,
        "role": Role.VIEWER,
    }
    values.update(overrides)
    with pytest.raises(Invalid) as caught, transaction(db) as session:
        access.create_user(session, admin.actor, **values)  # type: ignore[arg-type]
    assert caught.value.details[0]["field"] == field


def test_only_admins_create_users(db: sessionmaker[Session], make_person: Callable[..., Person]) -> None:
    coordinator = make_person(Role.COORDINATOR)
    with pytest.raises(Forbidden), transaction(db) as session:
        access.create_user(
            session,
            coordinator.actor,
            email="x@example.org",
            name="x",
            password="long enough pw",
            organisation_id=coordinator.organisation_id,
            role=Role.ADMIN,
        )


def test_token_is_stored_hashed_and_identifies_its_user(
    db: sessionmaker[Session], settings: Settings, admin: Person
) -> None:
    with transaction(db) as session:
        issued = access.create_token(session, admin.actor, settings, user_id=admin.id, name="script")
    with transaction(db) as session:
        row = session.get(ApiToken, issued.id)
        assert row is not None
        assert issued.token not in row.token_hash
        assert access.actor_for_token(session, issued.token).user_id == admin.id


def test_revoked_token_is_refused(db: sessionmaker[Session], settings: Settings, admin: Person) -> None:
    with transaction(db) as session:
        issued = access.create_token(session, admin.actor, settings, user_id=admin.id, name="script")
        access.revoke_token(session, admin.actor, issued.id)
    with pytest.raises(Unauthorized, match="revoked"), transaction(db) as session:
        access.actor_for_token(session, issued.token)


def test_expired_token_is_refused(db: sessionmaker[Session], settings: Settings, admin: Person) -> None:
    with transaction(db) as session:
        issued = access.create_token(session, admin.actor, settings, user_id=admin.id, name="old", days=1)
        row = session.get(ApiToken, issued.id)
        assert row is not None
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with pytest.raises(Unauthorized, match="expired"), transaction(db) as session:
        access.actor_for_token(session, issued.token)


def test_users_cannot_issue_or_revoke_tokens_of_others(
    db: sessionmaker[Session], settings: Settings, admin: Person, make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR)
    with pytest.raises(Forbidden), transaction(db) as session:
        access.create_token(session, editor.actor, settings, user_id=admin.id, name="steal")
    with transaction(db) as session:
        issued = access.create_token(session, admin.actor, settings, user_id=admin.id, name="mine")
    with pytest.raises(Forbidden), transaction(db) as session:
        access.revoke_token(session, editor.actor, issued.id)


def test_anonymous_cannot_issue_tokens(db: sessionmaker[Session], settings: Settings, admin: Person) -> None:
    with pytest.raises(Unauthorized), transaction(db) as session:
        access.create_token(session, Actor.anonymous(), settings, user_id=admin.id, name="x")


def test_token_of_a_disabled_user_stops_working(
    db: sessionmaker[Session], settings: Settings, admin: Person, make_person: Callable[..., Person]
) -> None:
    viewer = make_person(Role.VIEWER)
    with transaction(db) as session:
        issued = access.create_token(session, viewer.actor, settings, user_id=viewer.id, name="x")
        access.set_user_active(session, admin.actor, viewer.id, is_active=False)
    with pytest.raises(Unauthorized, match="disabled"), transaction(db) as session:
        access.actor_for_token(session, issued.token)
    with transaction(db) as session:
        assert session.scalars(select(User).where(User.id == viewer.id)).one().is_active is False
