"""Who may read sequences, and downloads that carry their acknowledgements.

Metadata and aggregates are public. Sequences go only to signed-in users who accepted the current
terms of use; an embargoed genome's sequence goes only to its submitting organisation (and admins)
until the embargo date. Every download is recorded (who, when, filter, how many, which sets) and
comes with an acknowledgements table and the set ids to cite.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Forbidden, Invalid
from solidarity.genomes import queries
from solidarity.genomes.models import Genome, GenomeDownload, GenomeSet, TermsAcceptance

MODULE = "genomes"
TERMS_VERSION = "2026-1"
TERMS_TEXT = (
    "1. You will acknowledge the originating and submitting laboratories and the authors of every genome you use, "
    "and cite the set ids of the data.\n"
    "2. You will not re-publish the sequences elsewhere in a way that removes these acknowledgements.\n"
    "3. You will make reasonable efforts to collaborate with the data generators, and involve them in research "
    "and publications that use their data.\n"
    "4. You will not attempt to identify the patients the genomes came from.\n"
)
ACKNOWLEDGEMENT_COLUMNS = ("accession", "virus_name", "originating_lab", "submitting_lab", "authors", "set_id")
MAX_DOWNLOAD = 100_000


def has_accepted_terms(session: Session, actor: Actor) -> bool:
    if actor.user_id is None:
        return actor.is_admin and actor.is_authenticated
    return (
        session.scalar(
            select(TermsAcceptance.id).where(
                TermsAcceptance.user_id == actor.user_id, TermsAcceptance.terms_version == TERMS_VERSION
            )
        )
        is not None
    )


def accept_terms(session: Session, actor: Actor) -> TermsAcceptance:
    """Record that a signed-in user accepts the current terms; accepting again changes nothing.

    Raises ``Unauthorized`` for the anonymous public and ``Invalid`` for an actor without a user
    (the CLI operator, who needs no acceptance).
    """
    actor.require_authenticated()
    if actor.user_id is None:
        raise Invalid("Only a user account accepts the terms of use", details=[{"field": "user"}])
    existing = session.scalar(
        select(TermsAcceptance).where(
            TermsAcceptance.user_id == actor.user_id, TermsAcceptance.terms_version == TERMS_VERSION
        )
    )
    if existing is not None:
        return existing
    acceptance = TermsAcceptance(user_id=actor.user_id, terms_version=TERMS_VERSION)
    session.add(acceptance)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="accept_terms",
        entity_type="genome_terms",
        entity_id=acceptance.id,
        after=audit.snapshot(acceptance),
    )
    return acceptance


def require_sequence_access(session: Session, actor: Actor) -> None:
    """Raise ``Forbidden`` unless the actor may read sequences (signed in and terms accepted)."""
    if not actor.is_authenticated:
        raise Forbidden("Sequences are for registered users who accepted the terms of use: sign in first")
    if not has_accepted_terms(session, actor):
        raise Forbidden(
            f"Accept the genome data terms of use (version {TERMS_VERSION}) before downloading sequences",
            details={"terms_version": TERMS_VERSION},
        )


def is_embargoed_for(actor: Actor, genome: Genome, set_organisation_id: int | None, today: dt.date) -> bool:
    if genome.embargo_until is None or genome.embargo_until <= today:
        return False
    return not (actor.is_admin or (actor.organisation_id is not None and actor.organisation_id == set_organisation_id))


def sequence_of(genome: Genome) -> str:
    return zlib.decompress(genome.sequence_zlib).decode("ascii")


def fasta_lines(name: str, sequence: str, width: int = 80) -> Iterator[str]:
    yield f">{name}\n"
    for start in range(0, len(sequence), width):
        yield sequence[start : start + width] + "\n"


@dataclass
class Download:
    """Sequences, acknowledgements and the set ids to cite, of one recorded download."""

    fasta: str
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)
    set_ids: list[str] = field(default_factory=list)
    withheld: int = 0

    @property
    def count(self) -> int:
        return len(self.acknowledgements)

    def acknowledgements_tsv(self) -> str:
        lines = ["\t".join(ACKNOWLEDGEMENT_COLUMNS)]
        for row in self.acknowledgements:
            lines.append("\t".join(_tsv_cell(row.get(column)) for column in ACKNOWLEDGEMENT_COLUMNS))
        return "\n".join(lines) + "\n"

    def citation(self) -> str:
        sets = ", ".join(self.set_ids) if self.set_ids else "none"
        return (
            "Genome data from the Solidarity genome sharing platform.\n"
            f"Cite the data sets: {sets}\n"
            "Acknowledge the originating and submitting laboratories and the authors listed in acknowledgements.tsv.\n"
            f"Terms of use version {TERMS_VERSION}.\n"
            + (f"{self.withheld} embargoed genome(s) matching the filter were withheld.\n" if self.withheld else "")
        )

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("sequences.fasta", self.fasta)
            archive.writestr("acknowledgements.tsv", self.acknowledgements_tsv())
            archive.writestr("CITATION.txt", self.citation())
        return buffer.getvalue()


def _tsv_cell(value: Any) -> str:
    if value is None:
        return "unknown"
    return str(value).replace("\t", " ").replace("\n", " ")


def download(session: Session, actor: Actor, where: queries.GenomeFilter, *, today: dt.date | None = None) -> Download:
    """The sequences matching ``where`` with their acknowledgements; the download is recorded.

    Raises ``Forbidden`` unless the actor may read sequences (see ``require_sequence_access``);
    embargoed genomes of other organisations are left out and counted in ``withheld``.
    """
    require_sequence_access(session, actor)
    today = today or dt.datetime.now(dt.UTC).date()
    rows, count = queries.search(session, where, limit=MAX_DOWNLOAD + 1)
    if count > MAX_DOWNLOAD:
        raise Invalid(
            f"{count:,} genomes match; narrow the filter to at most {MAX_DOWNLOAD:,}",
            details=[{"field": "filter", "value": count, "reason": "too many genomes"}],
        )
    set_orgs = dict(
        session.execute(
            select(GenomeSet.set_id, GenomeSet.organisation_id).where(
                GenomeSet.set_id.in_({row.set_id for row in rows})
            )
        ).all()
    )
    parts: list[str] = []
    result = Download(fasta="")
    sets: set[str] = set()
    for row in sorted(rows, key=lambda r: r.genome.id):
        if is_embargoed_for(actor, row.genome, set_orgs.get(row.set_id), today):
            result.withheld += 1
            continue
        parts.extend(fasta_lines(row.genome.accession or row.genome.virus_name, sequence_of(row.genome)))
        result.acknowledgements.append({column: row.metadata().get(column) for column in ACKNOWLEDGEMENT_COLUMNS})
        sets.add(row.set_id)
    result.fasta = "".join(parts)
    result.set_ids = sorted(sets)
    session.add(
        GenomeDownload(
            user_id=actor.user_id,
            actor_label=actor.label,
            filters=where.as_dict(),
            genome_count=result.count,
            set_ids=result.set_ids,
        )
    )
    session.flush()
    return result


def genome_sequence(session: Session, actor: Actor, accession: str, *, today: dt.date | None = None) -> Download:
    """One genome's sequence as a download (recorded, with its acknowledgement); embargo refused with ``Forbidden``."""
    row = queries.get_genome(session, accession)
    require_sequence_access(session, actor)
    today = today or dt.datetime.now(dt.UTC).date()
    organisation = session.scalar(select(GenomeSet.organisation_id).where(GenomeSet.id == row.genome.set_id))
    if is_embargoed_for(actor, row.genome, organisation, today):
        raise Forbidden(
            f"{accession} is under embargo until {row.genome.embargo_until}",
            details={"embargo_until": str(row.genome.embargo_until)},
        )
    return download(session, actor, queries.GenomeFilter(accessions=[row.genome.accession or ""]), today=today)
