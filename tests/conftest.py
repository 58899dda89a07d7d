"""Fixtures: every test gets its own freshly migrated database on the engine under test.

``SOLIDARITY_TEST_ENGINE`` chooses the engine: ``sqlite`` (the default) or ``postgresql``, which
needs ``SOLIDARITY_TEST_DATABASE_URL``. The schema is migrated once per run into a template; each
test gets a copy (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so
services, the API, the CLI and a live browser server all see the same real, isolated database.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from solidarity.config import Settings, load_settings
from solidarity.db import make_engine, make_sessionmaker
from solidarity.db.migrate import upgrade
from solidarity.web.app import create_app

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
ENGINE = os.environ.get("SOLIDARITY_TEST_ENGINE", "sqlite")
_counter = itertools.count()


def _settings(database_url: str, data_dir: Path) -> Settings:
    return load_settings(
        environment="test", database_url=database_url, data_dir=data_dir, secret_key=TEST_SECRET
    )


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
