"""Tables of the allocation module: stored plans, coordinators' edits to their lines, weight overrides."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from solidarity.db.base import Base, UTCDateTime, utcnow


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


class AllocationPlan(Base):
    """A problem, the objective it was solved for, and the plan (Plan JSON), draft until approved."""

    __tablename__ = "allocation_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(20))
    problem: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[PlanStatus] = mapped_column(
        Enum(PlanStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=PlanStatus.DRAFT,
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AllocationPlanEdit(Base):
    """A coordinator's change to one line of a draft plan, with the quantity before and after."""

    __tablename__ = "allocation_plan_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"), index=True)
    hub: Mapped[str] = mapped_column(String(100))
    destination: Mapped[str] = mapped_column(String(100))
    item: Mapped[str] = mapped_column(String(100))
    before_quantity: Mapped[int] = mapped_column(Integer)
    after_quantity: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeightOverride(Base):
    """A coordinator's weight for a destination in place of the need index; the newest one counts."""

    __tablename__ = "allocation_weight_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination: Mapped[str] = mapped_column(String(100), index=True)
    weight: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(1000))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HealthCapacity(Base):
    """A country's value of the imported health-capacity indicator (a WHO GHO export) and its
    percentile among the indicator's countries, the need index's health-capacity proxy."""

    __tablename__ = "allocation_health_capacity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alpha2: Mapped[str] = mapped_column(String(2), index=True)
    indicator_code: Mapped[str] = mapped_column(String(60))
    indicator: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    proxy: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
