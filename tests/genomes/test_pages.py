"""Genome pages: landing with the clade chart, submission form with per-genome results, genome page, search, terms."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from solidarity.actor import Role
from tests.conftest import Person, csrf_from, sign_in
from tests.genomes.conftest import Batch, Submitter


def test_an_editor_submits_through_the_form_and_sees_each_genome_result(
    client: TestClient,
    dataset: str,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
) -> None:
    sign_in(client, make_person(Role.EDITOR))
    form_page = client.get("/genomes/submit")
    assert form_page.status_code == 200
    batch = write_batch([*small_records[:2], ("Bad/IUPAC/2020", "ACGTJ" * 40)])
    response = client.post(
        "/genomes/upload",
        data={"csrf_token": csrf_from(form_page.text), "allow_incomplete_attribution": "on", "on_error": "skip"},
        files={
            "fasta": (batch.fasta.name, batch.fasta.read_bytes(), "text/plain"),
            "metadata": (batch.metadata.name, batch.metadata.read_bytes(), "text/plain"),
        },
    )
    assert response.status_code == 200, response.text
    assert "2 accepted, 1 rejected" in response.text
    assert "SOL-G-" in response.text
    assert "not an IUPAC nucleotide code" in response.text


def test_genome_page_shows_mutations_the_qc_panel_and_an_svg_genome_map(
    client: TestClient, submit: Submitter, write_batch: Callable[..., Batch], small_records: list[tuple[str, str]]
) -> None:
    accession = submit(write_batch(small_records[:2])).accepted[1]["accession"]
    page = client.get(f"/genomes/{accession}")
    assert page.status_code == 200
    assert "C8782T" in page.text
    assert 'data-testid="qc-table"' in page.text
    for rule in ("missing data", "mixed sites", "private mutations", "snp clusters", "frame shifts", "stop codons"):
        assert rule in page.text
    assert '<svg class="genome-map"' in page.text
    assert 'class="tick substitution"' in page.text
    assert "<title>S 21563-25384</title>" in page.text
    assert "terms of use" in page.text  # anonymous: no sequence link
    assert client.get("/genomes/SOL-G-999999").status_code == 404


def test_landing_chart_search_neighbours_and_terms_pages(
    client: TestClient,
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
) -> None:
    accession = submit(write_batch(small_records)).accepted[1]["accession"]
    landing = client.get("/genomes", params={"country": "Australia"})
    assert landing.status_code == 200
    assert 'data-chart="stacked"' in landing.text
    assert "/static/genomes.js" in landing.text
    assert '"dates": ["2020-03"' in landing.text or '"dates":["2020-03"' in landing.text
    found = client.get("/genomes/search", params={"country": "AU", "mutations": "C8782T"})
    assert found.status_code == 200
    assert accession in found.text
    near = client.get("/genomes/search", params={"neighbours_of": accession, "k": 2})
    assert 'data-testid="neighbours-table"' in near.text
    assert client.get("/genomes/search", params={"mutations": "D614G"}).status_code == 422

    sign_in(client, make_person(Role.VIEWER))
    terms = client.get("/genomes/terms")
    accepted = client.post("/genomes/terms", data={"csrf_token": csrf_from(terms.text)})
    assert accepted.status_code == 200
    assert 'data-testid="terms-accepted"' in accepted.text
    assert f"/api/v1/genomes/{accession}/sequence" in client.get(f"/genomes/{accession}").text
    assert client.get(f"/api/v1/genomes/{accession}/sequence").status_code == 200


def test_the_terms_page_shows_the_terms_version_and_leaves_the_footer_its_own(client: TestClient) -> None:
    from solidarity import __version__
    from solidarity.genomes.access import TERMS_VERSION

    page = client.get("/genomes/terms")
    assert page.status_code == 200
    assert f"Version {TERMS_VERSION}</p>" in page.text
    assert f"Solidarity {__version__} ·" in page.text  # the footer was showing the terms version


def test_the_search_page_download_link_walks_through_sign_in_and_terms_to_the_zip(
    client: TestClient,
    submit: Submitter,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
    make_person: Callable[..., Person],
) -> None:
    submit(write_batch(small_records[:2]))
    search = client.get("/genomes/search", params={"country": "AU"})
    assert 'href="/genomes/download?country=AU"' in search.text
    first = client.get("/genomes/download", params={"country": "AU"}, follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fgenomes%2Fdownload%3Fcountry%3DAU"
    sign_in(client, make_person(Role.VIEWER))
    second = client.get("/genomes/download", params={"country": "AU"}, follow_redirects=False)
    assert second.headers["location"] == "/genomes/terms?next=%2Fgenomes%2Fdownload%3Fcountry%3DAU"
    terms = client.get(second.headers["location"])
    assert 'name="next" value="/genomes/download?country=AU"' in terms.text
    accepted = client.post(
        "/genomes/terms",
        data={"csrf_token": csrf_from(terms.text), "next": "/genomes/download?country=AU"},
        follow_redirects=False,
    )
    assert accepted.headers["location"] == "/genomes/download?country=AU"
    third = client.get("/genomes/download", params={"country": "AU"}, follow_redirects=False)
    assert third.headers["location"] == "/api/v1/genomes/download?country=AU"
    archive = client.get(third.headers["location"])
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    # only pages of this module are returned to after accepting: no open redirect
    elsewhere = client.post(
        "/genomes/terms",
        data={"csrf_token": csrf_from(terms.text), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/genomes/terms"


def test_landing_answers_422_with_the_message_for_an_unknown_country(client: TestClient) -> None:
    refused = client.get("/genomes", params={"country": "Atlantis"})
    assert refused.status_code == 422
    assert 'class="error" role="alert"' in refused.text
    assert "Atlantis" in refused.text
    assert 'data-testid="genome-count"' in refused.text  # the page itself, with its counts and form
    assert 'name="country" value="Atlantis"' in refused.text
    assert "over time in Atlantis" not in refused.text  # the chart is of all countries
