import shutil
from pathlib import Path

import pytest

from solidarity.errors import Invalid
from solidarity.genomes.analysis.dataset import CladeSite, PathogenDataset, load_dataset


def test_dataset_reads_the_nextstrain_sars_cov_2_files(dataset: PathogenDataset) -> None:
    assert dataset.name == "sars-cov-2"
    assert dataset.reference_name == "MN908947"
    assert len(dataset.reference) == 29903
    assert len(dataset.genes) == 12
    assert (dataset.gene("ORF1a").start, dataset.gene("ORF1a").end) == (266, 13468)
    assert (dataset.gene("ORF1b").start, dataset.gene("ORF1b").end) == (13468, 21555)
    assert dataset.gene("S").codon_of(23403) == 614
    assert dataset.gene("ORF1b").codon_of(14408) == 314


def test_clade_20a_inherits_19a_and_overrides_site_14408(dataset: PathogenDataset) -> None:
    by_name = {definition.clade: definition for definition in dataset.clades}
    clade_20a = by_name["20A"]
    assert clade_20a.parent == "19A"
    expected = {CladeSite("nuc", 8782, "C"), CladeSite("nuc", 14408, "T"), CladeSite("nuc", 23403, "G")}
    assert set(clade_20a.sites) == expected
    assert by_name["20B"].depth == 2


def test_qc_ignore_lists_are_read_as_one_based_codons(dataset: PathogenDataset) -> None:
    # qc.json holds them 0-based; Nextclade's changelog lists them as ORF7a:62 and ORF3a:257-276
    stops = {(stop.gene, stop.codon) for stop in dataset.qc.stop_codons.ignored}
    shifts = {(shift.gene, shift.codon_start, shift.codon_end) for shift in dataset.qc.frame_shifts.ignored}
    assert ("ORF7a", 62) in stops
    assert ("ORF3a", 257, 276) in shifts
    assert dataset.qc.missing_data.missing_data_threshold == 2700
    assert dataset.qc.missing_data.score_bias == 300


def test_version_is_a_content_hash_unless_given(sars_cov_2_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sars_cov_2_dir, copy)
    for path in copy.iterdir():
        path.chmod(0o644)
    first = load_dataset(copy)
    assert load_dataset(copy).version == first.version
    assert load_dataset(copy, name="sc2", version="2024-01").version == "2024-01"
    (copy / "clades.tsv").write_text((copy / "clades.tsv").read_text() + "99Z\tnuc\t100\tT\n")
    changed = load_dataset(copy)
    assert changed.version != first.version
    assert changed.clades_version != first.clades_version


@pytest.fixture
def copy_dir(sars_cov_2_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "dataset"
    copy.mkdir()
    for name in ("reference.fasta", "annotation.gff", "clades.tsv", "qc.json"):
        (copy / name).write_bytes((sars_cov_2_dir / name).read_bytes())
    return copy


def _error(directory: Path) -> Invalid:
    with pytest.raises(Invalid) as caught:
        load_dataset(directory)
    return caught.value


def test_a_missing_file_is_named(copy_dir: Path) -> None:
    (copy_dir / "qc.json").unlink()
    assert _error(copy_dir).details[0]["file"] == "qc.json"


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    assert "not a dataset directory" in _error(tmp_path / "nowhere").message


def test_a_bad_gff_line_is_named_with_its_line(copy_dir: Path) -> None:
    path = copy_dir / "annotation.gff"
    path.write_text(path.read_text() + ".\t.\tgene\t29000\t40000\t.\t+\t.\tgene_name=X\n")
    error = _error(copy_dir)
    assert error.details[0]["file"] == "annotation.gff"
    assert error.details[0]["line"] == 17
    assert "not within the reference" in error.message


def test_a_bad_clade_site_and_an_unknown_parent_are_named_with_their_line(copy_dir: Path) -> None:
    path = copy_dir / "clades.tsv"
    original = path.read_text()
    path.write_text(original + "99Z\tnuc\tabc\tT\n")
    error = _error(copy_dir)
    assert (error.details[0]["file"], error.details[0]["field"]) == ("clades.tsv", "site")
    assert error.details[0]["line"] == len(original.splitlines()) + 1
    path.write_text(original + "99Z\tclade\t98Q\n")
    assert "parent clade '98Q'" in _error(copy_dir).message


def test_a_reference_with_two_records_or_bad_json_is_refused(copy_dir: Path) -> None:
    (copy_dir / "qc.json").write_text('{\n  "missingData": {\n    "enabled": tru\n}')
    error = _error(copy_dir)
    assert (error.details[0]["file"], error.details[0]["line"]) == ("qc.json", 3)
    (copy_dir / "reference.fasta").write_text(">a\nACGT\n>b\nACGT\n")
    error = _error(copy_dir)
    assert (error.details[0]["file"], error.details[0]["line"]) == ("reference.fasta", 3)
