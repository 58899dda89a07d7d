"""Reading genomes: search by metadata and mutations, one genome's analysis, nearest neighbours, statistics.

Everything here is public metadata; sequences are in ``genomes.access``. Embargoed genomes are
listed (their metadata is public) but their sequences are withheld.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from solidarity.errors import Invalid, NotFound
from solidarity.genomes import datasets
from solidarity.genomes.genome_map import genome_map_svg
from solidarity.genomes.models import (
    Genome,
    GenomeMutation,
    GenomeResult,
    GenomeSet,
    PathogenDatasetRow,
)
from solidarity.reference.countries import resolve_country

AnySelect = Select[*tuple[Any, ...]]
_NUC = re.compile(r"^[ACGTN](\d+)[ACGTN]$")
_DEL = re.compile(r"^(\d+)(?:-(\d+))?$")
_AA = re.compile(r"^[A-Za-z0-9_.]+:[A-Z*-]\d+[A-Z*-]$")


@dataclass
class GenomeFilter:
    """Metadata and mutation filters; every given filter must hold (AND)."""

    dataset: str | None = None
    clade: str | None = None
    country: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lab: str | None = None
    qc_status: str | None = None
    set_id: str | None = None
    mutations: list[str] = field(default_factory=list)
    accessions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in self.__dict__.items()
            if value not in (None, [], "")
        }


def normalise_mutation(text: str) -> str:
    """A mutation as the index stores it: ``C14408T``, ``S:D614G``, ``11288-11296``; raises ``Invalid``.

    >>> normalise_mutation(" c14408t "), normalise_mutation("S:d614g"), normalise_mutation("11288-11296")
    ('C14408T', 'S:D614G', '11288-11296')
    """
    token = text.strip()
    if _NUC.match(token.upper()) or _DEL.match(token):
        return token.upper()
    gene, sep, change = token.partition(":")
    if sep and _AA.match(f"{gene}:{change.upper()}"):
        return f"{gene}:{change.upper()}"
    raise Invalid(
        f"{text!r} is not a mutation: write C14408T, S:D614G or 11288-11296",
        details=[{"field": "mutation", "value": text, "reason": "not a mutation"}],
    )


QC_STATUSES = ("good", "mediocre", "bad")


def _check(session: Session, where: GenomeFilter) -> list[int]:
    """Refuse filters that can never match because they are mistyped; returns the dataset's row ids.

    A QC status other than good, mediocre or bad, a date range that ends before it starts, or a
    dataset name nobody registered would otherwise answer "no genomes" as if none matched.
    """
    if where.qc_status and where.qc_status not in QC_STATUSES:
        raise Invalid(
            f"Unknown QC status {where.qc_status!r}: give good, mediocre or bad",
            details=[{"field": "qc_status", "value": where.qc_status, "reason": "not good, mediocre or bad"}],
        )
    if where.date_from and where.date_to and where.date_to < where.date_from:
        raise Invalid(
            f"The date range ends ({where.date_to.isoformat()}) before it starts ({where.date_from.isoformat()})",
            details=[{"field": "date_to", "value": where.date_to.isoformat(), "reason": "before date_from"}],
        )
    if not where.dataset:
        return []
    rows = datasets.list_datasets(session)
    ids = [row.id for row in rows if row.name == where.dataset]
    if not ids:
        known = sorted({row.name for row in rows})
        raise Invalid(
            f"No pathogen dataset named {where.dataset!r}; registered: {', '.join(known) or 'none'}",
            details=[{"field": "dataset", "value": where.dataset, "reason": "unknown dataset"}],
        )
    return ids


def _filtered(session: Session, query: AnySelect, where: GenomeFilter) -> AnySelect:
    ids = _check(session, where)
    if where.dataset:
        query = query.where(Genome.dataset_id.in_(ids))
    if where.clade:
        query = query.where(GenomeResult.clade == where.clade)
    if where.country:
        query = query.where(Genome.country_code == resolve_country(where.country).alpha2)
    if where.date_from:
        query = query.where(Genome.collection_date >= where.date_from)
    if where.date_to:
        query = query.where(Genome.collection_date <= where.date_to)
    if where.lab:
        pattern = f"%{where.lab.lower()}%"
        query = query.where(
            or_(func.lower(Genome.originating_lab).like(pattern), func.lower(Genome.submitting_lab).like(pattern))
        )
    if where.qc_status:
        query = query.where(GenomeResult.qc_status == where.qc_status)
    if where.set_id:
        query = query.where(GenomeSet.set_id == where.set_id)
    if where.accessions:
        query = query.where(Genome.accession.in_(where.accessions))
    for mutation in where.mutations:
        token = normalise_mutation(mutation)
        query = query.where(Genome.id.in_(select(GenomeMutation.genome_id).where(GenomeMutation.mutation == token)))
    return query


def _base() -> AnySelect:
    query: AnySelect = (
        select(Genome, GenomeResult, GenomeSet.set_id)
        .join(GenomeResult, GenomeResult.genome_id == Genome.id)
        .join(GenomeSet, GenomeSet.id == Genome.set_id)
    )
    return query


@dataclass(frozen=True)
class GenomeRow:
    genome: Genome
    result: GenomeResult
    set_id: str

    def metadata(self) -> dict[str, Any]:
        """The public metadata of one genome, as listings and CSV show it."""
        g = self.genome
        return {
            "accession": g.accession,
            "virus_name": g.virus_name,
            "set_id": self.set_id,
            "collection_date": g.collection_date.isoformat() if g.collection_date else None,
            "date_precision": g.date_precision,
            "region": g.region,
            "country": g.country_code,
            "division": g.division,
            "host": g.host,
            "sex": g.sex,
            "age": g.age,
            "originating_lab": g.originating_lab,
            "submitting_lab": g.submitting_lab,
            "authors": g.authors,
            "sequencing_technology": g.sequencing_technology,
            "assembly_method": g.assembly_method,
            "coverage": g.coverage,
            "has_incomplete_attribution": g.has_incomplete_attribution,
            "embargo_until": g.embargo_until.isoformat() if g.embargo_until else None,
            "length": g.length,
            "clade": self.result.clade,
            "clade_version": self.result.clade_version,
            "qc_status": self.result.qc_status,
            "qc_score": self.result.qc_score,
        }


def search(session: Session, where: GenomeFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[GenomeRow], int]:
    """One page of genomes matching ``where`` (newest collection first) and the number matching."""
    query = _filtered(session, _base(), where)
    count = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(
        query.order_by(Genome.collection_date.desc(), Genome.id.desc()).limit(limit).offset(offset)
    ).all()
    return [GenomeRow(g, r, s) for g, r, s in rows], count


def get_genome(session: Session, accession: str) -> GenomeRow:
    """The genome with ``accession``; raises ``NotFound``."""
    row = session.execute(_base().where(Genome.accession == accession.strip())).first()
    if row is None:
        raise NotFound(f"No genome with accession {accession!r}")
    return GenomeRow(*row)


def analysis_view(row: GenomeRow) -> dict[str, Any]:
    """The analysis keys ``genomes show --json`` prints, with the accession and clade version."""
    analysis = dict(row.result.analysis)
    return {
        "accession": row.genome.accession,
        "virus_name": row.genome.virus_name,
        "set_id": row.set_id,
        **analysis,
        "clade": row.result.clade,
        "clade_version": row.result.clade_version,
    }


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def statistics(session: Session, dataset: str | None = None) -> dict[str, Any]:
    """Public aggregates: genomes, sets, countries, clades and QC statuses (optionally of one pathogen)."""
    where = GenomeFilter(dataset=dataset)
    base = _filtered(
        session,
        select(Genome.id)
        .join(GenomeResult, GenomeResult.genome_id == Genome.id)
        .join(GenomeSet, GenomeSet.id == Genome.set_id),
        where,
    ).subquery()
    genomes = session.scalar(select(func.count()).select_from(base)) or 0

    def grouped(column: Any, missing: str = "unknown") -> dict[str, int]:
        query = (
            select(column, func.count())
            .select_from(Genome)
            .join(GenomeResult, GenomeResult.genome_id == Genome.id)
            .where(Genome.id.in_(select(base.c.id)))
            .group_by(column)
            .order_by(func.count().desc())
        )
        return {str(key) if key is not None else missing: n for key, n in session.execute(query)}

    return {
        "genomes": genomes,
        "sets": session.scalar(select(func.count(func.distinct(Genome.set_id))).where(Genome.id.in_(select(base.c.id))))
        or 0,
        "datasets": [{"name": r.name, "version": r.version} for r in datasets.list_datasets(session)],
        "countries": grouped(Genome.country_code),
        "clades": grouped(GenomeResult.clade, "unassigned"),  # as the clade chart and genome page say
        "qc_status": grouped(GenomeResult.qc_status),
    }


def clade_frequencies(session: Session, *, dataset: str | None = None, country: str | None = None) -> dict[str, Any]:
    """Genomes per clade per collection month (optionally in one country): the stacked chart's data.

    Returns ``{"periods": ["2020-01", ...], "series": [{"label": clade, "values": [n, ...]}]}``;
    genomes dated only to the year are left out.
    """
    query: AnySelect = (
        select(Genome.collection_date, GenomeResult.clade)
        .join(GenomeResult, GenomeResult.genome_id == Genome.id)
        .join(GenomeSet, GenomeSet.id == Genome.set_id)
        .where(Genome.collection_date.is_not(None), Genome.date_precision != "year")
    )
    query = _filtered(session, query, GenomeFilter(dataset=dataset, country=country))
    counts: dict[tuple[str, str], int] = Counter()
    for date, clade in session.execute(query).all():
        counts[(date.strftime("%Y-%m"), clade or "unassigned")] += 1
    periods = sorted({period for period, _ in counts})
    clades = sorted({clade for _, clade in counts})
    return {
        "periods": periods,
        "series": [{"label": clade, "values": [counts.get((p, clade), 0) for p in periods]} for clade in clades],
    }


def dataset_rows(session: Session) -> list[PathogenDatasetRow]:
    return datasets.list_datasets(session)


def genome_map(session: Session, row: GenomeRow) -> str:
    """The SVG genome map of a stored genome, with its dataset's genes."""
    dataset_row = session.get(PathogenDatasetRow, row.genome.dataset_id)
    assert dataset_row is not None
    dataset = datasets.load_registered(dataset_row)
    analysis = row.result.analysis
    return genome_map_svg(
        len(dataset.reference),
        [(gene.name, gene.start, gene.end) for gene in dataset.genes],
        analysis.get("substitutions", []),
        analysis.get("deletions", []),
        analysis.get("missing", []),
    )
