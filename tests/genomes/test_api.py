"""Genomes API: multipart submission, listing with CSV, detail, neighbours, datasets, upload limits."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person
from tests.genomes.conftest import Batch, Submitter


def test_an_editor_submits_by_upload_and_reads_the_results_back(
    client: TestClient,
    dataset: str,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    batch = write_batch(small_records[:3], gz=True)
    files = {
        "fasta": (batch.fasta.name, batch.fasta.read_bytes(), "application/gzip"),
        "metadata": (batch.metadata.name, batch.metadata.read_bytes(), "text/tab-separated-values"),
    }
    form = {"allow_incomplete_attribution": "true", "on_error": "skip"}
    assert client.post("/api/v1/genomes/upload", files=files, data=form).status_code in (401, 403)
    viewer = make_person(Role.VIEWER)
    assert client.post("/api/v1/genomes/upload", files=files, data=form, headers=token_for(viewer)).status_code == 403
    editor = make_person(Role.EDITOR)
    response = client.post("/api/v1/genomes/upload", files=files, data=form, headers=token_for(editor))
    assert response.status_code == 201, response.text
    body = response.json()
    assert {"set_id", "accepted", "rejected", "duplicates"} <= set(body)
    assert len(body["accepted"]) == 3

    accession = body["accepted"][1]["accession"]
    detail = client.get(f"/api/v1/genomes/{accession}").json()
    assert detail["accession"] == accession
    assert detail["metadata"]["set_id"] == body["set_id"]
    assert "sequence" not in detail["metadata"]
    listing = client.get("/api/v1/genomes", params={"mutation": "C8782T"}).json()
    assert listing["count"] >= 1
    assert listing["data"][0]["accession"]
    csv = client.get("/api/v1/genomes", params={"format": "csv"})
    assert csv.text.splitlines()[0].startswith("accession,virus_name,set_id")
    assert len(csv.text.splitlines()) == 4
    near = client.get(f"/api/v1/genomes/{accession}/neighbours", params={"k": 2}).json()
    assert len(near["neighbours"]) == 2
    uploaded = client.post(
        "/api/v1/genomes/neighbours/upload",
        files={"fasta": ("q.fasta", f">q\n{small_records[1][1]}\n".encode(), "text/plain")},
        data={"k": "1"},
        headers=token_for(viewer),
    ).json()
    assert uploaded["neighbours"][0] == {**uploaded["neighbours"][0], "accession": accession, "distance": 0}
    assert client.get("/api/v1/genomes/datasets").json()[0]["name"] == dataset
    frequencies = client.get("/api/v1/genomes/clade-frequencies", params={"country": "AU"}).json()
    assert frequencies["periods"]
    assert frequencies["series"]
    assert client.get("/api/v1/genomes/SOL-G-999999").status_code == 404
    assert client.get("/api/v1/genomes", params={"mutation": "D614G"}).status_code == 422


def test_anyone_may_ask_for_the_neighbours_of_an_uploaded_genome(
    client: TestClient, submit: Submitter, write_batch: Callable[..., Batch], small_records: list[tuple[str, str]]
) -> None:
    accepted = submit(write_batch(small_records[:3])).accepted
    response = client.post(
        "/api/v1/genomes/neighbours/upload",
        files={"fasta": ("q.fasta", f">q\n{small_records[1][1]}\n".encode(), "text/plain")},
        data={"k": "1"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["neighbours"][0]["accession"] == accepted[1]["accession"]
