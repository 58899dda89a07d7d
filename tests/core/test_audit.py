from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.audit import service as audit
from solidarity.db import transaction
from solidarity.errors import Forbidden
from tests.conftest import Person


def test_record_keeps_actor_action_and_before_after(db: sessionmaker[Session], admin: Person) -> None:
    with transaction(db) as session:
        audit.record(
            session,
            admin.actor,
            module="hubs",
            action="adjust",
            entity_type="stock",
            entity_id=7,
            before={"quantity": 5},
            after={"quantity": 3},
            reason="count",
        )
    with transaction(db) as session:
        entry = audit.list_entries(session, admin.actor, module="hubs").entries[0]
    assert (entry.actor_user_id, entry.actor_label) == (admin.id, admin.email)
    assert (entry.before, entry.after, entry.reason) == ({"quantity": 5}, {"quantity": 3}, "count")


def test_audit_rolls_back_with_the_change_it_describes(db: sessionmaker[Session], admin: Person) -> None:
    with pytest.raises(RuntimeError), transaction(db) as session:
        audit.record(session, admin.actor, module="hubs", action="x", entity_type="stock", entity_id=1)
        raise RuntimeError("the change failed")
    with transaction(db) as session:
        assert audit.list_entries(session, admin.actor, module="hubs").count == 0


def test_snapshot_never_copies_password_hashes(db: sessionmaker[Session], admin: Person) -> None:
    with transaction(db) as session:
        entries = audit.list_entries(session, admin.actor, entity_type="user").entries
    assert entries, "creating a user is audited"
    assert all("password_hash" not in (e.after or {}) for e in entries)


def test_only_admins_read_the_audit_trail(db: sessionmaker[Session], make_person: Callable[..., Person]) -> None:
    coordinator = make_person(Role.COORDINATOR)
    with pytest.raises(Forbidden), transaction(db) as session:
        audit.list_entries(session, coordinator.actor)
    with pytest.raises(Forbidden), transaction(db) as session:
        audit.list_entries(session, Actor.anonymous())
