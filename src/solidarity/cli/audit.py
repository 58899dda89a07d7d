"""`solidarity audit`: read the audit trail."""

from __future__ import annotations

from typing import Any

import typer

from solidarity.audit import service as audit
from solidarity.cli.context import JsonOption, get, print_json, print_table

app = typer.Typer(help="Read the audit trail.", no_args_is_help=True)


@app.command("list")
def list_entries(
    ctx: typer.Context,
    module: str = typer.Option(None, help="Only this module"),
    entity_type: str = typer.Option(None, help="Only this kind of record"),
    entity_id: str = typer.Option(None, help="Only this record"),
    limit: int = typer.Option(50, min=1, max=10000),
    as_json: bool = JsonOption,
) -> None:
    """The newest audit entries."""
    context = get(ctx)
    with context.transaction() as session:
        page = audit.list_entries(
            session, context.actor, module=module, entity_type=entity_type, entity_id=entity_id, limit=limit
        )
        rows: list[dict[str, Any]] = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor_label,
                "module": e.module,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "before": e.before,
                "after": e.after,
            }
            for e in page.entries
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Audit ({page.count} entries)",
        ["id", "at", "actor", "module", "action", "record"],
        [
            (
                r["id"],
                r["at"][:19],
                r["actor"],
                r["module"],
                r["action"],
                f"{r['entity_type']} {r['entity_id']}",
            )
            for r in rows
        ],
    )
