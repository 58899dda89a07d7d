"""`solidarity assistance`: import and export flows (ledger CSV, IATI, OCHA FTS, HXL), FTS-style totals, Table 1
and the other reports."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from solidarity.assistance import exchanging, service
from solidarity.assistance.reports import TABLE1_TITLE
from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.errors import Invalid
from solidarity.imports import ImportReport, OnError

app = typer.Typer(
    help="Assistance ledger: flows in and out (CSV, IATI, FTS, HXL), totals, Table 1 and reports.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports over the current ledger.", no_args_is_help=True)
app.add_typer(report_app, name="report")


class YesNo(enum.StrEnum):
    YES = "yes"
    NO = "no"


ItemOption = typer.Option(None, "--item", help="Catalogue item code: flows with an item line of it")
IllustrativeOption = typer.Option(
    None, "--illustrative", help="yes: only illustrative flows (not from any source); no: none of them"
)


def _illustrative(value: YesNo | None) -> bool | None:
    return None if value is None else value is YesNo.YES


@app.command("import")
def import_files(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Ledger CSV, IATI 2.03 XML, OCHA FTS JSON or HXL CSV"
    ),
    format: str = typer.Option("auto", "--format", help="auto, csv, iati, fts or hxl"),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    as_json: bool = JsonOption,
) -> None:
    """Import flows from one or more files, all in one transaction; importing a file again changes nothing."""
    context = get(ctx)
    reports: list[tuple[str, ImportReport]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
        context.transaction() as session,
    ):
        for file in files:
            task = bar.add_task(f"Importing {file.name}", total=None)

            def advance(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            reports.append(
                exchanging.import_file(session, context.actor, file, format, on_error=on_error, progress=advance)
            )
    summary = exchanging.import_summary(reports)
    if as_json:
        print_json(summary)
        return
    print_table(
        "Import",
        ["file", "format", "read", "accepted", "unchanged", "rejected", "flagged"],
        [tuple(f.values()) for f in summary["files"]],
    )
    for problem in summary["problems"][:20]:
        err_console.print(
            f"{problem['severity']}: line {problem['line']}, {problem['field']}: {problem['reason']}", markup=False
        )


@app.command("export")
def export_file(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False, help="File to write"),
    format: str = typer.Option("csv", "--format", help="csv, iati, hxl or 3w"),
    start: dt.datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    end: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    emergency: str = typer.Option(None, "--emergency"),
    provider: str = typer.Option(None, "--provider", help="Organisation id, name or acronym"),
    recipient: str = typer.Option(None, "--recipient", help="Country code or name"),
    item: str = ItemOption,
    illustrative: YesNo = IllustrativeOption,
    as_json: bool = JsonOption,
) -> None:
    """Write the current flows (or those matching the filters) as the ledger CSV, IATI 2.03 XML, HXL
    CSV or the HXL 3W table."""
    context = get(ctx)
    with context.transaction() as session:
        filters = _make_filters(session, start, end, emergency, provider, recipient, item, illustrative)
        with output.open("wb") as stream:
            count = exchanging.export_flows(session, filters, format, stream)
    if as_json:
        print_json({"file": str(output), "format": format, "flows": count})
        return
    console.print(f"Wrote {count} flows to {output} ({format})", markup=False)


@app.command("rebuild-totals")
def rebuild_totals(
    ctx: typer.Context,
    check: bool = typer.Option(
        False, "--check", help="Compare the maintained totals with a recomputation; change nothing"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Recompute the report totals maintained on write from the current flows (or, with --check,
    list where they differ; exit 1 when they do)."""
    context = get(ctx)
    with context.transaction() as session:
        if check:
            differences = service.totals_differences(session)
        else:
            rows = service.rebuild_totals(session)
    if check:
        if as_json:
            print_json({"differences": differences})
        else:
            for line in differences:
                console.print(line, markup=False)
            console.print(f"{len(differences)} differences" if differences else "The totals match the flows")
        if differences:
            raise typer.Exit(1)
        return
    if as_json:
        print_json({"rows": rows})
        return
    console.print(f"Rebuilt the assistance totals: {rows} rows", markup=False)


@app.command("totals")
def exchange_totals(
    ctx: typer.Context,
    recipient: str = typer.Option(None, "--recipient", help="Recipient country (ISO3, ISO2 or name)"),
    provider: str = typer.Option(None, "--provider", help="Provider organisation (id, name or acronym)"),
    year: int = typer.Option(None, "--year", help="Year of the flows (FTS: the usage year)"),
    as_json: bool = JsonOption,
) -> None:
    """Incoming funding as OCHA FTS counts it, with pledged, committed and paid USD, and internal flows."""
    context = get(ctx)
    with context.transaction() as session:
        result = exchanging.totals(session, recipient=recipient, provider=provider, year=year)
    if as_json:
        print_json(result.as_dict())
        return
    print_table("Totals (USD)", list(result.as_dict()), [tuple(result.as_dict().values())])


def _make_filters(
    session: Session,
    start: dt.datetime | None,
    end: dt.datetime | None,
    emergency: str | None,
    provider: str | None,
    recipient: str | None,
    item: str | None,
    illustrative: YesNo | None,
) -> service.Filters:
    """The ledger filters of the export and Table 1 commands, from their options."""
    return service.make_filters(
        session,
        start=start.date() if start else None,
        end=end.date() if end else None,
        emergency=emergency,
        provider=provider,
        recipient=recipient,
        item=item,
        illustrative=_illustrative(illustrative),
    )


@report_app.command("table1")
def table1(
    ctx: typer.Context,
    start: dt.datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    end: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    emergency: str = typer.Option(None, "--emergency"),
    provider: str = typer.Option(None, "--provider", help="Organisation id, name or acronym"),
    recipient: str = typer.Option(None, "--recipient", help="Country code or name"),
    item: str = ItemOption,
    illustrative: YesNo = IllustrativeOption,
    as_json: bool = JsonOption,
) -> None:
    """Table 1, "Official development assistance to global anti-pandemic efforts", from the ledger."""
    context = get(ctx)
    with context.transaction() as session:
        filters = _make_filters(session, start, end, emergency, provider, recipient, item, illustrative)
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
    item: str = ItemOption,
    illustrative: YesNo = IllustrativeOption,
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
        filters = service.make_filters(
            session, emergency=emergency, item=item, illustrative=_illustrative(illustrative)
        )
        rows = functions[by](session, filters)
    if as_json:
        print_json({"by": by, "rows": [r.as_dict() for r in rows]})
        return
    stages = ("pledge", "commitment", "disbursement", "delivery", "expenditure")
    print_table(
        f"Assistance by {by} (USD)",
        [by, *stages],
        [(r.label, *(f"{r.usd(s):,.0f}" for s in stages)) for r in rows],
    )
