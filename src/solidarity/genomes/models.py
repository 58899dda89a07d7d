"""Genomes tables: pathogen datasets, submitted sets and genomes, their analyses and the mutation index.

``GenomeMutation`` is the inverted index searches and nearest-neighbour queries read: one row per
(token, genome). Tokens are nucleotide substitutions (``C241T``), deletion ranges (``11288-11296``),
deleted sites (``del:11288``, one per deleted base, for distances), amino-acid substitutions
(``S:D614G``) and amino-acid deletions (``ORF1a:S3675-``). ``GenomeMissingRange`` lists each
genome's runs of N, so distances can ignore sites missing in either genome.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from solidarity.db.base import Base, UTCDateTime, utcnow
from solidarity.partners import accounts as _accounts  # noqa: F401 - the tables these foreign keys name
from solidarity.partners import models as _partners  # noqa: F401


class PathogenDatasetRow(Base):
    """A registered reference dataset (reference, annotation, clades, QC config) at one version."""

    __tablename__ = "genome_datasets"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(100))
    directory: Mapped[str] = mapped_column(String(1000))
    files_sha256: Mapped[dict[str, Any]] = mapped_column(JSON)
    reference_length: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by: Mapped[str] = mapped_column(String(200))


class GenomeSet(Base):
    """One submitted batch; ``set_id`` (``SOL-SET-2026-000001``) is what users cite."""

    __tablename__ = "genome_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("genome_datasets.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    embargo_until: Mapped[dt.date | None] = mapped_column(Date)
    genome_count: Mapped[int] = mapped_column(Integer, default=0)
    has_incomplete_attribution: Mapped[bool] = mapped_column(Boolean, default=False)
    file_name: Mapped[str | None] = mapped_column(String(255))


class Genome(Base):
    """An accepted genome: its stable accession, sequence (zlib) and GISAID-like metadata."""

    __tablename__ = "genomes"
    __table_args__ = (
        UniqueConstraint("dataset_id", "sequence_sha256"),
        Index("ix_genomes_dataset_date", "dataset_id", "collection_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    accession: Mapped[str | None] = mapped_column(String(40), unique=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("genome_sets.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("genome_datasets.id"))
    virus_name: Mapped[str] = mapped_column(String(300), index=True)
    sequence_sha256: Mapped[str] = mapped_column(String(64))
    sequence_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    length: Mapped[int] = mapped_column(Integer)
    collection_date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(5))
    region: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str | None] = mapped_column(String(2), index=True)
    country_name: Mapped[str | None] = mapped_column(String(200))
    division: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(40))
    age: Mapped[str | None] = mapped_column(String(40))
    originating_lab: Mapped[str | None] = mapped_column(Text)
    submitting_lab: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    sequencing_technology: Mapped[str | None] = mapped_column(String(200))
    assembly_method: Mapped[str | None] = mapped_column(String(200))
    coverage: Mapped[str | None] = mapped_column(String(40))
    has_incomplete_attribution: Mapped[bool] = mapped_column(Boolean, default=False)
    embargo_until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GenomeResult(Base):
    """The analysis of one genome against its dataset, and the columns searches filter on."""

    __tablename__ = "genome_results"

    genome_id: Mapped[int] = mapped_column(ForeignKey("genomes.id"), primary_key=True)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON)
    clade: Mapped[str | None] = mapped_column(String(40), index=True)
    clade_version: Mapped[str | None] = mapped_column(String(100))
    qc_status: Mapped[str | None] = mapped_column(String(20), index=True)
    qc_score: Mapped[float | None] = mapped_column(Float)
    mutation_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    """Substitutions plus deleted sites: the size of the set neighbour distances compare."""
    index_tokens: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The same set for the in-memory neighbour index: sorted ``index.encode`` tokens, int32 little-endian."""
    index_missing: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The genome's missing ranges as (start, end) int32 little-endian pairs; NULL on rows stored before 0012."""


class GenomeMutation(Base):
    """The inverted index: one row per mutation token per genome."""

    __tablename__ = "genome_mutations"
    __table_args__ = (Index("ix_genome_mutations_kind_site", "kind", "site"),)

    mutation: Mapped[str] = mapped_column(String(80), primary_key=True)
    genome_id: Mapped[int] = mapped_column(ForeignKey("genomes.id"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(4))
    """``nuc`` substitution, ``del`` deletion range, ``site`` deleted site, ``aa`` amino-acid change."""
    site: Mapped[int | None] = mapped_column(Integer)


class GenomeMissingRange(Base):
    """A run of missing bases (N) in a genome, in 1-based inclusive reference coordinates."""

    __tablename__ = "genome_missing_ranges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    genome_id: Mapped[int] = mapped_column(ForeignKey("genomes.id"), index=True)
    start: Mapped[int] = mapped_column(Integer, index=True)
    end: Mapped[int] = mapped_column(Integer)


class TermsAcceptance(Base):
    """A user's acceptance of a version of the genome data terms of use."""

    __tablename__ = "genome_terms_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "terms_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    terms_version: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GenomeDownload(Base):
    """A sequence download: who, when, with which filter and how many genomes (attribution record)."""

    __tablename__ = "genome_downloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    downloaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    genome_count: Mapped[int] = mapped_column(Integer)
    set_ids: Mapped[list[str]] = mapped_column(JSON)
