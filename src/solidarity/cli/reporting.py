"""`solidarity reporting`: import files, read series, milestones, Rt and revisions, map DHIS2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.errors import Invalid
from solidarity.imports import ImportReport, OnError
from solidarity.reporting import queries, service
from solidarity.reporting.records import Frequency, Measure, SourceFormat
from solidarity.reporting.schemas import Dhis2MappingIn

app = typer.Typer(help="Epidemic figures: import files, read series, milestones and Rt.", no_args_is_help=True)
dhis2_app = typer.Typer(help="The DHIS2 mapping of data elements and org units.", no_args_is_help=True)
app.add_typer(dhis2_app, name="dhis2-map")

FORMATS = ("auto", *(f.value for f in SourceFormat if f is not SourceFormat.JSON))


def _report_dict(report: ImportReport) -> dict[str, Any]:
    return report.as_dict()


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="WHO, JHU, OWID or DHIS2 file"),
    format: str = typer.Option("auto", "--format", help="auto, who, jhu, owid or dhis2"),
    measure: Measure = typer.Option(None, "--measure", help="cases or deaths (JHU files hold one measure)"),
    frequency: Frequency = typer.Option(None, "--frequency", help="daily or weekly (default: from the dates)"),
    source: str = typer.Option(None, "--source", help="Source name (default: from the format)"),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    as_json: bool = JsonOption,
) -> None:
    """Import a file of figures as one new version; unchanged figures are not written again."""
    if format not in FORMATS:
        raise Invalid(f"--format {format!r}: use one of {', '.join(FORMATS)}", details=[{"field": "format"}])
    context = get(ctx)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
        file.open("rb") as stream,
        context.transaction() as session,
    ):
        task = bar.add_task(f"Importing {file.name}", total=file.stat().st_size)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = service.import_file(
            session,
            context.actor,
            stream,
            file.name,
            format=None if format == "auto" else SourceFormat(format),
            measure=measure,
            frequency=frequency,
            source_name=source,
            on_error=on_error,
            progress=advance,
        )
    if as_json:
        print_json(_report_dict(report))
        return
    if report.is_duplicate_file:
        console.print(f"{file.name} was imported before as version {report.version}; nothing changed.", markup=False)
        return
    print_table(
        f"Import of {file.name}",
        ["rows read", "accepted", "flagged", "rejected", "unchanged", "version"],
        [
            (
                report.rows_read,
                report.accepted,
                report.flagged,
                report.rejected,
                report.unchanged,
                report.version or "none",
            )
        ],
    )
    if report.version is None:
        console.print("Nothing changed: no new version was published.", markup=False)
    for problem in report.problems[:20]:
        where = ", ".join(
            str(part)
            for part in (
                f"line {problem['line']}" if problem["line"] is not None else None,
                problem["field"],
                repr(problem["value"]) if problem["value"] is not None else None,
            )
            if part
        )
        err_console.print(f"{problem['severity']}: {where}: {problem['reason']}", markup=False)
    if len(report.problems) > 20:
        err_console.print(f"... and {len(report.problems) - 20} more", markup=False)


@app.command("areas")
def areas(
    ctx: typer.Context,
    kind: str = typer.Option(None, "--kind", help="country, territory, subnational, conveyance, event or other"),
    as_json: bool = JsonOption,
) -> None:
    """List the reporting areas."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [
            {
                "code": area.code,
                "name": area.name,
                "kind": area.kind,
                "parent": parent,
                "who_region": area.who_region,
                "is_on_map": area.is_on_map,
                "reporting_organisation_id": area.reporting_organisation_id,
            }
            for area, parent in queries.list_areas(session, kind=kind)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Reporting areas ({len(rows)})",
        ["code", "name", "kind", "parent", "WHO region", "on map", "reported by"],
        [
            [
                r["code"],
                r["name"],
                r["kind"],
                r["parent"],
                r["who_region"],
                r["is_on_map"],
                r["reporting_organisation_id"],
            ]
            for r in rows
        ],
    )


def _parse_as_of(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"--as-of {text!r} is not an ISO date or time", details=[{"field": "as_of", "value": text}]
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@app.command("series")
def series(
    ctx: typer.Context,
    area: str = typer.Argument(..., help="Area code or name, a WHO region, or 'global'"),
    measure: Measure = typer.Option(Measure.CASES, "--measure"),
    frequency: Frequency = typer.Option(Frequency.DAILY, "--frequency"),
    as_of: str = typer.Option(None, "--as-of", help="Figures as published at this time (ISO date or time, UTC)"),
    start: dt.datetime = typer.Option(None, "--start", formats=["%Y-%m-%d"]),
    end: dt.datetime = typer.Option(None, "--end", formats=["%Y-%m-%d"]),
    source: str = typer.Option(None, "--source", help="Only figures from this source"),
    as_json: bool = JsonOption,
) -> None:
    """Print an area's (or the world's) new and cumulative counts by date.

    ``--json`` prints the document of ``GET /api/v1/reporting/series``; a world or region total's dates
    carry ``areas`` (how many it adds up) and ``complete``.
    """
    context = get(ctx)
    with context.transaction() as session:
        stored = queries.get_series(
            session,
            area,
            measure,
            frequency,
            as_of=_parse_as_of(as_of),
            start=start.date() if start else None,
            end=end.date() if end else None,
            source=source,
        )
    points = queries.series_points(stored)
    if as_json:
        print_json(queries.series_document(stored, points))
        return
    sources = ", ".join(stored.sources)
    title = f"{stored.scope.name}: {measure.value}, {frequency.value} (version {stored.version}, {sources})"
    print_table(title, ["date", "new", "cumulative"], [[p.date.isoformat(), p.new, p.cumulative] for p in points])


@app.command("milestones")
def milestones(
    ctx: typer.Context,
    measure: Measure = typer.Option(Measure.CASES, "--measure"),
    step: int = typer.Option(100_000, "--step", min=1, help="Milestones are multiples of this"),
    count: int = typer.Option(None, "--count", min=1, help="Only the first N milestones"),
    origin: dt.datetime = typer.Option("2019-12-31", "--origin", formats=["%Y-%m-%d"], help="Day 1 for day counts"),
    source: str = typer.Option(None, "--source", help="Only figures from this source"),
    area: str = typer.Option("global", "--area", help="Area code, WHO region or 'global'"),
    as_json: bool = JsonOption,
) -> None:
    """The dates cumulative counts first reached each multiple of --step, with days between them."""
    context = get(ctx)
    with context.transaction() as session:
        found = queries.get_milestones(
            session, area=area, measure=measure, step=step, count=count, origin=origin.date(), source=source
        )
    rows = [m.as_dict() for m in found]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"No milestone of {step:,} {measure.value} reached in {area}.", markup=False)
        return
    print_table(
        f"Milestones of {step:,} {measure.value}, {area} ({rows[0]['source']}, version {rows[-1]['version']})",
        ["milestone", "date", "cumulative", "days since previous", "days since origin"],
        [
            [f"{r['milestone']:,}", r["date"], f"{r['cumulative']:,}", r["days_since_previous"], r["days_since_origin"]]
            for r in rows
        ],
    )


@app.command("rt")
def rt(
    ctx: typer.Context,
    area: str = typer.Argument(..., help="Area code or name, a WHO region, or 'global'"),
    si_mean: float = typer.Option(4.7, "--si-mean", help="Mean of the serial interval, days"),
    si_sd: float = typer.Option(2.9, "--si-sd", help="Standard deviation of the serial interval, days"),
    window: int = typer.Option(7, "--window", min=1, help="Sliding window, days"),
    as_json: bool = JsonOption,
) -> None:
    """Rt by the method of Cori et al. (2013), with its 95% credible interval.

    A window with fewer than 12 cases, or a posterior coefficient of variation of 0.3 or more, is
    marked unreliable (``reliable: false`` in ``--json``).
    """
    context = get(ctx)
    with context.transaction() as session:
        found = queries.get_rt(session, area, si_mean=si_mean, si_sd=si_sd, window=window)
    if as_json:
        print_json(found.document(si_mean, si_sd, window))
        return
    rows = found.rows()
    print_table(
        f"Rt of {found.scope.name} (serial interval {si_mean} ± {si_sd} days, {window}-day window)",
        ["window end", "Rt", "95% CrI", "cases in window", "reliable"],
        [
            [
                r["end"],
                f"{r['mean']:.2f}",
                f"{r['lower']:.2f} - {r['upper']:.2f}",
                f"{r['window_cases']:g}",
                "yes" if r["reliable"] else "no (too few cases)",
            ]
            for r in rows
        ],
    )


@app.command("revisions")
def revisions(
    ctx: typer.Context, area: str = typer.Argument(..., help="Area code or name"), as_json: bool = JsonOption
) -> None:
    """Every version that published figures of an area, with how many it changed."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [
            {
                "version": r.version,
                "published_at": r.published_at.isoformat(),
                "source": r.source_name,
                "changed": r.changed,
            }
            for r in queries.revision_history(session, area)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Revisions of {area}",
        ["version", "published", "source", "figures changed"],
        [list(r.values()) for r in rows],
    )


@app.command("set-reporter")
def set_reporter(
    ctx: typer.Context,
    area: str = typer.Argument(..., help="Area code"),
    organisation: str = typer.Argument(..., help="Organisation id, name or acronym; 'none' to clear"),
) -> None:
    """Say which organisation reports an area; its editors may then submit the area's figures."""
    context = get(ctx)
    with context.transaction() as session:
        found = service.set_reporting_organisation(
            session, context.actor, area, None if organisation.lower() == "none" else organisation
        )
        console.print(
            f"{found.code} ({found.name}) is reported by organisation {found.reporting_organisation_id}", markup=False
        )


@dhis2_app.command("list")
def dhis2_list(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List the DHIS2 mapping."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [row.as_dict() for row in service.list_dhis2_mapping(session)]
    if as_json:
        print_json(rows)
        return
    print_table(
        "DHIS2 mapping", ["kind", "DHIS2 id", "measure", "value kind", "area"], [list(r.values()) for r in rows]
    )


@dhis2_app.command("element")
def dhis2_element(
    ctx: typer.Context,
    dhis2_id: str = typer.Argument(..., help="Data element uid"),
    measure: Measure = typer.Option(..., "--measure"),
    value_kind: str = typer.Option("new", "--value-kind", help="new or cumulative"),
) -> None:
    """Map a DHIS2 data element to a measure and say whether its values are new or cumulative counts."""
    context = get(ctx)
    if value_kind not in ("new", "cumulative"):
        raise Invalid("--value-kind must be new or cumulative", details=[{"field": "value_kind", "value": value_kind}])
    with context.transaction() as session:
        service.set_dhis2_mapping(
            session,
            context.actor,
            Dhis2MappingIn(kind="data_element", dhis2_id=dhis2_id, measure=measure, value_kind=value_kind),
        )
    console.print(f"Data element {dhis2_id} -> {measure.value} ({value_kind})", markup=False)


@dhis2_app.command("org-unit")
def dhis2_org_unit(
    ctx: typer.Context,
    dhis2_id: str = typer.Argument(..., help="Org unit uid"),
    area: str = typer.Argument(..., help="Area code it reports"),
) -> None:
    """Map a DHIS2 org unit to an area code."""
    context = get(ctx)
    with context.transaction() as session:
        service.set_dhis2_mapping(
            session, context.actor, Dhis2MappingIn(kind="org_unit", dhis2_id=dhis2_id, area_code=area)
        )
    console.print(f"Org unit {dhis2_id} -> {area.upper()}", markup=False)


@dhis2_app.command("remove")
def dhis2_remove(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="data_element or org_unit"),
    dhis2_id: str = typer.Argument(..., help="The uid"),
) -> None:
    """Remove one row of the DHIS2 mapping."""
    context = get(ctx)
    with context.transaction() as session:
        service.delete_dhis2_mapping(session, context.actor, kind, dhis2_id)
    console.print(f"Removed {kind} {dhis2_id}", markup=False)
