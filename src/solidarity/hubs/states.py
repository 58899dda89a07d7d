"""The request life cycle: which state may follow which. Pure, no database.

>>> can_move(RequestState.DRAFT, RequestState.SUBMITTED), can_move(RequestState.DRAFT, RequestState.DISPATCHED)
(True, False)
>>> sorted(s.value for s in TRANSITIONS[RequestState.SUBMITTED])
['approved', 'cancelled', 'rejected']
"""

from __future__ import annotations

from solidarity.hubs.models import RequestState

S = RequestState

TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.ALLOCATED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}
"""Allowed next states; closed, rejected and cancelled are final."""

# Transitions only a hubs coordinator makes; the requesting organisation's editors make the others.
COORDINATOR_STATES = frozenset({S.APPROVED, S.REJECTED, S.ALLOCATED, S.DISPATCHED})


def can_move(current: RequestState, target: RequestState) -> bool:
    return target in TRANSITIONS[current]
