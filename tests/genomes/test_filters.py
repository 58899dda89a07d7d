"""Mistyped search filters are refused with the field and value, never answered as "no genomes"."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.genomes import queries
from tests.genomes.conftest import DATASET_DIR, Batch, Submitter

Cli = Callable[..., tuple[int, str, str]]

BAD_FILTERS = [
    ({"qc_status": "weird"}, "qc_status"),
    ({"date_from": "2020-05-01", "date_to": "2020-01-01"}, "date_to"),
    ({"dataset": "no-such-pathogen"}, "dataset"),
]


@pytest.mark.parametrize(("params", "field"), BAD_FILTERS)
def test_the_api_refuses_a_filter_that_can_never_match(
    client: TestClient, dataset: str, params: dict[str, str], field: str
) -> None:
    paths = ["/api/v1/genomes"]
    if field == "dataset":  # the aggregates take only the dataset filter
        paths += ["/api/v1/genomes/statistics", "/api/v1/genomes/clade-frequencies"]
    for path in paths:
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["details"][0]["field"] == field
    page = client.get("/genomes/search", params=params)
    assert page.status_code == 422
    assert "error" in page.text


def test_good_filters_still_match(
    db: sessionmaker[Session],
    submit: Submitter,
    dataset: str,
    write_batch: Callable[..., Batch],
    small_records: list[tuple[str, str]],
) -> None:
    submit(write_batch(small_records))
    with transaction(db) as session:
        rows, count = queries.search(session, queries.GenomeFilter(dataset=dataset, qc_status="good"))
        assert count == len(rows) > 0
        with pytest.raises(Invalid, match="mediocre"):
            queries.search(session, queries.GenomeFilter(qc_status="Good!"))


def test_the_cli_download_exits_2_on_a_bad_filter_and_writes_nothing(
    cli: Cli, write_batch: Callable[..., Batch], small_records: list[tuple[str, str]], tmp_path: Path
) -> None:
    assert cli("genomes", "dataset", "add", str(DATASET_DIR), "--json")[0] == 0
    batch = write_batch(small_records)
    args = ("genomes", "submit", str(batch.fasta), "--metadata", str(batch.metadata), "--allow-incomplete-attribution")
    assert cli(*args, "--workers", "1", "--json")[0] == 0
    target = tmp_path / "out.fasta"
    for extra in (["--qc", "weird"], ["--from", "2020-05-01", "--to", "2020-01-01"], ["--dataset", "nope"]):
        code, out, err = cli("genomes", "download", *extra, "-o", str(target), "--json")
        assert code == 2, (extra, out, err)
        assert "Error:" in err
        assert not target.exists()
        code, out, err = cli("genomes", "search", *extra, "--json")
        assert code == 2, (extra, out, err)
    code, out, err = cli("genomes", "download", "--qc", "good", "-o", str(target), "--json")
    assert code == 0, err
    assert json.loads(out)["count"] > 0


def test_the_search_page_links_its_filters_to_the_csv_url_encoded(client: TestClient, dataset: str) -> None:
    page = client.get("/genomes/search", params={"lab": "Lab A & B #2", "mutations": "S:D614G C14408T"})
    assert page.status_code == 200
    query = "lab=Lab+A+%26+B+%232&amp;mutation=S%3AD614G&amp;mutation=C14408T"
    assert f"/api/v1/genomes?format=csv&amp;{query}" in page.text


def test_statistics_and_the_clade_chart_name_genomes_without_a_clade_alike(
    db: sessionmaker[Session], submit: Submitter, write_batch: Callable[..., Batch]
) -> None:
    from tests.genomes.conftest import example_records

    # two genomes of the example set that the clade definitions place in no clade
    records = [r for r in example_records() if r[0] in {"Australia/VIC969/2020", "Australia/VIC970/2020"}]
    assert len(records) == 2
    assert len(submit(write_batch(records)).accepted) == 2
    with transaction(db) as session:
        stats = queries.statistics(session)
        chart = queries.clade_frequencies(session)
    assert stats["clades"] == {"unassigned": 2}
    assert [series["label"] for series in chart["series"]] == ["unassigned"]
