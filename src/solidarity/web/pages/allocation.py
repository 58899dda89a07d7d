"""Allocation pages: solve a problem beside the baselines, and a stored plan to edit and approve.

Forms work without JavaScript; a refused form is shown again with the message under its 4xx status.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from solidarity.actor import Actor
from solidarity.allocation import service
from solidarity.allocation.demo import DEMO_PROBLEM, DEMO_ROUND
from solidarity.allocation.models import AllocationPlan, PlanStatus
from solidarity.allocation.objectives import Objective
from solidarity.allocation.problem import MAX_PROBLEM_BYTES, loads_problem, parse_json
from solidarity.allocation.solver import baseline_plans, solve
from solidarity.allocation.vaccines import allocate, parse_round
from solidarity.errors import SolidarityError, TooLarge
from solidarity.reference.countries import find_country
from solidarity.web import maps
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.forms import form_fields
from solidarity.web.templating import flash, render

router = APIRouter(prefix="/allocation")
MODULE = service.MODULE
FILL_SCALE = maps.ColourScale((0.2, 0.4, 0.6, 0.8, 0.9999), "fill")
WEIGHT_SCALE = maps.ColourScale((0.7, 0.9, 1.1, 1.3, 1.5), "weight")
"""Need weights run from 0.5 (least needy) to 1.5 (neediest); an override may go beyond."""


def _fill_map(plan: dict[str, Any], problem: dict[str, Any] | None = None) -> Any:
    """Lowest fill per destination country; a hub request's destination is drawn in its country."""
    source = (problem or {}).get("source")
    requests = source.get("requests", {}) if isinstance(source, dict) else {}
    lowest: dict[str, float] = {}
    for line in plan["destinations"]:
        country = find_country(requests.get(line["id"], {}).get("country") or line["id"])
        if country is not None:
            lowest[country.alpha2] = min(lowest.get(country.alpha2, 1.0), line["fill"])
    entries = {code: maps.MapEntry(value) for code, value in lowest.items()}
    return maps.choropleth(
        entries,
        scale=FILL_SCALE,
        title="Lowest fill rate per destination country",
        describe=lambda value: f"lowest fill {value:.0%}",
    )


def _coverage_bars(result: dict[str, Any], target: float) -> dict[str, Any]:
    """Per participant, its coverage as segments of a bar 100 wide: doses it had before this round,
    phase 1 (with the first tranche) and phase 2; ``target`` (phase 1's share) as a mark."""
    top = max([target * 1.25] + [p["coverage"] for p in result["participants"]])
    bars = []
    for p in result["participants"]:
        population = float(p["population"]) or 1.0
        before = max(p["coverage"] - p["allocated"] / population, 0.0)
        parts = [before, p["phase1"] / population, p["phase2"] / population]
        starts = [sum(parts[:k]) for k in range(3)]
        bars.append([(100 * start / top, 100 * part / top) for start, part in zip(starts, parts, strict=True)])
    return {"participants": bars, "target": 100 * target / top, "target_share": target}


def _comparison(objective: str, metrics: dict[str, Any], others: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": objective, **metrics}] + [{"name": name, **m} for name, m in others.items()]


def _landing(actor: Actor, session: Any, **extra: Any) -> dict[str, Any]:
    return {
        "objectives": [o.value for o in Objective],
        "objective": Objective.MAXMIN.value,
        "problem_text": "",
        "plans": service.list_plans(session)[:50],
        "can_save": actor.coordinates(MODULE),
        "result": None,
        "error": None,
        "max_mb": MAX_PROBLEM_BYTES // (1024 * 1024),
    } | extra


@router.get("")
def landing(request: Request, actor: ActorDep, session: SessionDep, demo: str = "") -> Response:
    text = ""
    if demo == "problem":
        text = json.dumps(DEMO_PROBLEM, indent=1)
    elif demo == "round":
        text = json.dumps(DEMO_ROUND, indent=1)
    return render(request, "allocation/index.html", _landing(actor, session, problem_text=text, kind=demo))


@router.post("")
async def solve_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    text = fields.get("problem", "")
    objective = fields.get("objective", "maxmin")
    context = _landing(actor, session, problem_text=text, objective=objective)
    try:
        # reading and solving take CPU (seconds for a large problem): off the event loop
        context |= await run_in_threadpool(_solved, text, objective)
    except SolidarityError as exc:
        context["error"] = exc.message
        return render(request, "allocation/index.html", context, status_code=exc.status)
    return render(request, "allocation/index.html", context)


def _solved(text: str, objective: str) -> dict[str, Any]:
    """What the page shows for a pasted problem or round."""
    if len(text.encode()) > MAX_PROBLEM_BYTES:
        raise TooLarge(f"The problem is over {MAX_PROBLEM_BYTES // (1024 * 1024)} MB")
    if '"participants"' in text:
        round_ = parse_round(parse_json(text, what="The round"))
        result = allocate(round_).as_dict()
        return {"round": result, "bars": _coverage_bars(result, round_.phase1_share)}
    problem = loads_problem(text)
    plan = solve(problem, objective).as_dict()
    others = {name: p.as_dict()["metrics"] for name, p in baseline_plans(problem).items()}
    return {
        "result": plan,
        "comparison": _comparison(objective, plan["metrics"], others),
        "map_svg": _fill_map(plan),
        "legend": maps.legend(FILL_SCALE),
    }


@router.post("/plans")
async def save_plan(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    try:
        problem = parse_json(fields.get("problem", ""))
        with session.begin_nested():
            row = service.create_plan(
                session, actor, problem, objective=fields.get("objective", "maxmin"), title=fields.get("title", "")
            )
    except SolidarityError as exc:
        context = _landing(actor, session, error=exc.message, problem_text=fields.get("problem", ""))
        return render(request, "allocation/index.html", context, status_code=exc.status)
    flash(request, f"Plan {row.id} saved as a draft")
    return RedirectResponse(f"/allocation/plans/{row.id}", status_code=303)


def _plan_context(session: Any, actor: Actor, row: AllocationPlan, error: str | None = None) -> dict[str, Any]:
    return {
        "row": row,
        "plan": row.plan,
        "comparison": _comparison(row.objective, service.plan_metrics(row), service.baselines(row)),
        "map_svg": _fill_map(row.plan, row.problem),
        "legend": maps.legend(FILL_SCALE),
        "edits": service.list_edits(session, row.id),
        "weights": _request_weights(row.problem),
        "can_edit": actor.coordinates(MODULE) and row.status is PlanStatus.DRAFT,
        "error": error,
    }


def _request_weights(problem: dict[str, Any]) -> list[dict[str, Any]]:
    """For a plan made from hub requests: each request's country and the need weight it was given."""
    source = problem.get("source")
    if not isinstance(source, dict) or source.get("kind") != "hub_requests":
        return []
    requests = source.get("requests", {})
    rows = []
    for destination in problem.get("destinations", []):
        info = requests.get(destination["id"], {})
        country = find_country(info.get("country"))
        rows.append(
            {
                "destination": destination["id"],
                "country": country.name if country else info.get("country"),
                "weight": float(destination.get("weight", 1.0)),
            }
        )
    return rows


@router.get("/plans/{plan_id}")
def plan_page(request: Request, actor: ActorDep, session: SessionDep, plan_id: int) -> Response:
    row = service.get_plan(session, plan_id)
    return render(request, "allocation/plan.html", _plan_context(session, actor, row))


@router.post("/plans/{plan_id}/lines")
async def edit_line(request: Request, actor: ActorDep, session: SessionDep, plan_id: int) -> Response:
    fields = await form_fields(request)
    try:
        quantity = int(fields.get("quantity", ""))
    except ValueError:
        quantity = -1
    try:
        with session.begin_nested():
            service.edit_line(
                session,
                actor,
                plan_id,
                hub=fields.get("hub", ""),
                destination=fields.get("destination", ""),
                item=fields.get("item", ""),
                quantity=quantity,
            )
    except SolidarityError as exc:
        row = service.get_plan(session, plan_id)
        return render(
            request, "allocation/plan.html", _plan_context(session, actor, row, exc.message), status_code=exc.status
        )
    flash(request, "Line changed; metrics recomputed")
    return RedirectResponse(f"/allocation/plans/{plan_id}", status_code=303)


@router.post("/from-requests")
async def plan_from_requests(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    try:
        with session.begin_nested():
            row = service.plan_from_requests(session, actor, objective=fields.get("objective", "maxmin"))
    except SolidarityError as exc:
        return render(
            request, "allocation/index.html", _landing(actor, session, error=exc.message), status_code=exc.status
        )
    flash(request, f"Plan {row.id} made from the open hub requests; saved as a draft")
    return RedirectResponse(f"/allocation/plans/{row.id}", status_code=303)


@router.post("/plans/{plan_id}/approve")
def approve(request: Request, actor: ActorDep, session: SessionDep, plan_id: int) -> Response:
    try:
        with session.begin_nested():
            row = service.approve_plan(session, actor, plan_id)
    except SolidarityError as exc:
        row = service.get_plan(session, plan_id)
        return render(
            request, "allocation/plan.html", _plan_context(session, actor, row, exc.message), status_code=exc.status
        )
    action = row.plan.get("action")
    message = f"Plan {plan_id} approved"
    if action:
        message += (
            f"; {len(action['approved_requests'])} requests approved, {len(action['shipments'])} shipments proposed"
        )
    flash(request, message)
    return RedirectResponse(f"/allocation/plans/{plan_id}", status_code=303)


def _need_context(
    session: Any, actor: Actor, items: list[str], countries: list[str], error: str | None = None
) -> dict[str, Any]:
    rows: list[service.NeedRow] = []
    try:
        rows = service.open_request_need(session, items=items, countries=countries)
    except SolidarityError as exc:
        error = error or exc.message
    entries = {row.alpha2: maps.MapEntry(row.weight) for row in rows if row.alpha2 is not None}
    top = max((row.weight for row in rows), default=1.0)
    return {
        "rows": [row.as_dict() | {"bar": round(100 * row.weight / top, 1)} for row in rows],
        "items": ", ".join(items),
        "countries": ", ".join(countries),
        "map_svg": maps.choropleth(
            entries,
            scale=WEIGHT_SCALE,
            title="Need weight per requesting country",
            describe=lambda value: f"weight {value:.2f}",
        ),
        "legend": maps.legend(WEIGHT_SCALE),
        "can_override": actor.coordinates(MODULE),
        "health_source": service.health_capacity_source(session),
        "error": error,
    }


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


@router.get("/need")
def need_page(request: Request, actor: ActorDep, session: SessionDep, item: str = "", country: str = "") -> Response:
    context = _need_context(session, actor, _codes(item), _codes(country))
    return render(request, "allocation/need.html", context, status_code=422 if context["error"] else 200)


@router.post("/need/overrides")
async def override_weight(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    fields = await form_fields(request)
    destination = fields.get("destination", "").strip()
    try:
        weight = float(fields.get("weight", ""))
    except ValueError:
        weight = float("nan")
    try:
        with session.begin_nested():
            service.set_weight_override(session, actor, destination, weight, fields.get("reason", ""))
    except SolidarityError as exc:
        context = _need_context(session, actor, [], [destination] if find_country(destination) else [], exc.message)
        return render(request, "allocation/need.html", context, status_code=exc.status)
    flash(request, f"Weight of {destination} set to {weight:g}")
    return RedirectResponse("/allocation/need", status_code=303)
