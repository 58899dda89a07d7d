"""Stored plans and weights: solve and keep a plan, edit its lines, approve it; need weights and overrides.

Every write checks that the actor coordinates ``allocation`` (or is an administrator) and is
audited. Approval records who approved and when; a plan made from the hubs' open requests
(``plan_from_requests``) also approves those requests with its quantities and proposes shipments
(see ``hub_requests``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.allocation import hub_requests
from solidarity.allocation.gho import GhoIndicator, read_gho_csv
from solidarity.allocation.models import AllocationPlan, AllocationPlanEdit, HealthCapacity, PlanStatus, WeightOverride
from solidarity.allocation.need import NeedInputs, need_weights
from solidarity.allocation.problem import parse_problem
from solidarity.allocation.solver import baseline_plans, plan_from_allocations, solve
from solidarity.audit.service import record
from solidarity.db.base import utcnow
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound, SolidarityError
from solidarity.hubs.locations import MODULE as HUBS_MODULE
from solidarity.reference import service as reference
from solidarity.reference.countries import Country, find_country, resolve_country
from solidarity.reporting.incidence import recent_incidence

MODULE = "allocation"


def _require_coordinator(actor: Actor) -> None:
    actor.require_authenticated()
    if not actor.coordinates(MODULE):
        raise Forbidden(f"{actor.label} does not coordinate allocation: only its coordinators and administrators may")


def _snapshot(plan: AllocationPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "objective": plan.objective,
        "status": plan.status.value,
        "metrics": plan.plan["metrics"],
    }


def create_plan(
    session: Session, actor: Actor, problem: dict[str, Any], *, objective: str = "maxmin", title: str
) -> AllocationPlan:
    """Solve ``problem`` (Problem JSON) and store the plan as a draft.

    Raises ``Forbidden`` unless the actor coordinates allocation, ``Invalid`` for a bad problem or
    objective and ``Infeasible``/``Unbounded`` from the solver.
    """
    _require_coordinator(actor)
    if not title.strip():
        raise Invalid("A plan needs a title", details=[{"field": "title", "reason": "required"}])
    parsed = parse_problem(problem)
    plan = solve(parsed, objective)
    stored = parsed.as_dict()
    if hub_requests.is_from_requests(problem):
        stored["source"] = problem["source"]
    row = AllocationPlan(
        title=title.strip()[:200],
        objective=plan.objective,
        problem=stored,
        plan=plan.as_dict(),
        status=PlanStatus.DRAFT,
        created_by=actor.label,
    )
    session.add(row)
    session.flush()
    record(session, actor, module=MODULE, action="create", entity_type="plan", entity_id=row.id, after=_snapshot(row))
    return row


def get_plan(session: Session, plan_id: int) -> AllocationPlan:
    """The stored plan; ``NotFound`` if there is none with that id."""
    row = session.get(AllocationPlan, plan_id)
    if row is None:
        raise NotFound(f"No allocation plan {plan_id}", details=[{"field": "plan_id", "value": plan_id}])
    return row


def list_plans(session: Session) -> list[AllocationPlan]:
    return list(session.scalars(select(AllocationPlan).order_by(AllocationPlan.id.desc())))


def list_edits(session: Session, plan_id: int) -> list[AllocationPlanEdit]:
    query = select(AllocationPlanEdit).where(AllocationPlanEdit.plan_id == plan_id).order_by(AllocationPlanEdit.id)
    return list(session.scalars(query))


def summary(row: AllocationPlan) -> dict[str, Any]:
    """A stored plan in a line: id, title, objective, status, lowest fill, delivered, who and when."""
    return {
        "id": row.id,
        "title": row.title,
        "objective": row.objective,
        "status": row.status.value,
        "min_fill": row.plan["metrics"]["min_fill"],
        "delivered": row.plan["metrics"]["delivered"],
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
    }


def plan_metrics(row: AllocationPlan) -> dict[str, Any]:
    """The stored plan's metrics; recomputed from its lines when stored before a metric was added
    (``min_fill_per_weight``, 29 November 2026)."""
    metrics: dict[str, Any] = row.plan["metrics"]
    if "min_fill_per_weight" in metrics:
        return metrics
    plan = plan_from_allocations(parse_problem(row.problem), row.objective, row.plan["allocations"])
    return dict(plan.as_dict()["metrics"])


def baselines(row: AllocationPlan) -> dict[str, dict[str, Any]]:
    """Metrics of first-come-first-served and proportional-to-request for the plan's problem."""
    problem = parse_problem(row.problem)
    return {name: plan.as_dict()["metrics"] for name, plan in baseline_plans(problem).items()}


def edit_line(
    session: Session, actor: Actor, plan_id: int, *, hub: str, destination: str, item: str, quantity: int
) -> AllocationPlan:
    """Set one (hub, destination, item) quantity of a draft plan; metrics and explanation are recomputed.

    Raises ``Conflict`` for an approved plan, ``Invalid`` when the new quantity breaks stock,
    request or capacity or the line has no route, ``Forbidden`` unless the actor coordinates allocation.
    """
    _require_coordinator(actor)
    row = get_plan(session, plan_id)
    if row.status is PlanStatus.APPROVED:
        raise Conflict(f"Plan {plan_id} is approved; it can no longer change", details={"existing_id": plan_id})
    lines = [dict(line) for line in row.plan["allocations"]]
    before = 0
    for line in lines:
        if (line["hub"], line["destination"], line["item"]) == (hub, destination, item):
            before = int(line["quantity"])
            line["quantity"] = quantity
            break
    else:
        lines.append({"hub": hub, "destination": destination, "item": item, "quantity": quantity})
    edited = plan_from_allocations(parse_problem(row.problem), row.objective, lines)
    snapshot = _snapshot(row)
    row.plan = edited.as_dict()
    session.add(
        AllocationPlanEdit(
            plan_id=row.id,
            hub=hub,
            destination=destination,
            item=item,
            before_quantity=before,
            after_quantity=quantity,
            actor=actor.label,
        )
    )
    record(
        session,
        actor,
        module=MODULE,
        action="edit_line",
        entity_type="plan",
        entity_id=row.id,
        before={**snapshot, "line": [hub, destination, item, before]},
        after={**_snapshot(row), "line": [hub, destination, item, quantity]},
    )
    return row


def plan_from_requests(
    session: Session, actor: Actor, *, objective: str = "maxmin", title: str | None = None
) -> AllocationPlan:
    """Plan the hubs' submitted requests against their stock on hand and store it as a draft.

    Destinations are the requests, weighted by the need index of their country (1 when it cannot be
    computed). Raises ``Forbidden`` unless the actor coordinates allocation and hubs, ``Invalid``
    when no submitted request asks for anything in stock; see ``hub_requests.build_problem``.
    """
    _require_coordinator(actor)
    actor.require_write(HUBS_MODULE, None)
    built = hub_requests.build_problem(session)
    try:
        weights = need_weights_for(session, [(code, urgency, None) for code, urgency in sorted(built.urgency.items())])
    except SolidarityError:
        weights = {}
    hub_requests.weigh(built.problem, weights)
    count = len(built.problem["destinations"])
    name = title or f"Open hub requests ({count} request{'s' if count != 1 else ''}), {utcnow():%Y-%m-%d %H:%M}"
    return create_plan(session, actor, built.problem, objective=objective, title=name)


def approve_plan(session: Session, actor: Actor, plan_id: int) -> AllocationPlan:
    """Approve a draft plan: records who and when. ``Conflict`` if approved already, ``Forbidden`` unless
    the actor coordinates allocation (and hubs, for a plan made from hub requests).

    A plan made from hub requests is carried out in the same transaction: its requests are approved
    with the plan's quantities and shipments proposed (``hub_requests.carry_out``); what was done is
    kept in the plan JSON under ``"action"`` and in the audit entry.
    """
    _require_coordinator(actor)
    row = get_plan(session, plan_id)
    if row.status is PlanStatus.APPROVED:
        raise Conflict(f"Plan {plan_id} is approved already", details={"existing_id": plan_id})
    before = _snapshot(row)
    action: dict[str, Any] | None = None
    if hub_requests.is_from_requests(row.problem):
        action = hub_requests.carry_out(session, actor, row.id, row.problem, row.plan)
        row.plan = {**row.plan, "action": action}
    row.status = PlanStatus.APPROVED
    row.approved_by = actor.label
    row.approved_at = utcnow()
    after = _snapshot(row)
    if action is not None:
        after["action"] = action
    record(
        session,
        actor,
        module=MODULE,
        action="approve",
        entity_type="plan",
        entity_id=row.id,
        before=before,
        after=after,
    )
    return row


def set_weight_override(session: Session, actor: Actor, destination: str, weight: float, reason: str) -> WeightOverride:
    """Replace the need weight of ``destination`` by ``weight``, with a reason; audited.

    Raises ``Invalid`` for a weight that is not a positive finite number or an empty reason,
    ``Forbidden`` unless the actor coordinates allocation.
    """
    _require_coordinator(actor)
    details: list[dict[str, Any]] = []
    if not (weight > 0 and weight < float("inf")):
        details.append({"field": "weight", "value": weight, "reason": "must be a positive number"})
    if not reason.strip():
        details.append({"field": "reason", "value": reason, "reason": "say why the weight changes"})
    if not destination.strip():
        details.append({"field": "destination", "value": destination, "reason": "required"})
    if details:
        raise Invalid(f"Weight override refused: {details[0]['field']} {details[0]['reason']}", details=details)
    previous = current_overrides(session).get(destination)
    row = WeightOverride(destination=destination, weight=weight, reason=reason.strip(), actor=actor.label)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        module=MODULE,
        action="override_weight",
        entity_type="weight",
        entity_id=destination,
        before=None if previous is None else {"weight": previous},
        after={"weight": weight},
        reason=reason.strip(),
    )
    return row


def current_overrides(session: Session) -> dict[str, float]:
    """The newest override weight per destination."""
    weights: dict[str, float] = {}
    for row in session.scalars(select(WeightOverride).order_by(WeightOverride.id)):
        weights[row.destination] = row.weight
    return weights


@dataclass(frozen=True)
class NeedRow:
    """One destination's need index: the inputs, the computed weight, any override and the weight used."""

    destination: str
    """As given (a request's country is its alpha-2)."""
    country: str | None
    """The reference country's name, ``None`` when the id is not a country."""
    alpha2: str | None
    incidence_per_100k: float | None
    population: float | None
    health_capacity: float | None
    urgency: float
    computed_weight: float
    override: dict[str, Any] | None
    """The newest override: ``{"weight", "reason", "actor", "at"}``."""

    @property
    def weight(self) -> float:
        return float(self.override["weight"]) if self.override is not None else self.computed_weight

    def as_dict(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "country": self.country,
            "alpha2": self.alpha2,
            "incidence_per_100k": None if self.incidence_per_100k is None else round(self.incidence_per_100k, 3),
            "population": None if self.population is None else int(self.population),
            "health_capacity": self.health_capacity,
            "urgency": round(self.urgency, 4),
            "computed_weight": round(self.computed_weight, 4),
            "override": self.override,
            "weight": round(self.weight, 4),
        }


def need_index(
    session: Session, destinations: Sequence[tuple[str, float, float | None]], *, days: int = 14
) -> list[NeedRow]:
    """The need index of ``(destination, urgency, health-capacity proxy)`` triples, in the order given.

    A destination id is looked up as a reference country (alpha-2, alpha-3 or name, so ``IRQ`` and
    ``IQ`` are both Iraq): incidence per 100,000 over ``days`` days from reporting (keyed by
    alpha-2), population from reference. An override set for the destination id or for its
    country's alpha-2 or alpha-3 replaces the computed weight. Missing figures count as the median
    of the others (see ``need``).
    """
    incidence = {area.code.upper(): area.per_100k for area in recent_incidence(session, days=days).areas}
    overrides = _override_rows(session)
    proxies = {row.alpha2: row.proxy for row in session.scalars(select(HealthCapacity))}
    inputs: list[NeedInputs] = []
    found: list[tuple[Country | None, dict[str, Any] | None]] = []
    for code, urgency, capacity in destinations:
        country = find_country(code)
        population: float | None = None
        rate: float | None = None
        if country is not None:
            try:
                population = reference.population(session, country.alpha2).value
            except SolidarityError:
                population = None
            rate = incidence.get(country.alpha2)
        else:
            rate = incidence.get(code.strip().upper())
        keys = [code, code.strip().upper()]
        if country is not None:
            keys += [country.alpha2, country.alpha3]
        override = next((overrides[k] for k in keys if k in overrides), None)
        if capacity is None and country is not None:
            capacity = proxies.get(country.alpha2)
        inputs.append(NeedInputs(code, rate, population, capacity, urgency))
        found.append((country, override))
    computed = need_weights(inputs)
    return [
        NeedRow(
            destination=entry.destination,
            country=None if country is None else country.name,
            alpha2=None if country is None else country.alpha2,
            incidence_per_100k=entry.incidence_per_100k,
            population=entry.population,
            health_capacity=entry.health_capacity,
            urgency=entry.urgency,
            computed_weight=computed[entry.destination],
            override=override,
        )
        for entry, (country, override) in zip(inputs, found, strict=True)
    ]


def open_request_need(
    session: Session, *, items: Sequence[str] = (), countries: Sequence[str] = (), days: int = 14
) -> list[NeedRow]:
    """The need index of every country with a submitted hub request (for ``items``, if given) and of
    ``countries``; urgency from the requests' priority (0 without a request); the neediest first.

    Raises ``Invalid`` for an unknown item or country, or a ``days`` outside 1 to 366.
    """
    for n, code in enumerate(items):
        try:
            reference.get_item(session, code)
        except NotFound:
            raise Invalid(
                f"Unknown item {code!r}: give a reference catalogue item code",
                details=[{"field": f"item[{n}]", "value": code, "reason": "unknown item"}],
            ) from None
    urgency = hub_requests.open_request_urgency(session, items)
    for n, text in enumerate(countries):
        code = resolve_country(text, field=f"country[{n}]").alpha2
        urgency.setdefault(code, 0.0)
    rows = need_index(session, [(code, level, None) for code, level in sorted(urgency.items())], days=days)
    return sorted(rows, key=lambda row: (-row.weight, row.destination))


def _override_rows(session: Session) -> dict[str, dict[str, Any]]:
    """The newest override per destination id, with its reason, who set it and when."""
    rows: dict[str, dict[str, Any]] = {}
    for row in session.scalars(select(WeightOverride).order_by(WeightOverride.id)):
        rows[row.destination] = {
            "weight": row.weight,
            "reason": row.reason,
            "actor": row.actor,
            "at": row.created_at.isoformat(),
        }
    return rows


def need_weights_for(
    session: Session, destinations: Sequence[tuple[str, float, float | None]], *, days: int = 14
) -> dict[str, float]:
    """Weights for ``(country code, urgency, health-capacity proxy)`` triples from reported incidence
    per 100,000 over ``days`` days and reference populations; an override replaces the computed weight.
    Missing figures count as the median of the others (see ``need`` and ``need_index``)."""
    return {row.destination: row.weight for row in need_index(session, destinations, days=days)}


@dataclass(frozen=True)
class HealthCapacitySource:
    """What the stored health-capacity proxy comes from."""

    indicator_code: str
    indicator: str
    source: str
    countries: int
    imported_by: str
    imported_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator_code": self.indicator_code,
            "indicator": self.indicator,
            "source": self.source,
            "countries": self.countries,
            "imported_by": self.imported_by,
            "imported_at": self.imported_at,
        }


def import_health_capacity(
    session: Session, actor: Actor, data: bytes, *, source: str, indicator: str | None = None
) -> tuple[GhoIndicator, HealthCapacitySource]:
    """Store the health-capacity proxy from a WHO GHO CSV export (see ``gho``), replacing the one
    before; audited. Raises ``Forbidden`` unless the actor coordinates allocation, ``Invalid`` for a
    file that is not such an export (naming file, line, field and value)."""
    _require_coordinator(actor)
    found = read_gho_csv(data, source=source, indicator=indicator)
    known = [(entry, find_country(entry.alpha3)) for entry in found.values]
    unknown = sorted(entry.alpha3 for entry, country in known if country is None)
    if len(unknown) == len(known):
        raise Invalid(
            f"{source}: no row of {found.code} names a country this platform knows ({', '.join(unknown[:10])})",
            details=[
                {"file": source, "field": "SpatialDimValueCode", "value": code, "reason": "unknown country"}
                for code in unknown[:50]
            ],
        )
    before = health_capacity_source(session)
    session.execute(delete(HealthCapacity))
    for entry, country in known:
        if country is None:
            continue
        session.add(
            HealthCapacity(
                alpha2=country.alpha2,
                indicator_code=found.code[:60],
                indicator=found.name[:300],
                period=entry.period[:20],
                value=entry.value,
                proxy=entry.proxy,
                source=source[:300],
                imported_by=actor.label,
            )
        )
    session.flush()
    after = health_capacity_source(session)
    assert after is not None
    record(
        session,
        actor,
        module=MODULE,
        action="import_health_capacity",
        entity_type="health_capacity",
        entity_id=None,
        before=None if before is None else before.as_dict(),
        after={**after.as_dict(), "skipped": found.skipped, "unknown_countries": unknown[:50]},
    )
    return found, after


def health_capacity_source(session: Session) -> HealthCapacitySource | None:
    """The indicator the stored proxy comes from, or ``None`` when none was imported."""
    first = session.scalars(select(HealthCapacity).order_by(HealthCapacity.id).limit(1)).first()
    if first is None:
        return None
    countries = session.scalar(select(func.count()).select_from(HealthCapacity)) or 0
    return HealthCapacitySource(
        first.indicator_code, first.indicator, first.source, countries, first.imported_by, first.imported_at.isoformat()
    )
