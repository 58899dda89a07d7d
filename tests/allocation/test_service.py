"""Stored plans: create, edit a line, approve; weight overrides with a reason; all audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.allocation import service
from solidarity.allocation.models import PlanStatus
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid

PROBLEM: dict[str, Any] = {
    "items": [{"id": "masks", "unit_weight_kg": 0.004}],
    "hubs": [{"id": "GZ", "stock": {"masks": 100}}],
    "destinations": [{"id": d, "requests": {"masks": 50}} for d in ("IRQ", "ITA", "IRN")],
}
COORDINATOR = Actor(user_id=None, organisation_id=None, role=Role.COORDINATOR, label="coord", modules=("allocation",))


def test_a_coordinator_creates_edits_and_approves_a_plan_with_audit(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        plan_id = service.create_plan(session, COORDINATOR, PROBLEM, title="Masks, week 12").id
    with transaction(db) as session:
        row = service.edit_line(session, COORDINATOR, plan_id, hub="GZ", destination="IRQ", item="masks", quantity=30)
        assert row.plan["metrics"]["delivered"] == 96
        assert row.plan["metrics"]["min_fill"] == 0.6
    with transaction(db) as session:
        row = service.approve_plan(session, COORDINATOR, plan_id)
        assert row.status is PlanStatus.APPROVED
        assert row.approved_by == "coord"
    with transaction(db) as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.module == "allocation")).all()
        assert actions == ["create", "edit_line", "approve"]
        assert len(service.list_edits(session, plan_id)) == 1
        with pytest.raises(Conflict):
            service.edit_line(session, COORDINATOR, plan_id, hub="GZ", destination="IRQ", item="masks", quantity=1)


def test_an_edit_beyond_stock_or_request_is_refused(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        plan_id = service.create_plan(session, COORDINATOR, PROBLEM, title="t").id
    with transaction(db) as session, pytest.raises(Invalid, match="breaks a limit") as caught:
        service.edit_line(session, COORDINATOR, plan_id, hub="GZ", destination="IRQ", item="masks", quantity=51)
    reasons = {d["field"]: d["reason"] for d in caught.value.details}
    assert reasons == {"GZ.masks": "more than the hub's stock", "IRQ.masks": "more than requested"}


def test_an_editor_may_not_create_or_approve_plans(db: sessionmaker[Session], make_person: Callable[..., Any]) -> None:
    editor = make_person(Role.EDITOR)
    with transaction(db) as session, pytest.raises(Forbidden):
        service.create_plan(session, editor.actor, PROBLEM, title="t")


def test_a_weight_override_needs_a_reason_and_replaces_the_need_weight(db: sessionmaker[Session]) -> None:
    with transaction(db) as session, pytest.raises(Invalid, match="reason"):
        service.set_weight_override(session, COORDINATOR, "IQ", 2.0, "  ")
    with transaction(db) as session:
        service.set_weight_override(session, COORDINATOR, "IQ", 2.5, "Field hospitals overwhelmed")
    with transaction(db) as session:
        weights = service.need_weights_for(session, [("IQ", 1.0, None), ("IT", 0.0, None)])
        assert weights["IQ"] == 2.5
        assert 0.5 <= weights["IT"] <= 1.5
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "override_weight")).one()
        assert entry.reason == "Field hospitals overwhelmed"


def test_a_plan_stored_before_the_per_weight_metric_shows_it_recomputed(db: sessionmaker[Session]) -> None:
    weighted = {
        **PROBLEM,
        "destinations": [{**d, "weight": w} for d, w in zip(PROBLEM["destinations"], (2, 1, 1), strict=True)],
    }
    with transaction(db) as session:
        row = service.create_plan(session, COORDINATOR, weighted, title="Masks")
        # IRQ (weight 2) is filled in full; ITA and IRN share the rest: 25 of 50 at weight 1
        assert row.plan["metrics"]["min_fill_per_weight"] == 0.5
        stored = {**row.plan, "metrics": {k: v for k, v in row.plan["metrics"].items() if k != "min_fill_per_weight"}}
        row.plan = stored
    with transaction(db) as session:
        row = service.get_plan(session, row.id)
        assert "min_fill_per_weight" not in row.plan["metrics"]
        assert service.plan_metrics(row)["min_fill_per_weight"] == 0.5
