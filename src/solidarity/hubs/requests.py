"""Supply requests from countries and emergency points, and their audited life cycle.

The requesting organisation's editors draft, submit and cancel; hubs coordinators approve (possibly
lower quantities), reject, allocate and dispatch. Shipments move a request to dispatched and delivered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.db.base import utcnow
from solidarity.errors import Invalid, NotFound
from solidarity.hubs.ledger import check_quantity
from solidarity.hubs.locations import MODULE, resolve_hub, resolve_item, resolve_owner
from solidarity.hubs.models import Priority, RequestLine, RequestState, RequestTransition, SupplyRequest
from solidarity.hubs.states import COORDINATOR_STATES, TRANSITIONS, can_move
from solidarity.reference.countries import resolve_country


def _snapshot(request: SupplyRequest) -> dict[str, object]:
    data = audit.snapshot(request)
    data["lines"] = [
        {"item_id": line.item_id, "quantity": line.quantity, "approved_quantity": line.approved_quantity}
        for line in request.lines
    ]
    return data


def create_request(
    session: Session,
    actor: Actor,
    *,
    organisation: str | int,
    country: str,
    lines: Sequence[tuple[str, int]],
    priority: Priority = Priority.NORMAL,
    needed_by: dt.date | None = None,
    emergency_point: str | None = None,
    hub: str | int | None = None,
) -> SupplyRequest:
    """Draft a request of ``lines`` (item code or name, quantity). Raises ``Forbidden`` unless ``actor``
    edits for the requesting organisation or coordinates hubs, ``Invalid`` for no lines, a bad quantity
    or an unknown country, ``NotFound`` for an unknown item or hub."""
    org = resolve_owner(session, organisation)
    actor.require_write(MODULE, org.id)
    found = resolve_country(country)
    if not lines:
        raise Invalid("A request needs at least one line", details=[{"field": "lines", "reason": "empty"}])
    request = SupplyRequest(
        requesting_organisation_id=org.id,
        country_code=found.alpha2,
        emergency_point=(emergency_point or "").strip() or None,
        hub_id=resolve_hub(session, hub).id if hub is not None and str(hub).strip() else None,
        priority=priority,
        needed_by=needed_by,
        state=RequestState.DRAFT,
    )
    for number, (item, quantity) in enumerate(lines, start=1):
        check_quantity(quantity, f"lines[{number}].quantity")
        request.lines.append(RequestLine(item_id=resolve_item(session, item).id, quantity=quantity))
    session.add(request)
    session.flush()
    session.add(
        RequestTransition(
            request_id=request.id,
            from_state=None,
            to_state=RequestState.DRAFT,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            reason="drafted",
            at=utcnow(),
        )
    )
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_request",
        entity_type="request",
        entity_id=request.id,
        after=_snapshot(request),
    )
    return request


def get_request(session: Session, request_id: int) -> SupplyRequest:
    request = session.get(SupplyRequest, request_id)
    if request is None:
        raise NotFound(f"Request {request_id} does not exist", details=[{"field": "request", "value": request_id}])
    return request


def list_requests(
    session: Session, *, state: RequestState | None = None, country: str | None = None
) -> list[SupplyRequest]:
    query = select(SupplyRequest).order_by(SupplyRequest.id.desc())
    if state is not None:
        query = query.where(SupplyRequest.state == state)
    if country:
        query = query.where(SupplyRequest.country_code == resolve_country(country).alpha2)
    return list(session.scalars(query))


def transition(
    session: Session,
    actor: Actor,
    request_id: int,
    target: RequestState,
    *,
    reason: str | None = None,
    approved: Mapping[int, int] | None = None,
) -> SupplyRequest:
    """Move a request to ``target`` if the table in ``states`` allows it, recording who and why.

    ``approved`` maps line ids to approved quantities (at most the requested quantity; lines left out
    are approved in full). Raises ``Invalid`` for a transition the current state does not allow, a
    rejection or cancellation without a reason, or a bad approved quantity; ``Forbidden`` unless
    ``actor`` coordinates hubs (approve, reject, allocate, dispatch) or edits for the requester.
    """
    request = get_request(session, request_id)
    if target in COORDINATOR_STATES:
        actor.require_write(MODULE, None)
    else:
        actor.require_write(MODULE, request.requesting_organisation_id)
    current = request.state
    if not can_move(current, target):
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none: the request is final"
        raise Invalid(
            f"Request {request.id} is {current.value}; it cannot become {target.value} (allowed: {allowed})",
            details=[{"field": "state", "value": target.value, "reason": f"not allowed from {current.value}"}],
        )
    if target in (RequestState.REJECTED, RequestState.CANCELLED) and not (reason or "").strip():
        raise Invalid(f"Say why the request is {target.value}", details=[{"field": "reason", "reason": "missing"}])
    before = _snapshot(request)
    if target is RequestState.APPROVED:
        _approve(request, approved or {})
    if target is RequestState.SUBMITTED:
        request.submitted_at = utcnow()
    if target is RequestState.DELIVERED:
        request.delivered_at = utcnow()
    request.state = target
    session.add(
        RequestTransition(
            request_id=request.id,
            from_state=current,
            to_state=target,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            reason=(reason or "").strip() or None,
            at=utcnow(),
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action=f"request_{target.value}",
        entity_type="request",
        entity_id=request.id,
        before=before,
        after=_snapshot(request),
        reason=reason,
    )
    return request


def _approve(request: SupplyRequest, approved: Mapping[int, int]) -> None:
    lines = {line.id: line for line in request.lines}
    unknown = sorted(set(approved) - set(lines))
    if unknown:
        raise Invalid(f"Request {request.id} has no lines {unknown}", details=[{"field": "approved", "value": unknown}])
    for line in request.lines:
        quantity = approved.get(line.id, line.quantity)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= line.quantity:
            raise Invalid(
                f"Approved quantity {quantity!r} for line {line.id} must be between 0 and {line.quantity}",
                details=[{"field": f"approved[{line.id}]", "value": quantity, "reason": "out of range"}],
            )
        line.approved_quantity = quantity
