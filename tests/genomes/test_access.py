"""Access: public metadata, sequences only after sign-in and the terms, acknowledgements, embargo, records."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.db import transaction
from solidarity.genomes.models import GenomeDownload, TermsAcceptance
from tests.conftest import Person
from tests.genomes.conftest import Batch, Submitter

Tokens = Callable[[Person], dict[str, str]]


def test_metadata_is_public_but_sequences_need_sign_in_and_the_terms(
    client: TestClient,
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
    token_for: Tokens,
) -> None:
    accession = submit(write_batch(small_records[:2])).accepted[1]["accession"]
    assert client.get(f"/api/v1/genomes/{accession}").json()["substitutions"]
    assert client.get("/api/v1/genomes").json()["count"] == 2
    assert client.get("/api/v1/genomes/statistics").json()["genomes"] == 2

    assert client.get(f"/api/v1/genomes/{accession}/sequence").status_code == 403
    assert client.get("/api/v1/genomes/download").status_code == 403
    viewer = make_person(Role.VIEWER)
    headers = token_for(viewer)
    refused = client.get(f"/api/v1/genomes/{accession}/sequence", headers=headers)
    assert refused.status_code == 403
    assert "terms" in refused.json()["error"]["message"]
    assert client.get("/api/v1/genomes/terms", headers=headers).json()["accepted"] is False

    accepted = client.post("/api/v1/genomes/terms", headers=headers)
    assert accepted.status_code == 201
    assert accepted.json()["version"]
    sequence = client.get(f"/api/v1/genomes/{accession}/sequence", headers=headers)
    assert sequence.status_code == 200
    assert sequence.text.startswith(f">{accession}\n")
    assert sequence.text.replace("\n", "").endswith(small_records[1][1][-50:])
    with transaction(db) as session:
        assert session.scalar(select(TermsAcceptance.terms_version).where(TermsAcceptance.user_id == viewer.id))
        download = session.scalar(select(GenomeDownload).where(GenomeDownload.user_id == viewer.id))
        assert download is not None
        assert download.genome_count == 1


def test_a_download_carries_acknowledgements_and_the_set_ids_to_cite(
    client: TestClient,
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
    token_for: Tokens,
) -> None:
    first = submit(write_batch(small_records[:2]))
    second = submit(write_batch(small_records[2:4]))
    viewer = make_person(Role.VIEWER)
    headers = token_for(viewer)
    client.post("/api/v1/genomes/terms", headers=headers)

    response = client.get("/api/v1/genomes/download", params={"country": "AU"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["CITATION.txt", "acknowledgements.tsv", "sequences.fasta"]
    rows = [line.split("\t") for line in archive.read("acknowledgements.tsv").decode().splitlines()]
    assert rows[0] == ["accession", "virus_name", "originating_lab", "submitting_lab", "authors", "set_id"]
    australian = [item for item in first.accepted + second.accepted if item["name"].startswith("Australia")]
    assert [row[0] for row in rows[1:]] == [item["accession"] for item in australian]
    assert rows[1][2:5] == ["unknown", "unknown", "Seemann et al"]
    citation = archive.read("CITATION.txt").decode()
    assert first.set_id in citation
    assert second.set_id in citation
    assert archive.read("sequences.fasta").decode().count(">") == 3


def test_embargoed_sequences_are_withheld_from_other_organisations_until_the_date(
    client: TestClient,
    db: sessionmaker[Session],
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
    token_for: Tokens,
    organisation: int,
) -> None:
    submitter = make_person(Role.EDITOR)
    result = submit(write_batch(small_records[:2]), actor=submitter.actor, embargo_until=dt.date(2099, 1, 1))
    accession = result.accepted[0]["accession"]
    with transaction(db) as session:
        from solidarity.partners import service as partners
        from solidarity.partners.models import OrganisationType
        from solidarity.partners.schemas import OrganisationCreate

        other_org = partners.create_organisation(
            session,
            submitter.actor.__class__.system("t"),
            OrganisationCreate(name="Other Institute", type=OrganisationType.GOVERNMENT),
        ).id
    outsider = make_person(Role.VIEWER, organisation_id=other_org)
    colleague = make_person(Role.VIEWER)
    for person in (outsider, colleague):
        client.post("/api/v1/genomes/terms", headers=token_for(person))

    assert client.get(f"/api/v1/genomes/{accession}").json()["metadata"]["embargo_until"] == "2099-01-01"
    assert client.get(f"/api/v1/genomes/{accession}/sequence", headers=token_for(outsider)).status_code == 403
    bundle = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/genomes/download", headers=token_for(outsider)).content))
    assert bundle.read("sequences.fasta") == b""
    assert "2 embargoed" in bundle.read("CITATION.txt").decode()
    assert client.get(f"/api/v1/genomes/{accession}/sequence", headers=token_for(colleague)).status_code == 200
