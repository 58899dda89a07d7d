"""`solidarity allocation`: solve an allocation problem, allocate a vaccine round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from solidarity.allocation import service, vaccines
from solidarity.allocation.objectives import Objective
from solidarity.allocation.problem import read_problem
from solidarity.allocation.solver import baseline_plans, solve
from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.errors import TooLarge

app = typer.Typer(help="Fair plans for scarce supplies, and vaccine rounds by COVAX-style rules.", no_args_is_help=True)


@app.command("solve")
def solve_command(
    problem_file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Problem JSON"),
    objective: Objective = typer.Option(Objective.MAXMIN, "--objective", help="maxmin, proportional or efficiency"),
    as_json: bool = JsonOption,
) -> None:
    """Solve PROBLEM.json and print the plan (the Plan JSON with --json)."""
    problem = read_problem(problem_file)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        # shown only when capacities set the fills: one round per fill level, seconds to minutes
        task = bar.add_task("Fair fills: requests settled", total=None, visible=False)

        def settled(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=True)

        plan = solve(problem, objective, progress=settled).as_dict()
    if as_json:
        print_json(plan)
        return
    print_table(
        f"Plan ({objective.value})",
        ["destination", "item", "requested", "allocated", "fill"],
        [(d["id"], d["item"], d["requested"], d["allocated"], f"{d['fill']:.0%}") for d in plan["destinations"]],
    )
    rows = [(objective.value, plan["metrics"])]
    rows += [(name, baseline.as_dict()["metrics"]) for name, baseline in baseline_plans(problem).items()]
    print_table(
        "Fairness and cost",
        ["plan", "delivered", "min fill", "min fill ÷ weight", "Gini of fills", "cost"],
        [(name, m["delivered"], f"{m['min_fill']:.0%}", _per_weight(m), m["gini_fill"], m["cost"]) for name, m in rows],
    )
    for line in plan["explanation"]:
        console.print(line, markup=False)


def _per_weight(metrics: dict[str, Any]) -> str:
    value = metrics.get("min_fill_per_weight")
    return "all full" if value is None else f"{value:.0%}"


@app.command("vaccines")
def vaccines_command(
    round_file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="ROUND.json"),
    as_json: bool = JsonOption,
) -> None:
    """Allocate one vaccine round by the COVAX-style rules in docs/allocation.md."""
    result = vaccines.allocate(vaccines.read_round(round_file)).as_dict()
    if as_json:
        print_json(result)
        return
    print_table(
        "Vaccine round",
        ["participant", "population", "requested", "phase 1", "phase 2", "total", "coverage"],
        [
            (
                p["id"],
                p["population"],
                p["requested"],
                p["phase1"],
                p["phase2"],
                p["allocated"],
                f"{p['coverage']:.1%}",
            )
            for p in result["participants"]
        ],
    )
    console.print(f"Buffer held back: {result['buffer']} doses; unallocated: {result['unallocated']}", markup=False)
    for p in result["participants"]:
        for line in p["explanation"]:
            console.print(f"{p['id']}: {line}", markup=False)


@app.command("plans")
def plans_command(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List stored plans, newest first."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [service.summary(row) for row in service.list_plans(session)]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Allocation plans",
        ["id", "title", "objective", "status", "min fill", "delivered"],
        [(r["id"], r["title"], r["objective"], r["status"], f"{r['min_fill']:.0%}", r["delivered"]) for r in rows],
    )


@app.command("save")
def save_command(
    ctx: typer.Context,
    problem_file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Problem JSON"),
    title: str = typer.Option(..., "--title", help="What the plan is for"),
    objective: Objective = typer.Option(Objective.MAXMIN, "--objective", help="maxmin, proportional or efficiency"),
    as_json: bool = JsonOption,
) -> None:
    """Solve PROBLEM.json and store the plan as a draft."""
    problem = read_problem(problem_file)
    context = get(ctx)
    with context.transaction() as session:
        row = service.create_plan(session, context.actor, problem.as_dict(), objective=objective.value, title=title)
        result = {"id": row.id, "status": row.status.value, "metrics": row.plan["metrics"]}
    if as_json:
        print_json(result)
        return
    console.print(f"Plan {result['id']} saved as a draft.", markup=False)


@app.command("from-requests")
def from_requests_command(
    ctx: typer.Context,
    objective: Objective = typer.Option(Objective.MAXMIN, "--objective", help="maxmin, proportional or efficiency"),
    title: str | None = typer.Option(None, "--title", help="What the plan is for (default: dated)"),
    as_json: bool = JsonOption,
) -> None:
    """Plan the hubs' submitted requests against their stock on hand; store the plan as a draft."""
    context = get(ctx)
    with context.transaction() as session:
        row = service.plan_from_requests(session, context.actor, objective=objective.value, title=title)
        result = {
            "id": row.id,
            "title": row.title,
            "status": row.status.value,
            "metrics": row.plan["metrics"],
            "allocations": row.plan["allocations"],
        }
    if as_json:
        print_json(result)
        return
    print_table(
        f"Plan {result['id']}: {result['title']} (draft)",
        ["hub", "request", "item", "quantity"],
        [(a["hub"], a["destination"], a["item"], a["quantity"]) for a in result["allocations"]],
    )


@app.command("approve")
def approve_command(ctx: typer.Context, plan_id: int = typer.Argument(..., help="Plan id")) -> None:
    """Approve a draft plan (one made from hub requests also approves them and proposes shipments)."""
    context = get(ctx)
    with context.transaction() as session:
        action = service.approve_plan(session, context.actor, plan_id).plan.get("action")
    console.print(f"Plan {plan_id} approved.", markup=False)
    if action:
        console.print(
            f"Requests approved: {action['approved_requests']}; left submitted: {action['left_submitted']}; "
            f"shipments proposed: {action['shipments']}.",
            markup=False,
        )


@app.command("health-capacity")
def health_capacity_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A WHO GHO CSV export"),
    indicator: str | None = typer.Option(None, "--indicator", help="Its IndicatorCode, when it holds several"),
    as_json: bool = JsonOption,
) -> None:
    """Import the need index's health-capacity proxy from a WHO GHO indicator export (replaces the last).

    Each country's latest value becomes its percentile among the indicator's countries; choose an
    indicator where more means more capacity (doctors, nurses or hospital beds per 10,000).
    """
    context = get(ctx)
    size = file.stat().st_size
    if size > context.settings.max_upload_bytes:
        raise TooLarge(
            f"{file.name} is {size / 1e6:.1f} MB; the limit is {context.settings.max_upload_bytes / 1e6:.0f} MB"
        )
    with context.transaction() as session:
        found, stored = service.import_health_capacity(
            session, context.actor, file.read_bytes(), source=file.name, indicator=indicator
        )
        summary = stored.as_dict() | {"skipped": found.skipped}
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{stored.countries} countries of {stored.indicator} ({stored.indicator_code}) imported from {file.name}; "
        f"left out: {', '.join(f'{n} {why}' for why, n in sorted(found.skipped.items())) or 'nothing'}.",
        markup=False,
    )


@app.command("need")
def need_command(
    ctx: typer.Context,
    items: list[str] = typer.Option([], "--item", help="Only requests with a line for this item code (repeatable)"),
    countries: list[str] = typer.Option(
        [], "--country", help="Show this country too (alpha-2, alpha-3 or name; urgency 0 unless it has requests)"
    ),
    days: int = typer.Option(14, "--days", help="Incidence window in days (1 to 366)"),
    as_json: bool = JsonOption,
) -> None:
    """The need index per destination: incidence, population, capacity, urgency, weight and overrides.

    Destinations are the countries with submitted hub requests (for --item, if given) and any --country.
    """
    context = get(ctx)
    with context.transaction() as session:
        rows = service.open_request_need(session, items=items, countries=countries, days=days)
        result = [row.as_dict() for row in rows]
    if as_json:
        print_json(result)
        return
    if not result:
        console.print("No destination: no submitted hub request (for these items) and no --country.", markup=False)
        return
    print_table(
        f"Need index (incidence over {days} days)",
        ["destination", "country", "per 100k", "population", "capacity", "urgency", "computed", "override", "weight"],
        [
            (
                r["destination"],
                r["country"] or "—",
                "—" if r["incidence_per_100k"] is None else f"{r['incidence_per_100k']:.1f}",
                "—" if r["population"] is None else f"{r['population']:,}",
                "—" if r["health_capacity"] is None else r["health_capacity"],
                f"{r['urgency']:.2f}",
                f"{r['computed_weight']:.3f}",
                "—" if r["override"] is None else f"{r['override']['weight']:g}",
                f"{r['weight']:.3f}",
            )
            for r in result
        ],
    )
    for r in result:
        if r["override"] is not None:
            o = r["override"]
            console.print(
                f"{r['destination']}: weight {o['weight']:g} in place of {r['computed_weight']:.3f}, "
                f"set by {o['actor']} at {o['at']}: {o['reason']}",
                markup=False,
            )
