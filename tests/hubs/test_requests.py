"""Requests move only along the allowed transitions, and every transition is recorded with who and why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid
from solidarity.hubs import requests, shipments
from solidarity.hubs.models import Priority, RequestState
from tests.conftest import Person
from tests.hubs.conftest import SYSTEM, Depot

S = RequestState


def _draft(db: sessionmaker[Session], actor: Actor = SYSTEM, organisation: str | int = "UNICEF") -> int:
    with transaction(db) as session:
        return requests.create_request(
            session,
            actor,
            organisation=organisation,
            country="ET",
            lines=[("VENT-ICU", 10), ("goggles", 500)],
            priority=Priority.HIGH,
            emergency_point="Addis Ababa",
        ).id


def test_a_request_goes_from_draft_to_closed_with_lower_approved_quantities(
    db: sessionmaker[Session], depot: Depot, receive: Callable[..., int], coordinator: Actor
) -> None:
    receive(quantity=20)
    request_id = _draft(db)
    with transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.SUBMITTED)
        request = requests.get_request(session, request_id)
        first = request.lines[0].id
        requests.transition(session, coordinator, request_id, S.APPROVED, approved={first: 6}, reason="stock is short")
        assert [line.approved_quantity for line in request.lines] == [6, 500]
    with transaction(db) as session:
        shipment = shipments.dispatch(
            session, coordinator, hub=depot.hub_id, country="ET", item="VENT-ICU", quantity=6, request_id=request_id
        )
        assert requests.get_request(session, request_id).state is S.DISPATCHED
    with transaction(db) as session:
        shipments.deliver_totals(session, coordinator, shipment.id, accepted=6, rejected=0)
        assert requests.get_request(session, request_id).state is S.DELIVERED
        requests.transition(session, SYSTEM, request_id, S.CLOSED, reason="done")
    with transaction(db) as session:
        request = requests.get_request(session, request_id)
        path = [(t.from_state, t.to_state, t.actor_label) for t in request.transitions]
        audited = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "request")).all()
    assert [p[1] for p in path] == [S.DRAFT, S.SUBMITTED, S.APPROVED, S.ALLOCATED, S.DISPATCHED, S.DELIVERED, S.CLOSED]
    assert path[2][2] == coordinator.label
    assert "request_approved" in audited
    assert "request_closed" in audited


@pytest.mark.parametrize("target", [S.APPROVED, S.DISPATCHED, S.DELIVERED, S.CLOSED])
def test_a_transition_the_state_does_not_allow_is_refused_and_changes_nothing(
    db: sessionmaker[Session], depot: Depot, target: RequestState
) -> None:
    request_id = _draft(db)
    with pytest.raises(Invalid, match="cannot become"), transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, target)
    with transaction(db) as session:
        request = requests.get_request(session, request_id)
        assert request.state is S.DRAFT
        assert len(request.transitions) == 1


def test_final_states_allow_nothing(db: sessionmaker[Session], depot: Depot) -> None:
    request_id = _draft(db)
    with pytest.raises(Invalid, match="why"), transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.CANCELLED)
    with transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.CANCELLED, reason="duplicate")
    with pytest.raises(Invalid, match="final"), transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.SUBMITTED)


def test_approving_more_than_requested_is_refused(db: sessionmaker[Session], depot: Depot) -> None:
    request_id = _draft(db)
    with transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.SUBMITTED)
        line = requests.get_request(session, request_id).lines[0].id
    with pytest.raises(Invalid, match="between 0 and 10"), transaction(db) as session:
        requests.transition(session, SYSTEM, request_id, S.APPROVED, approved={line: 11})


def test_editors_draft_for_their_organisation_but_only_coordinators_approve(
    db: sessionmaker[Session], depot: Depot, make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=depot.unicef).actor
    with pytest.raises(Forbidden), transaction(db) as session:
        requests.create_request(session, editor, organisation="WFP", country="ET", lines=[("VENT-ICU", 1)])
    request_id = _draft(db, editor)
    with transaction(db) as session:
        requests.transition(session, editor, request_id, S.SUBMITTED)
    with pytest.raises(Forbidden), transaction(db) as session:
        requests.transition(session, editor, request_id, S.APPROVED)


def test_a_request_needs_lines_with_positive_quantities(db: sessionmaker[Session], depot: Depot) -> None:
    for lines in ([], [("VENT-ICU", 0)], [("VENT-ICU", -1)]):
        with pytest.raises(Invalid), transaction(db) as session:
            requests.create_request(session, SYSTEM, organisation="UNICEF", country="ET", lines=lines)
