"""Allocation over HTTP: solve a Problem JSON, allocate a vaccine round, stored plans, the need index.

``POST /solve`` and ``POST /vaccines`` take the same JSON the CLI reads (docs/allocation.md) as the
request body, read by the same reader: NaN, Infinity or broken JSON is a 422 naming the line and
column, a body over 10 MB a 413. Solving asks for no login, as the page does; storing and approving
plans needs a coordinator of allocation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from solidarity.allocation import service
from solidarity.allocation.objectives import Objective
from solidarity.allocation.problem import MAX_PROBLEM_BYTES, Problem, loads_problem, parse_json
from solidarity.allocation.solver import baseline_plans, solve
from solidarity.allocation.vaccines import allocate, parse_round
from solidarity.errors import Invalid, TooLarge
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/allocation", tags=["allocation"])


async def _body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_PROBLEM_BYTES:
        raise TooLarge(f"The body is {len(body) / 1e6:.1f} MB; the limit is {MAX_PROBLEM_BYTES // (1024 * 1024)} MB")
    return body


def _with_baselines(problem: Problem, objective: Objective) -> dict[str, Any]:
    plan = solve(problem, objective).as_dict()
    baselines = {name: other.as_dict()["metrics"] for name, other in baseline_plans(problem).items()}
    return {"objective": objective.value, "plan": plan, "baselines": baselines}


@router.post("/solve")
async def solve_problem(request: Request, objective: Objective = Query(Objective.MAXMIN)) -> dict[str, Any]:
    """The Plan JSON for the Problem JSON in the body, and the baselines' metrics beside it."""
    body = await _body(request)
    # reading and solving take CPU (seconds for a large problem): off the event loop
    return await run_in_threadpool(lambda: _with_baselines(loads_problem(body), objective))


@router.post("/vaccines")
async def vaccine_round(request: Request) -> dict[str, Any]:
    """One vaccine round (ROUND.json in the body) by the COVAX-style rules."""
    body = await _body(request)
    return await run_in_threadpool(lambda: allocate(parse_round(parse_json(body, what="The round"))).as_dict())


@router.get("/plans")
def list_plans(session: SessionDep) -> list[dict[str, Any]]:
    """Stored plans, newest first."""
    return [service.summary(row) for row in service.list_plans(session)]


@router.post("/plans", status_code=201)
async def create_plan(request: Request, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    """Solve and store a draft plan (a coordinator of allocation): ``{"title", "objective", "problem"}``,
    read by the problem's reader (NaN, Infinity, 1e400 refused with line and column)."""
    data = parse_json(await _body(request), what="The plan")
    if not isinstance(data, dict) or not isinstance(data.get("problem"), dict):
        raise Invalid(
            "A plan is a JSON object with a title, an objective and a problem",
            details=[{"field": "problem", "reason": "must be a JSON object"}],
        )
    title, objective = data.get("title", ""), data.get("objective", Objective.MAXMIN.value)
    if not isinstance(title, str) or not isinstance(objective, str):
        raise Invalid("title and objective must be text", details=[{"field": "title", "reason": "must be text"}])
    row = await run_in_threadpool(
        service.create_plan, session, actor, data["problem"], objective=objective, title=title
    )
    return _stored(row)


@router.get("/plans/{plan_id}")
def get_plan(plan_id: int, session: SessionDep) -> dict[str, Any]:
    """A stored plan: its summary, the Plan JSON, the baselines' metrics and the problem."""
    return _stored(service.get_plan(session, plan_id))


@router.post("/plans/{plan_id}/approve")
def approve_plan(plan_id: int, actor: ActorDep, session: SessionDep) -> dict[str, Any]:
    """Approve a draft plan (a plan made from hub requests also approves them and proposes shipments)."""
    return _stored(service.approve_plan(session, actor, plan_id))


@router.get("/need")
def need(
    session: SessionDep,
    item: list[str] = Query(default_factory=list, description="reference item codes; repeat for more"),
    country: list[str] = Query(default_factory=list, description="more countries to weigh; repeat for more"),
    days: int = Query(14, ge=1, le=366),
) -> list[dict[str, Any]]:
    """The need index of every country with a submitted hub request, and of ``country``, neediest first."""
    return [row.as_dict() for row in service.open_request_need(session, items=item, countries=country, days=days)]


def _stored(row: Any) -> dict[str, Any]:
    return {
        **service.summary(row),
        "approved_by": row.approved_by,
        "approved_at": None if row.approved_at is None else row.approved_at.isoformat(),
        "plan": {**row.plan, "metrics": service.plan_metrics(row)},
        "baselines": service.baselines(row),
        "problem": row.problem,
    }
