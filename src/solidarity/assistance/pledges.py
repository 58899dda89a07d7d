"""Pledges over time: what has been committed and paid against a pledge, at any date.

A commitment fulfils a pledge (``fulfils_flow_id``); a payment fulfils a commitment or the pledge
itself. Fulfilment counts payments (disbursements, deliveries, expenditures) reached either way,
never commitments, and never more than once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from solidarity.assistance.counting import PAID_STAGES, fulfilment
from solidarity.assistance.ledger import current_version, fulfilling
from solidarity.assistance.models import FlowVersion, Stage
from solidarity.errors import Invalid


@dataclass(frozen=True)
class PledgePoint:
    date: dt.date
    committed_usd: Decimal
    paid_usd: Decimal
    percent: Decimal
    event: str = ""
    """What happens on the date besides commitments and payments: "pledge", "horizon" or "on" (the date asked)."""


@dataclass(frozen=True)
class PledgeProgress:
    pledge: FlowVersion
    on: dt.date
    committed_usd: Decimal
    paid_usd: Decimal
    percent: Decimal
    remainder_usd: Decimal
    commitments: list[FlowVersion]
    payments: list[FlowVersion]
    series: list[PledgePoint]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pledge_id": self.pledge.flow_id,
            "pledge_usd": str(self.pledge.amount_usd) if self.pledge.amount_usd is not None else None,
            "horizon_end": self.pledge.horizon_end.isoformat() if self.pledge.horizon_end else None,
            "on": self.on.isoformat(),
            "committed_usd": str(self.committed_usd),
            "paid_usd": str(self.paid_usd),
            "percent": str(self.percent),
            "remainder_usd": str(self.remainder_usd),
            "commitment_ids": [c.flow_id for c in self.commitments],
            "payment_ids": [p.flow_id for p in self.payments],
        }

    def chart(self) -> dict[str, Any]:
        """The data ``static/assistance.js`` draws: cumulative paid and committed USD over time."""
        return {
            "dates": [p.date.isoformat() for p in self.series],
            "events": [p.event for p in self.series],
            "paid": [float(p.paid_usd) for p in self.series],
            "committed": [float(p.committed_usd) for p in self.series],
            "pledge": float(self.pledge.amount_usd or 0),
        }


def pledge_progress(session: Session, flow_id: int, on: dt.date | None = None) -> PledgeProgress:
    """Fulfilment of a pledge in percent and the remainder on ``on`` (default: today), with the series to date.

    The series has a point on each date a commitment or payment counts, and on the pledge's date,
    its horizon (when not after ``on``) and ``on`` itself, so a chart runs from the pledge to the date asked.

    Raises ``NotFound`` for an unknown flow and ``Invalid`` when the flow is not a pledge.
    """
    pledge = current_version(session, flow_id)
    if pledge.stage is not Stage.PLEDGE:
        raise Invalid(
            f"Flow {flow_id} is a {pledge.stage.value}, not a pledge",
            details=[{"field": "flow_id", "value": flow_id, "reason": "not a pledge"}],
        )
    on = on or dt.date.today()
    direct = fulfilling(session, flow_id)
    commitments = [f for f in direct if f.stage is Stage.COMMITMENT]
    payments = [f for f in direct if f.stage.value in PAID_STAGES]
    for commitment in commitments:
        payments.extend(f for f in fulfilling(session, commitment.flow_id) if f.stage.value in PAID_STAGES)
    payments.sort(key=lambda f: (f.flow_date, f.flow_id))
    marks = {pledge.flow_date: "pledge", on: "on"}
    if pledge.horizon_end is not None:
        marks[pledge.horizon_end] = "horizon"
    events = sorted({f.flow_date for f in (*commitments, *payments)} | set(marks))
    total = pledge.amount_usd or Decimal(0)
    series = []
    for day in events:
        if day > on or (day < pledge.flow_date and not any(f.flow_date == day for f in (*commitments, *payments))):
            continue
        committed = sum((c.amount_usd or Decimal(0) for c in commitments if c.flow_date <= day), Decimal(0))
        paid = sum((p.amount_usd or Decimal(0) for p in payments if p.flow_date <= day), Decimal(0))
        series.append(PledgePoint(day, committed, paid, fulfilment(total, paid)[0], marks.get(day, "")))
    committed = sum((c.amount_usd or Decimal(0) for c in commitments if c.flow_date <= on), Decimal(0))
    paid = sum((p.amount_usd or Decimal(0) for p in payments if p.flow_date <= on), Decimal(0))
    percent, remainder = fulfilment(total, paid)
    return PledgeProgress(pledge, on, committed, paid, percent, remainder, commitments, payments, series)
