"""`solidarity genomes`: the JSON shapes scripts read, files written by download, and errors exiting 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.genomes.conftest import DATASET_DIR, Batch

Cli = Callable[..., tuple[int, str, str]]


def test_dataset_add_submit_show_neighbours_search_and_download_print_the_documented_json(
    cli: Cli, write_batch: Callable[..., Batch], small_records: list[tuple[str, str]], tmp_path: Path
) -> None:
    code, out, err = cli("genomes", "dataset", "add", str(DATASET_DIR), "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["name"] == "sars-cov-2"
    assert added["created"] is True
    assert added["reference_length"] == 29903
    assert json.loads(cli("genomes", "dataset", "add", str(DATASET_DIR), "--json")[1])["created"] is False

    batch = write_batch([*small_records, ("Bad/IUPAC/2020", "ACGTJ" * 40)], gz=True)
    args = ("genomes", "submit", str(batch.fasta), "--metadata", str(batch.metadata))
    code, out, err = cli(*args, "--json")
    assert code == 2
    assert "Error:" in err
    assert "--allow-incomplete-attribution" in err
    code, out, err = cli(*args, "--allow-incomplete-attribution", "--on-error", "skip", "--workers", "1", "--json")
    assert code == 0, err
    submitted = json.loads(out)
    assert {"set_id", "accepted", "rejected", "duplicates"} <= set(submitted)
    assert set(submitted["accepted"][0]) == {"name", "accession"}
    assert [item["name"] for item in submitted["rejected"]] == ["Bad/IUPAC/2020"]
    assert {"name", "reason"} <= set(submitted["rejected"][0])
    accession = submitted["accepted"][1]["accession"]

    code, out, err = cli("genomes", "show", accession, "--json")
    assert code == 0, err
    shown = json.loads(out)
    for key in (
        "substitutions",
        "deletions",
        "insertions",
        "missing",
        "aa_substitutions",
        "frame_shifts",
        "stop_codons",
        "clade",
        "qc",
    ):
        assert key in shown, key
    assert {"overall_score", "status"} <= set(shown["qc"])
    assert all(
        "score" in shown["qc"][rule]
        for rule in ("missing_data", "mixed_sites", "private_mutations", "snp_clusters", "frame_shifts", "stop_codons")
    )

    code, out, err = cli("genomes", "neighbours", accession, "--k", "3", "--json")
    assert code == 0, err
    near = json.loads(out)
    assert len(near["neighbours"]) == 3
    assert set(near["neighbours"][0]) >= {"accession", "virus_name", "distance"}

    code, out, _ = cli("genomes", "search", "--country", "AU", "--mutation", "C8782T", "--json")
    assert json.loads(out)["count"] >= 1

    output = tmp_path / "out.fasta"
    code, out, err = cli("genomes", "download", "--country", "AU", "-o", str(output), "--json")
    assert code == 0, err
    written = json.loads(out)
    assert written["count"] == 4
    assert written["set_ids"] == [submitted["set_id"]]
    assert output.read_text().count(">") == 4
    acknowledgements = Path(written["acknowledgements"]).read_text().splitlines()
    assert acknowledgements[0].startswith("accession\tvirus_name\toriginating_lab")
    assert len(acknowledgements) == 5

    code, _, err = cli("genomes", "show", "SOL-G-999999")
    assert code == 2
    assert "No genome" in err
