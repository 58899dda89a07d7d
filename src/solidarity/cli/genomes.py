"""`solidarity genomes`: register pathogen datasets, submit genomes, show, search, neighbours, download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.genomes import access, datasets, queries, submission
from solidarity.genomes import neighbours as nearest
from solidarity.imports import OnError

app = typer.Typer(help="Pathogen genomes: submit, analyse, search, neighbours, download.", no_args_is_help=True)
dataset_app = typer.Typer(help="Pathogen datasets (reference, annotation, clades, QC).", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")

DateOption = typer.Option(None, formats=["%Y-%m-%d"])


def _dataset_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "version": row.version,
        "reference_length": row.reference_length,
        "files_sha256": row.files_sha256,
        "registered_at": row.registered_at.isoformat(),
    }


@dataset_app.command("add")
def dataset_add(
    ctx: typer.Context,
    directory: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="Directory with reference.fasta, annotation.gff, clades.tsv and qc.json"
    ),
    name: str = typer.Option(None, "--name", help="Dataset name (default: the directory's name)"),
    as_json: bool = JsonOption,
) -> None:
    """Register a pathogen dataset; its files are copied under the data directory."""
    context = get(ctx)
    with context.transaction() as session:
        row, created = datasets.register_dataset(
            session, context.actor, directory, context.settings.data_dir, name=name
        )
        data = {**_dataset_dict(row), "created": created}
    if as_json:
        print_json(data)
        return
    verb = "Registered" if created else "Already registered:"
    console.print(f"{verb} dataset {data['name']} version {data['version']}", markup=False)


@dataset_app.command("list")
def dataset_list(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List the registered pathogen datasets."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [_dataset_dict(row) for row in datasets.list_datasets(session)]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Pathogen datasets",
        ["name", "version", "reference length", "registered"],
        [[r["name"], r["version"], r["reference_length"], r["registered_at"]] for r in rows],
    )


@app.command("submit")
def submit(
    ctx: typer.Context,
    fasta: Path = typer.Argument(..., exists=True, dir_okay=False, help="FASTA file, plain or gzip"),
    metadata: Path = typer.Option(..., "--metadata", exists=True, dir_okay=False, help="Metadata CSV or TSV"),
    dataset: str = typer.Option(None, "--dataset", help="Pathogen dataset name (default: the only one)"),
    allow_incomplete_attribution: bool = typer.Option(
        False, "--allow-incomplete-attribution", help="Accept unknown ('?') labs or authors, for re-shared public data"
    ),
    on_error: OnError = typer.Option(OnError.ERROR_FIRST, "--on-error", help="error-first, error-all, warn or skip"),
    embargo_until: dt.datetime = typer.Option(
        None, "--embargo-until", formats=["%Y-%m-%d"], help="Withhold the sequences from others until this date"
    ),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Analysis worker processes"),
    as_json: bool = JsonOption,
) -> None:
    """Submit genomes with their metadata as one citable set; each accepted genome gets an accession."""
    context = get(ctx)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with (
        Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar,
        fasta.open("rb") as fasta_stream,
        metadata.open("rb") as metadata_stream,
        context.transaction() as session,
    ):
        task = bar.add_task(f"Submitting {fasta.name}", total=fasta.stat().st_size)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = submission.submit_genomes(
            session,
            context.actor,
            fasta_stream,
            fasta.name,
            metadata_stream,
            metadata.name,
            dataset=dataset,
            allow_incomplete_attribution=allow_incomplete_attribution,
            on_error=on_error,
            embargo_until=embargo_until.date() if embargo_until else None,
            workers=workers,
            progress=advance,
        )
    data = result.as_dict()
    if as_json:
        print_json(data)
        return
    console.print(
        f"Set {data['set_id'] or '(none)'}: {len(data['accepted'])} accepted, {len(data['rejected'])} rejected, "
        f"{len(data['duplicates'])} duplicates",
        markup=False,
    )
    for item in data["rejected"][:20]:
        err_console.print(f"rejected {item['name']}: {item['reason']}", markup=False)
    for item in data["duplicates"][:20]:
        err_console.print(
            f"duplicate {item['name']}: same sequence as {item['accession'] or item['duplicate_of']}", markup=False
        )


@app.command("show")
def show(ctx: typer.Context, accession: str = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Show a genome's metadata and analysis: mutations, clade and QC."""
    context = get(ctx)
    with context.transaction() as session:
        row = queries.get_genome(session, accession)
        view = queries.analysis_view(row)
        meta = row.metadata()
    if as_json:
        print_json({**view, "metadata": meta})
        return
    qc = view.get("qc") or {}
    print_table(
        f"{view['accession']} {view['virus_name']}",
        ["field", "value"],
        [
            ["set", view["set_id"]],
            ["collection date", meta["collection_date"]],
            ["country", meta["country"]],
            ["clade", f"{view['clade']} (definitions {view['clade_version']})"],
            ["QC", f"{qc.get('status')} ({qc.get('overall_score')})"],
            ["substitutions", " ".join(view.get("substitutions", []))],
            ["deletions", " ".join(view.get("deletions", []))],
            ["aa substitutions", " ".join(view.get("aa_substitutions", []))],
            ["frame shifts", " ".join(str(x) for x in view.get("frame_shifts", []))],
            ["stop codons", " ".join(str(x) for x in view.get("stop_codons", []))],
        ],
    )


@app.command("neighbours")
def neighbours(
    ctx: typer.Context,
    accession: str = typer.Argument(...),
    k: int = typer.Option(nearest.DEFAULT_K, "--k", min=1, max=nearest.MAX_K, help="How many neighbours"),
    as_json: bool = JsonOption,
) -> None:
    """The stored genomes nearest to one, by mutation distance."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [n.as_dict() for n in nearest.neighbours_of(session, accession, k)]
    if as_json:
        print_json({"accession": accession, "k": k, "neighbours": rows})
        return
    print_table(
        f"Nearest genomes to {accession}",
        ["accession", "virus name", "distance", "clade", "country", "date"],
        [
            [r["accession"], r["virus_name"], r["distance"], r["clade"], r["country"], r["collection_date"]]
            for r in rows
        ],
    )


def _filter(
    dataset: str | None,
    clade: str | None,
    country: str | None,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    lab: str | None,
    qc_status: str | None,
    set_id: str | None,
    mutations: list[str] | None,
) -> queries.GenomeFilter:
    return queries.GenomeFilter(
        dataset=dataset,
        clade=clade,
        country=country,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        lab=lab,
        qc_status=qc_status,
        set_id=set_id,
        mutations=list(mutations or []),
    )


@app.command("search")
def search(
    ctx: typer.Context,
    dataset: str = typer.Option(None, "--dataset"),
    clade: str = typer.Option(None, "--clade"),
    country: str = typer.Option(None, "--country", help="Country name or ISO code"),
    date_from: dt.datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="Collected on or after"),
    date_to: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Collected on or before"),
    lab: str = typer.Option(None, "--lab", help="Originating or submitting lab contains"),
    qc_status: str = typer.Option(None, "--qc", help="good, mediocre or bad"),
    set_id: str = typer.Option(None, "--set"),
    mutation: list[str] = typer.Option(None, "--mutation", help="C14408T, S:D614G or 11288-11296; repeat for AND"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = JsonOption,
) -> None:
    """Search genome metadata by dataset, clade, country, dates, lab, QC status and mutations."""
    context = get(ctx)
    where = _filter(dataset, clade, country, date_from, date_to, lab, qc_status, set_id, mutation)
    with context.transaction() as session:
        rows, count = queries.search(session, where, limit=limit)
        data = [row.metadata() for row in rows]
    if as_json:
        print_json({"count": count, "data": data})
        return
    print_table(
        f"Genomes ({count} match)",
        ["accession", "virus name", "date", "country", "clade", "QC"],
        [
            [d["accession"], d["virus_name"], d["collection_date"], d["country"], d["clade"], d["qc_status"]]
            for d in data
        ],
    )


@app.command("download")
def download(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False, help="FASTA file to write"),
    dataset: str = typer.Option(None, "--dataset"),
    clade: str = typer.Option(None, "--clade"),
    country: str = typer.Option(None, "--country"),
    date_from: dt.datetime = typer.Option(None, "--from", formats=["%Y-%m-%d"]),
    date_to: dt.datetime = typer.Option(None, "--to", formats=["%Y-%m-%d"]),
    lab: str = typer.Option(None, "--lab"),
    qc_status: str = typer.Option(None, "--qc"),
    set_id: str = typer.Option(None, "--set"),
    mutation: list[str] = typer.Option(None, "--mutation"),
    as_json: bool = JsonOption,
) -> None:
    """Write matching sequences to a FASTA file, with OUTPUT.acknowledgements.tsv and the set ids to cite."""
    context = get(ctx)
    where = _filter(dataset, clade, country, date_from, date_to, lab, qc_status, set_id, mutation)
    with context.transaction() as session:
        bundle = access.download(session, context.actor, where)
    acknowledgements = output.with_name(output.name + ".acknowledgements.tsv")
    output.write_text(bundle.fasta, encoding="ascii")
    acknowledgements.write_text(bundle.acknowledgements_tsv(), encoding="utf-8")
    data = {
        "fasta": str(output),
        "acknowledgements": str(acknowledgements),
        "count": bundle.count,
        "withheld": bundle.withheld,
        "set_ids": bundle.set_ids,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"Wrote {bundle.count} genomes to {output} and acknowledgements to {acknowledgements}", markup=False)
    console.print("Cite: " + (", ".join(bundle.set_ids) or "none"), markup=False)
