import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from solidarity.config import load_settings
from solidarity.db import make_engine, ping, transaction
from solidarity.db.migrate import current_revision, head_revision, upgrade
from solidarity.db.models import metadata
from solidarity.db.unmapped import include_object
from solidarity.errors import DatabaseUnavailable
from solidarity.partners.accounts import User
from solidarity.partners.models import Organisation, OrganisationType


def test_fresh_database_is_migrated_to_head(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(load_settings(data_dir=tmp_path))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()


def test_foreign_keys_are_enforced_on_both_engines(db: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), transaction(db) as session:
        session.add(
            User(email="a@b.org", name="a", password_hash="x", organisation_id=999_999, role="viewer", modules=[])
        )


def test_times_come_back_timezone_aware_in_utc(db: sessionmaker[Session]) -> None:
    instant = dt.datetime(2020, 3, 11, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with transaction(db) as session:
        org = Organisation(name="Clock test", type=OrganisationType.NGO, created_at=instant, updated_at=instant)
        session.add(org)
    with transaction(db) as session:
        stored = session.scalars(select(Organisation).where(Organisation.name == "Clock test")).one()
        assert stored.created_at == instant
        assert stored.created_at.tzinfo == dt.UTC


def test_naive_datetimes_are_refused(db: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(db) as session:
        session.add(Organisation(name="Naive", type=OrganisationType.NGO, created_at=dt.datetime(2020, 1, 1)))


def test_failed_transaction_leaves_nothing_behind(db: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(db) as session:
        session.add(Organisation(name="Half written", type=OrganisationType.NGO))
        session.flush()
        raise RuntimeError("boom")
    with transaction(db) as session:
        assert session.scalars(select(Organisation).where(Organisation.name == "Half written")).first() is None


def test_unreachable_database_is_reported_without_the_password() -> None:
    settings = load_settings(database_url="postgresql+psycopg://ana:s3cret@127.0.0.1:1/nowhere")
    engine = make_engine(settings)
    with pytest.raises(DatabaseUnavailable) as caught:
        ping(engine)
    assert "s3cret" not in caught.value.message
    assert "127.0.0.1:1/nowhere" in caught.value.message
    engine.dispose()


def test_migrations_create_exactly_the_schema_the_models_describe(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, metadata)
    assert differences == [], "a model changed without a migration: run the autogenerate recipe in docs/architecture.md"
