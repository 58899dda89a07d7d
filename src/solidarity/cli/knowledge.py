"""`solidarity knowledge`: add and import documents, search the library, list vaccine candidates and measures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.imports import OnError
from solidarity.knowledge import folders, measures, service, vaccines
from solidarity.knowledge.models import DocumentType, MeasureType, Phase, Platform
from solidarity.knowledge.querying import DocumentFilters
from solidarity.knowledge.schemas import CandidatePublic, DocumentCreate, DocumentPublic, MeasureCreate, MeasurePublic

app = typer.Typer(
    help="Guidelines and experience, the vaccine landscape and public-health measures.", no_args_is_help=True
)


@app.command("add")
def add(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="PDF, HTML, Markdown or text"),
    title: str = typer.Option(..., "--title"),
    language: str = typer.Option("en", "--language", help="en, zh, fr ..."),
    document_type: DocumentType = typer.Option(DocumentType.GUIDELINE, "--type"),
    topic: list[str] = typer.Option([], "--topic", help="A topic (repeat)"),
    country: list[str] = typer.Option([], "--country", help="A country the document concerns (repeat)"),
    organisation: str = typer.Option(None, "--organisation", help="Publisher: id, name, acronym or alias"),
    published_on: dt.datetime = typer.Option(None, "--published-on", formats=["%Y-%m-%d"]),
    translation_of: int = typer.Option(None, "--translation-of", help="Id of the document this one translates"),
    summary: str = typer.Option("", "--summary"),
    as_json: bool = JsonOption,
) -> None:
    """Add one document file to the library and index it for search."""
    context = get(ctx)
    data = DocumentCreate(
        title=title,
        language=language,
        document_type=document_type,
        topics=topic,
        countries=country,
        organisation=organisation,
        published_on=published_on.date() if published_on else None,
        translation_of=translation_of,
        summary=summary,
    )
    settings = context.settings
    with file.open("rb") as stream:
        upload = service.read_upload(stream, file.name, settings.max_upload_bytes)
    with context.transaction() as session:
        doc = DocumentPublic.of(
            service.add_document(
                session,
                context.actor,
                data,
                upload=upload,
                storage_dir=settings.data_dir,
                max_bytes=settings.max_upload_bytes,
            )
        )
    if as_json:
        print_json(doc.model_dump(mode="json"))
    else:
        console.print(f"Added document {doc.id}: {doc.title}", markup=False)


@app.command("import-folder")
def import_folder(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder holding the files"),
    manifest: Path = typer.Option(..., "--manifest", exists=True, dir_okay=False, help="CSV: file,title,language,..."),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    as_json: bool = JsonOption,
) -> None:
    """Add every document a manifest CSV lists; a missing file is an error naming its line."""
    context = get(ctx)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
        context.transaction() as session,
    ):
        task = bar.add_task(f"Importing {folder.name}", total=None)
        report = folders.import_folder(
            session,
            context.actor,
            folder,
            manifest,
            on_error=on_error,
            storage_dir=context.settings.data_dir,
            max_bytes=context.settings.max_upload_bytes,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if as_json:
        print_json(report.as_dict())
        return
    console.print(f"{report.accepted} added, {report.rejected} refused of {report.rows_read}", markup=False)
    for problem in report.problems:
        console.print(f"line {problem['line']}: {problem['value']}: {problem['reason']}", markup=False)


@app.command("search")
def search(
    ctx: typer.Context,
    query: str = typer.Argument(...),
    language: str = typer.Option(None, "--language"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    as_json: bool = JsonOption,
) -> None:
    """Full-text search; JSON: a list of {id, title, language, score, snippet}."""
    context = get(ctx)
    with context.transaction() as session:
        result = service.search(session, query, DocumentFilters(language=language), limit=limit)
        hits = [
            {
                "id": h.document.id,
                "title": h.document.title,
                "language": h.document.language,
                "score": h.score,
                "snippet": h.snippet,
            }
            for h in result.items
        ]
    if as_json:
        print_json(hits)
        return
    print_table(
        f"{result.count} documents",
        ["id", "title", "language", "score"],
        [[h["id"], h["title"], h["language"], h["score"]] for h in hits],
    )


@app.command("vaccines")
def list_vaccines(
    ctx: typer.Context,
    platform: Platform = typer.Option(None, "--platform"),
    phase: Phase = typer.Option(None, "--phase"),
    as_json: bool = JsonOption,
) -> None:
    """The vaccine R&D landscape."""
    with get(ctx).transaction() as session:
        rows = [CandidatePublic.of(c) for c in vaccines.list_candidates(session, platform=platform, phase=phase).items]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Vaccine candidates",
        ["id", "name", "platform", "phase", "developers", "public good"],
        [
            [
                r.id,
                r.name,
                r.platform.label,
                r.phase.label,
                "; ".join(d.name for d in r.developers),
                "yes" if r.is_global_public_good else "",
            ]
            for r in rows
        ],
    )


@app.command("measures")
def list_measures(
    ctx: typer.Context, country: str = typer.Option(None, "--country"), as_json: bool = JsonOption
) -> None:
    """Public-health measures, by start date."""
    with get(ctx).transaction() as session:
        rows = [MeasurePublic.of(m) for m in measures.list_measures(session, country=country, limit=100000).items]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Measures",
        ["id", "country", "area", "type", "start", "end", "source"],
        [[r.id, r.country_code, r.area_name, r.measure_type.value, r.start_date, r.end_date, r.source] for r in rows],
    )


@app.command("add-measure")
def add_measure(
    ctx: typer.Context,
    country: str = typer.Argument(...),
    measure_type: MeasureType = typer.Option(..., "--type"),
    start: dt.datetime = typer.Option(..., "--start", formats=["%Y-%m-%d"]),
    source: str = typer.Option(..., "--source"),
    end: dt.datetime = typer.Option(None, "--end", formats=["%Y-%m-%d"]),
    area: str = typer.Option(None, "--area", help="City or province; empty for the whole country"),
    level: int = typer.Option(None, "--level", min=0, max=4),
    description: str = typer.Option("", "--description"),
    as_json: bool = JsonOption,
) -> None:
    """Record a public-health measure."""
    context = get(ctx)
    data = MeasureCreate(
        country=country,
        measure_type=measure_type,
        start_date=start.date(),
        source=source,
        end_date=end.date() if end else None,
        area_name=area,
        level=level,
        description=description,
    )
    with context.transaction() as session:
        row = MeasurePublic.of(measures.record_measure(session, context.actor, data))
    if as_json:
        print_json(row.model_dump(mode="json"))
    else:
        console.print(f"Recorded measure {row.id}", markup=False)
