"""`solidarity assistance import-exchange`, `export-exchange` and `totals`: IATI, OCHA FTS and HXL in and out.

The commands join the `assistance` group (the ledger's own `import` reads its CSV format).
"""

from __future__ import annotations

from pathlib import Path

import typer

from solidarity.assistance import exchanging, ledger
from solidarity.cli.assistance import app
from solidarity.cli.context import JsonOption, err_console, get, print_json, print_table
from solidarity.imports import ImportReport, OnError


@app.command("import-exchange")
def import_exchange(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="IATI, FTS or HXL files"),
    format: str = typer.Option("auto", "--format", help="auto, iati, fts or hxl"),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    as_json: bool = JsonOption,
) -> None:
    """Import IATI 2.03 XML, OCHA FTS flow JSON or HXL CSV; all files in one transaction."""
    context = get(ctx)
    reports: list[ImportReport] = []
    with context.transaction() as session:
        for file in files:
            with file.open("rb") as stream:
                fmt = format if format != "auto" else exchanging.detect_format(file.name, stream.read(8192))
            reports.append(exchanging.import_exchange(session, context.actor, file, fmt, on_error=on_error))
    problems = [p for r in reports for p in r.problems]
    summary = {
        "read": sum(r.rows_read for r in reports),
        "accepted": sum(r.accepted for r in reports),
        "unchanged": sum(r.unchanged for r in reports),
        "rejected": sum(r.rejected for r in reports),
        "flagged": sum(r.flagged for r in reports),
        "problems": problems,
    }
    if as_json:
        print_json(summary)
        return
    print_table(
        "Import",
        ["file", "read", "accepted", "unchanged", "rejected", "flagged"],
        [(r.file, r.rows_read, r.accepted, r.unchanged, r.rejected, r.flagged) for r in reports],
    )
    for problem in problems[:20]:
        err_console.print(
            f"{problem['severity']}: line {problem['line']}, {problem['field']}: {problem['reason']}", markup=False
        )


@app.command("totals")
def totals(
    ctx: typer.Context,
    recipient: str = typer.Option(None, "--recipient", help="Recipient country (ISO3, ISO2 or name)"),
    provider: str = typer.Option(None, "--provider", help="Provider organisation (id, name or acronym)"),
    year: int = typer.Option(None, "--year", help="Year of the flows (FTS: the usage year)"),
    as_json: bool = JsonOption,
) -> None:
    """Incoming funding as FTS counts it, with pledged, committed and paid USD, and internal flows."""
    context = get(ctx)
    with context.transaction() as session:
        result = exchanging.totals(session, recipient=recipient, provider=provider, year=year)
    if as_json:
        print_json(result.as_dict())
        return
    print_table("Totals (USD)", list(result.as_dict()), [tuple(result.as_dict().values())])


@app.command("export-exchange")
def export_exchange(
    ctx: typer.Context,
    format: str = typer.Option(..., "--format", help="iati, hxl or 3w"),
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False, help="File to write"),
    provider: str = typer.Option(None, "--provider", help="Provider organisation (id, name or acronym)"),
    recipient: str = typer.Option(None, "--recipient", help="Recipient country"),
    emergency: str = typer.Option(None, "--emergency", help="Emergency code"),
    as_json: bool = JsonOption,
) -> None:
    """Write the current flows as IATI 2.03 XML, HXL-tagged CSV or the HXL 3W table."""
    context = get(ctx)
    with context.transaction() as session, output.open("wb") as stream:
        filters = ledger.make_filters(session, provider=provider, recipient=recipient, emergency=emergency)
        count = exchanging.export_exchange(session, filters, format, stream)
    if as_json:
        print_json({"file": str(output), "format": format, "flows": count})
        return
    err_console.print(f"Wrote {count} flows to {output} ({format})", markup=False)
