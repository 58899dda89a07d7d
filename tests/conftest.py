"""Fixtures: every test gets its own freshly migrated database on the engine under test.

``SOLIDARITY_TEST_ENGINE`` chooses the engine: ``sqlite`` (the default) or ``postgresql``, which
needs ``SOLIDARITY_TEST_DATABASE_URL``. The schema is migrated once per run into a template; each
test gets a copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so
services, the API, the CLI and a live browser server all see the same real, isolated database.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.config import Settings, load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.partners import access
from solidarity.partners import service as partners_service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate
from solidarity.web.app import create_app

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
ENGINE = os.environ.get("SOLIDARITY_TEST_ENGINE", "sqlite")
_counter = itertools.count()


def _settings(database_url: str, data_dir: Path) -> Settings:
    return load_settings(environment="test", database_url=database_url, data_dir=data_dir, secret_key=TEST_SECRET)


class _Databases:
    """Makes one migrated template, then a fresh copy of it per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.created: list[str] = []
        if ENGINE == "sqlite":
            self.template = root / "template.db"
            engine = make_engine(_settings(f"sqlite:///{self.template}", root))
            upgrade(engine)
            engine.dispose()
            return
        if ENGINE != "postgresql":
            raise pytest.UsageError(f"SOLIDARITY_TEST_ENGINE has value {ENGINE!r}: use sqlite or postgresql")
        base = os.environ.get("SOLIDARITY_TEST_DATABASE_URL")
        if not base:
            raise pytest.UsageError("SOLIDARITY_TEST_ENGINE=postgresql needs SOLIDARITY_TEST_DATABASE_URL")
        self.base_url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
        self.admin: Engine = create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"{self.base_url.database}_t{os.getpid()}"
        self.template_name = f"{self.prefix}_tpl"
        self._drop(self.template_name)
        self._execute(f'CREATE DATABASE "{self.template_name}"')
        engine = create_engine(self.base_url.set(database=self.template_name))
        upgrade(engine)
        engine.dispose()

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def fresh(self, directory: Path) -> str:
        if ENGINE == "sqlite":
            target = directory / "solidarity.db"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        name = f"{self.prefix}_{next(_counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}" STRATEGY FILE_COPY')
        self.created.append(name)
        return self.base_url.set(database=name).render_as_string(hide_password=False)

    def release(self, url: str) -> None:
        if ENGINE == "postgresql":
            name = make_url(url).database
            assert name is not None
            self._drop(name)

    def close(self) -> None:
        if ENGINE == "postgresql":
            self._drop(self.template_name)
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    dbs = _Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.close()


@pytest.fixture
def database_url(databases: _Databases, tmp_path: Path) -> Iterator[str]:
    url = databases.fresh(tmp_path)
    yield url
    databases.release(url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return _settings(database_url, tmp_path / "data")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> sessionmaker[Session]:
    """The sessionmaker services take."""
    return make_sessionmaker(engine)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


# --- people -------------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


@dataclass
class Person:
    """A real user in the test database, with the password to sign in and the actor services take."""

    id: int
    email: str
    password: str
    organisation_id: int
    actor: Actor


@pytest.fixture
def organisation(db: sessionmaker[Session]) -> int:
    """A government organisation to hang users on, registered through the service; returns its id."""
    with transaction(db) as session:
        data = OrganisationCreate(name="Ministry of Health of Testland", type=OrganisationType.GOVERNMENT)
        return partners_service.create_organisation(session, Actor.system("test"), data).id


@pytest.fixture
def make_person(db: sessionmaker[Session], organisation: int) -> Callable[..., Person]:
    """Create a user: ``make_person(Role.EDITOR, organisation_id=..., modules=[...])``."""
    counter = itertools.count(1)

    def make(
        role: Role = Role.VIEWER, *, organisation_id: int | None = None, modules: list[str] | None = None
    ) -> Person:
        email = f"{role.value}{next(counter)}@example.org"
        org_id = organisation_id or organisation
        with transaction(db) as session:
            user = access.create_user(
                session,
                Actor.system("test"),
                email=email,
                name=email,
                password=PASSWORD,
                organisation_id=org_id,
                role=role,
                modules=modules,
            )
            return Person(
                id=user.id,
                email=email,
                password=PASSWORD,
                organisation_id=org_id,
                actor=access.actor_for(user),
            )

    return make


@pytest.fixture
def admin(make_person: Callable[..., Person]) -> Person:
    return make_person(Role.ADMIN)


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page put in its forms."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, person: Person) -> str:
    """Sign ``person`` in through the login form; returns the CSRF token of the new session."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": person.email, "password": person.password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/account").text)


@pytest.fixture
def token_for(db: sessionmaker[Session], settings: Settings) -> Callable[[Person], dict[str, str]]:
    """Authorization headers with a fresh API token for a person: ``client.get(url, headers=token_for(p))``."""

    def make(person: Person) -> dict[str, str]:
        with transaction(db) as session:
            issued = access.create_token(session, person.actor, settings, user_id=person.id, name="test")
        return {"authorization": f"Bearer {issued.token}"}

    return make
