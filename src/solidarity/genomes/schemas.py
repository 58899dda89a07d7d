"""Shapes out of the genomes API: one genome's public metadata, one row per genome in listings and CSV."""

from __future__ import annotations

from pydantic import BaseModel


class GenomePublic(BaseModel):
    """A genome's public metadata (never its sequence)."""

    accession: str | None
    virus_name: str
    set_id: str
    collection_date: str | None
    date_precision: str | None
    region: str | None
    country: str | None
    division: str | None
    host: str | None
    sex: str | None
    age: str | None
    originating_lab: str | None
    submitting_lab: str | None
    authors: str | None
    sequencing_technology: str | None
    assembly_method: str | None
    coverage: str | None
    has_incomplete_attribution: bool
    embargo_until: str | None
    length: int
    clade: str | None
    clade_version: str | None
    qc_status: str | None
    qc_score: float | None
