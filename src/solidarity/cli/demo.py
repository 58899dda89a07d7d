"""`solidarity demo`: load the demo data."""

from __future__ import annotations

import typer

from solidarity.cli.context import JsonOption, console, get, print_json
from solidarity.demo import load_demo


def demo(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Load demo organisations, users and module records; running it twice adds nothing."""
    context = get(ctx)
    with context.transaction() as session:
        summary = load_demo(session, context.actor)
    if as_json:
        print_json({"created": summary.created, "admin_email": summary.admin_email})
        return
    added = ", ".join(f"{n} {kind}" for kind, n in summary.created.items())
    console.print(f"Demo data loaded ({added} added).", markup=False)
    console.print(
        f"Demo admin login: {summary.admin_email} / {summary.admin_password}  at {context.settings.base_url}/login",
        markup=False,
    )
