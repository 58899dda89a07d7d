"""`solidarity assistance`: import and export flows as CSV, print Table 1 and the other reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from solidarity.assistance import service
from solidarity.assistance.reports import TABLE1_TITLE
from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.errors import Invalid
from solidarity.imports import OnError

app = typer.Typer(help="Assistance ledger: flows in and out as CSV, Table 1 and reports.", no_args_is_help=True)
report_app = typer.Typer(help="Reports over the current ledger.", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _check_format(format: str) -> None:
    if format != "csv":
        raise Invalid(f"--format {format!r}: only csv is supported", details=[{"field": "format", "value": format}])


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV file (docs/assistance.md)"),
    format: str = typer.Option("csv", "--format", help="csv"),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    as_json: bool = JsonOption,
) -> None:
    """Import flows: new refs become flows, changed rows new versions, unchanged rows nothing."""
    _check_format(format)
    context = get(ctx)
    text = file.read_text(encoding="utf-8-sig")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
        context.transaction() as session,
    ):
        task = bar.add_task(f"Importing {file.name}", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = service.import_csv(session, context.actor, text, file.name, on_error=on_error, progress=advance)
    if as_json:
        print_json(report.as_dict())
        return
    print_table(
        f"Import of {file.name}",
        ["rows read", "new or changed", "unchanged", "rejected"],
        [(report.rows_read, report.accepted, report.unchanged, report.rejected)],
    )
    for problem in report.problems[:20]:
        err_console.print(
            f"{problem['severity']}: line {problem['line']}, {problem['field']}: {problem['reason']}", markup=False
        )


@app.command("export")
def export_file(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="CSV file to write"),
    format: str = typer.Option("csv", "--format", help="csv"),
    emergency: str = typer.Option(None, "--emergency"),
    provider: str = typer.Option(None, "--provider", help="Organisation id, name or acronym"),
) -> None:
    """Write every current flow (or those matching the filters) in the import format."""
    _check_format(format)
    context = get(ctx)
    with context.transaction() as session, output.open("w", encoding="utf-8", newline="") as stream:
        filters = service.make_filters(session, emergency=emergency, provider=provider)
        count = service.write_csv(service.export_rows(session, filters), stream)
    console.print(f"Wrote {count} flows to {output}", markup=False)


def _filters_options(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.date | None, dt.date | None]:
    return (start.date() if start else None, end.date() if end else None)


@report_app.command("table1")
def table1(
    ctx: typer.Context,
    start: dt.datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    end: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    emergency: str = typer.Option(None, "--emergency"),
    provider: str = typer.Option(None, "--provider", help="Organisation id, name or acronym"),
    recipient: str = typer.Option(None, "--recipient", help="Country code or name"),
    as_json: bool = JsonOption,
) -> None:
    """Table 1, "Official development assistance to global anti-pandemic efforts", from the ledger."""
    context = get(ctx)
    first, last = _filters_options(start, end)
    with context.transaction() as session:
        filters = service.make_filters(
            session, start=first, end=last, emergency=emergency, provider=provider, recipient=recipient
        )
        table = service.table1(session, filters)
    if as_json:
        print_json(table.as_dict())
        return
    rows = []
    for row in table.rows:
        for entry in row.entries:
            quantity = f"{entry.quantity:,} {entry.unit}" if entry.quantity is not None else ""
            usd = f"{entry.usd:,.0f}" if entry.usd is not None else ""
            rows.append((row.category, entry.text, quantity, usd))
    print_table(TABLE1_TITLE, ["category", "entry", "quantity", "USD"], rows)
    for d in table.discrepancies:
        if d.is_discrepant:
            claims = "; ".join(f"{c['statement']} ({c['citation']})" for c in d.claims)
            console.print(f"Discrepancy on {d.subject}: ledger {d.ledger_usd:,.0f} USD; {claims}", markup=False)


@report_app.command("totals")
def totals(
    ctx: typer.Context,
    by: str = typer.Argument(..., help="provider, recipient, channel or modality"),
    emergency: str = typer.Option(None, "--emergency"),
    as_json: bool = JsonOption,
) -> None:
    """Totals per provider, recipient, channel or modality, one column per stage, in USD."""
    functions = {
        "provider": service.by_provider,
        "recipient": service.by_recipient,
        "channel": service.by_channel,
        "modality": service.by_modality,
    }
    if by not in functions:
        raise Invalid(f"Report by {by!r}: use one of {', '.join(functions)}", details=[{"field": "by", "value": by}])
    context = get(ctx)
    with context.transaction() as session:
        rows = functions[by](session, service.make_filters(session, emergency=emergency))
    if as_json:
        print_json({"by": by, "rows": [r.as_dict() for r in rows]})
        return
    stages = ("pledge", "commitment", "disbursement", "delivery", "expenditure")
    print_table(
        f"Assistance by {by} (USD)",
        [by, *stages],
        [(r.label, *(f"{r.usd(s):,.0f}" for s in stages)) for r in rows],
    )
