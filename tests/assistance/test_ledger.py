"""Flows: versions, percentages, USD conversion with its rate, date and source, bad input, permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.assistance import ledger, pledges
from solidarity.assistance.models import FlowVersion
from solidarity.assistance.schemas import FlowCreate
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Forbidden, Invalid, SolidarityError

from .conftest import SYSTEM

D = Decimal


def _count(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(FlowVersion)) or 0


def test_a_change_adds_a_version_and_the_old_one_stays_readable(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    with transaction(db) as session:
        first = ledger.record_flow(session, SYSTEM, flow(orgs["CN"], amount=D("1000")))
        flow_id = first.flow_id
    with transaction(db) as session:
        second = ledger.revise_flow(session, SYSTEM, flow_id, flow(orgs["CN"], amount=D("1500")), "Corrected figure")
        assert second.version == 2
    with transaction(db) as session:
        history = ledger.versions(session, flow_id)
        assert [(v.version, v.amount, v.is_current) for v in history] == [(1, D("1000"), False), (2, D("1500"), True)]
        assert ledger.get_version(session, flow_id, 1).amount == D("1000")
        assert ledger.current_version(session, flow_id).change_reason == "Corrected figure"
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity_type == "flow", AuditEntry.entity_id == str(flow_id))
        ).all()
        assert list(actions) == ["record_flow", "revise_flow"]


def test_usd_value_is_stored_with_its_rate_rate_date_and_source(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    with transaction(db) as session:
        v = ledger.record_flow(session, SYSTEM, flow(orgs["IT"], amount=D("1000"), currency="EUR"))
        assert v.currency == "EUR"
        assert v.usd_rate is not None
        assert v.usd_rate_date is not None
        assert v.usd_rate_source
        assert v.usd_rate_date <= dt.date(2020, 5, 4)
        assert v.amount_usd == (D("1000") * v.usd_rate).quantize(D("0.01"))
        assert "ECB" in v.usd_rate_source or "ecb" in v.usd_rate_source.lower()


def test_percentages_that_do_not_sum_to_100_are_refused_naming_the_field(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    bad = flow(orgs["CN"], recipients=[{"country": "IT", "percentage": 60}, {"country": "RS", "percentage": 30}])
    with transaction(db) as session, pytest.raises(Invalid) as caught:
        ledger.record_flow(session, SYSTEM, bad)
    assert caught.value.details[0]["field"] == "recipients.percentage"
    assert "60, 30" in caught.value.details[0]["value"]
    assert "90" in caught.value.message
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"currency": "ZZZ"}, "currency", "Unknown currency"),
        ({"currency": "XOF", "flow_date": dt.date(1990, 1, 2)}, "currency", "No exchange rate"),
        ({"receiver": "No Such Ministry"}, "receiver", "No organisation"),
        ({"items": [{"item": "NOT-AN-ITEM", "quantity": 3}]}, "items.0.item", "Unknown catalogue item"),
    ],
)
def test_bad_input_gets_a_specific_error_and_changes_nothing(
    db: sessionmaker[Session],
    orgs: dict[str, int],
    flow: Callable[..., FlowCreate],
    changes: dict[str, object],
    field: str,
    words: str,
) -> None:
    with transaction(db) as session, pytest.raises(Invalid) as caught:
        ledger.record_flow(session, SYSTEM, flow(orgs["CN"], **changes))
    assert words in caught.value.message
    assert caught.value.details[0]["field"] == field
    assert _count(db) == 0


def test_a_negative_quantity_is_refused_before_anything_is_written(flow: Callable[..., FlowCreate]) -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        flow(1, items=[{"item": "MASK-SURG", "quantity": -5}])


def test_a_disbursement_above_its_commitment_is_refused_unless_a_coordinator_overrides(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate], make_person: Callable[..., object]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=orgs["CN"])
    coordinator = make_person(Role.COORDINATOR, modules=["assistance"])
    with transaction(db) as session:
        commitment = ledger.record_flow(session, SYSTEM, flow(orgs["CN"], stage="commitment", amount=D("1000")))
        ledger.record_flow(session, SYSTEM, flow(orgs["CN"], amount=D("600"), fulfils_flow_id=commitment.flow_id))
        commitment_id = commitment.flow_id
    before = _count(db)
    over = flow(orgs["CN"], amount=D("500"), fulfils_flow_id=commitment_id)
    with transaction(db) as session, pytest.raises(Invalid, match="exceed commitment") as caught:
        ledger.record_flow(session, editor.actor, over)  # type: ignore[attr-defined]
    assert caught.value.details[0]["field"] == "amount"
    with transaction(db) as session, pytest.raises(Invalid, match="exceed commitment"):
        ledger.record_flow(session, coordinator.actor, over)  # type: ignore[attr-defined]
    assert _count(db) == before
    with transaction(db) as session:
        accepted = ledger.record_flow(
            session,
            coordinator.actor,  # type: ignore[attr-defined]
            over.model_copy(update={"override_reason": "Commitment raised by letter of 3 June"}),
        )
        assert accepted.override_reason == "Commitment raised by letter of 3 June"


def test_an_unknown_rate_passes_only_as_an_explicit_coordinator_rate_with_a_reason(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate], make_person: Callable[..., object]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=orgs["CN"])
    coordinator = make_person(Role.COORDINATOR, modules=["assistance"])
    data = flow(orgs["CN"], currency="XOF", flow_date=dt.date(1990, 1, 2), explicit_rate=D("0.0017"))
    with transaction(db) as session, pytest.raises(Invalid, match="Only a coordinator"):
        ledger.record_flow(session, editor.actor, data.model_copy(update={"override_reason": "bank statement"}))  # type: ignore[attr-defined]
    with transaction(db) as session, pytest.raises(Invalid, match="Only a coordinator"):
        ledger.record_flow(session, coordinator.actor, data)  # type: ignore[attr-defined]
    with transaction(db) as session:
        v = ledger.record_flow(
            session, coordinator.actor, data.model_copy(update={"override_reason": "bank statement"})
        )  # type: ignore[attr-defined]
        assert (v.amount_usd, v.usd_rate, v.usd_rate_date) == (D("1.70"), D("0.0017"), dt.date(1990, 1, 2))
        assert "bank statement" in (v.usd_rate_source or "")


def test_an_editor_writes_only_flows_their_organisation_provides_or_reports(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate], make_person: Callable[..., object]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=orgs["IT"])
    viewer = make_person(Role.VIEWER, organisation_id=orgs["IT"])
    with transaction(db) as session:
        own = ledger.record_flow(session, editor.actor, flow(orgs["IT"]))  # type: ignore[attr-defined]
        assert own.reporter_id == orgs["IT"]
        reported = ledger.record_flow(session, editor.actor, flow(orgs["CN"], reporter=str(orgs["IT"])))  # type: ignore[attr-defined]
        assert reported.provider_id == orgs["CN"]
        other = ledger.record_flow(session, SYSTEM, flow(orgs["CN"]))
        other_id = other.flow_id
    before = _count(db)
    with transaction(db) as session, pytest.raises(Forbidden):
        ledger.record_flow(session, editor.actor, flow(orgs["CN"], reporter=str(orgs["CN"])))  # type: ignore[attr-defined]
    with transaction(db) as session, pytest.raises(Forbidden):
        ledger.revise_flow(session, editor.actor, other_id, flow(orgs["IT"]), "take it over")  # type: ignore[attr-defined]
    with transaction(db) as session, pytest.raises(SolidarityError):
        ledger.record_flow(session, viewer.actor, flow(orgs["IT"]))  # type: ignore[attr-defined]
    assert _count(db) == before


def test_pledge_fulfilment_and_remainder_at_any_date(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    cn = orgs["CN"]
    with transaction(db) as session:
        pledge = ledger.record_flow(
            session,
            SYSTEM,
            flow(
                cn, stage="pledge", amount=D("2000"), flow_date=dt.date(2020, 5, 18), horizon_end=dt.date(2022, 5, 18)
            ),
        )
        commitment = ledger.record_flow(
            session,
            SYSTEM,
            flow(
                cn, stage="commitment", amount=D("800"), flow_date=dt.date(2020, 7, 1), fulfils_flow_id=pledge.flow_id
            ),
        )
        ledger.record_flow(
            session,
            SYSTEM,
            flow(cn, amount=D("300"), flow_date=dt.date(2020, 9, 1), fulfils_flow_id=commitment.flow_id),
        )
        ledger.record_flow(
            session, SYSTEM, flow(cn, amount=D("200"), flow_date=dt.date(2021, 1, 4), fulfils_flow_id=pledge.flow_id)
        )
        pledge_id = pledge.flow_id
    with transaction(db) as session:
        early = pledges.pledge_progress(session, pledge_id, dt.date(2020, 8, 1))
        assert (early.committed_usd, early.paid_usd, early.percent, early.remainder_usd) == (D("800"), 0, 0, D("2000"))
        late = pledges.pledge_progress(session, pledge_id, dt.date(2021, 6, 1))
        assert (late.paid_usd, late.percent, late.remainder_usd) == (D("500"), D("25.0"), D("1500"))
        assert [p.date for p in late.series] == [
            dt.date(2020, 5, 18),
            dt.date(2020, 7, 1),
            dt.date(2020, 9, 1),
            dt.date(2021, 1, 4),
            dt.date(2021, 6, 1),
        ]
        assert late.series[-1].event == "on", "the series runs to the date asked"
        with pytest.raises(Invalid, match="not a pledge"):
            pledges.pledge_progress(session, commitment.flow_id)
