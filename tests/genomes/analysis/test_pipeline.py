import random
from collections import Counter
from pathlib import Path

import pytest

from solidarity.errors import Invalid
from solidarity.genomes.analysis.aligner import Aligner
from solidarity.genomes.analysis.dataset import PathogenDataset
from solidarity.genomes.analysis.pipeline import AnalysisFailure, GenomeAnalysis, analyse, analyse_many
from solidarity.genomes.analysis.sequences import FastaRecord, RecordError, read_fasta


def mutate(reference: str, **changes: str) -> str:
    """Apply substitutions given as e.g. C241T=... (keyword names are 'p241'), 1-based."""
    bases = list(reference)
    for key, alt in changes.items():
        bases[int(key[1:]) - 1] = alt
    return "".join(bases)


def test_the_reference_aligned_to_itself_has_no_mutations(aligner: Aligner, dataset: PathogenDataset) -> None:
    result = analyse(aligner, "ref", dataset.reference)
    assert result.substitutions == result.deletions == result.insertions == result.missing == ()
    assert result.aa_substitutions == result.frame_shifts == result.stop_codons == ()
    assert (result.alignment_start, result.alignment_end) == (1, 29903)
    assert result.clade == "19A"
    assert result.qc.overall_score == 0
    assert result.qc.status == "good"


def test_the_20a_defining_mutations_give_clade_20a_and_their_amino_acids(
    aligner: Aligner, dataset: PathogenDataset
) -> None:
    reference = dataset.reference
    assert [reference[p - 1] for p in (241, 3037, 14408, 23403)] == ["C", "C", "C", "A"]
    genome = mutate(reference, p241="T", p3037="T", p14408="T", p23403="G")
    result = analyse(aligner, "b1", genome)
    assert result.substitutions == ("C241T", "C3037T", "C14408T", "A23403G")
    assert "ORF1b:P314L" in result.aa_substitutions
    assert "S:D614G" in result.aa_substitutions
    assert "ORF1a:F924F" not in result.aa_substitutions  # C3037T is synonymous
    assert result.clade == "20A"
    assert result.clade_version == dataset.clades_version


def test_early_wuhan_like_genomes_get_19a_or_19b(
    aligner: Aligner, dataset: PathogenDataset, sars_cov_2_dir: Path
) -> None:
    genome_19b = mutate(dataset.reference, p8782="T", p28144="C")
    result = analyse(aligner, "19b", genome_19b)
    assert result.clade == "19B"
    assert "ORF8:L84S" in result.aa_substitutions
    records = {r.name: r for r in read_fasta(sars_cov_2_dir / "example_sequences.fasta.gz")}
    wh01 = records["Wuhan/WH01/2019"]
    assert isinstance(wh01, FastaRecord)
    assert analyse(aligner, wh01.name, wh01.sequence).clade == "19A"


def test_an_in_frame_deletion_gives_amino_acid_deletions(aligner: Aligner, dataset: PathogenDataset) -> None:
    reference = dataset.reference
    genome = reference[:11287] + reference[11296:]
    result = analyse(aligner, "del", genome)
    assert result.deletions == ("11288-11296",)
    assert result.aa_deletions == ("ORF1a:S3675-", "ORF1a:G3676-", "ORF1a:F3677-")
    assert result.frame_shifts == ()


def test_a_deletion_off_the_codon_boundary_joins_codons_as_nextclade_does(
    aligner: Aligner, dataset: PathogenDataset
) -> None:
    reference = dataset.reference
    genome = reference[:21764] + reference[21770:]  # 21765-21770, Alpha's S:H69-/V70-
    result = analyse(aligner, "alpha-del", genome)
    assert result.deletions == ("21765-21770",)
    assert result.aa_deletions == ("S:H69-", "S:V70-")


def test_an_insertion_is_reported_after_its_reference_position(aligner: Aligner, dataset: PathogenDataset) -> None:
    reference = dataset.reference
    genome = reference[:22204] + "GAGCCAGAA" + reference[22204:]
    result = analyse(aligner, "ins", genome)
    assert result.insertions == ("22204:GAGCCAGAA",)
    assert result.substitutions == ()
    assert result.frame_shifts == ()


def test_an_out_of_frame_deletion_is_a_frame_shift_scored_75(aligner: Aligner, dataset: PathogenDataset) -> None:
    reference = dataset.reference
    genome = reference[:23999] + reference[24001:]  # 2 bases of S codon 813
    result = analyse(aligner, "fs", genome)
    assert result.deletions == ("24000-24001",)
    assert result.frame_shifts == ("S:813-1274",)  # to the gene's last codon, as Nextclade reports an unrestored shift
    assert result.qc.frame_shifts is not None
    assert result.qc.frame_shifts.score == 75
    assert result.qc.status == "mediocre"


def test_a_premature_stop_codon_is_reported_and_scored(aligner: Aligner, dataset: PathogenDataset) -> None:
    genome = mutate(dataset.reference, p23402="T", p23404="A")  # GAT -> TAA at S codon 614
    result = analyse(aligner, "stop", genome)
    assert "S:D614*" in result.aa_substitutions
    assert result.stop_codons == ("S:614",)
    assert result.qc.stop_codons is not None
    assert result.qc.stop_codons.score == 75


def test_3000_ns_score_missing_data_by_nextclades_formula(aligner: Aligner, dataset: PathogenDataset) -> None:
    reference = dataset.reference
    genome = reference[:10000] + "N" * 3000 + reference[13000:]
    result = analyse(aligner, "ns", genome)
    assert result.missing == ("10001-13000",)
    assert result.total_missing == 3000
    assert result.qc.missing_data is not None
    assert result.qc.missing_data.score == pytest.approx((3000 - 300) * 100 / 2700)
    assert result.qc.status == "bad"
    assert result.clade == "19A"


def test_unaligned_ends_count_as_missing(aligner: Aligner, dataset: PathogenDataset) -> None:
    result = analyse(aligner, "short", dataset.reference[54:29800])
    assert result.missing == ("1-54", "29801-29903")


def test_mixed_sites_are_not_substitutions(aligner: Aligner, dataset: PathogenDataset) -> None:
    genome = mutate(dataset.reference, p5000="R", p6000="Y")
    result = analyse(aligner, "mixed", genome)
    assert result.substitutions == ()
    assert result.mixed_sites == ("R5000", "Y6000")
    assert result.qc.mixed_sites is not None
    assert result.qc.mixed_sites.score == 20


def test_a_random_sequence_aligns_to_nothing(aligner: Aligner, dataset: PathogenDataset) -> None:
    genome = "".join(random.Random(7).choices("ACGT", k=len(dataset.reference)))
    with pytest.raises(Invalid, match="aligns to nothing"):
        analyse(aligner, "random", genome)


def test_a_non_iupac_character_is_reported_with_its_position(aligner: Aligner, dataset: PathogenDataset) -> None:
    genome = dataset.reference[:99] + "*" + dataset.reference[100:]
    with pytest.raises(Invalid, match="position 100") as caught:
        analyse(aligner, "star", genome)
    assert caught.value.details[0]["value"] == "*"


def test_analyse_many_keeps_order_and_reports_each_bad_record(dataset: PathogenDataset) -> None:
    records = [
        ("ref", dataset.reference),
        RecordError("broken", 3, "record 'broken' is empty"),
        ("random", "".join(random.Random(3).choices("ACGT", k=5000))),
        ("ref2", dataset.reference[100:]),
    ]
    results = list(analyse_many(dataset, records, workers=1))
    assert [type(result) for result in results] == [GenomeAnalysis, AnalysisFailure, AnalysisFailure, GenomeAnalysis]
    assert [result.name for result in results] == ["ref", "broken", "random", "ref2"]
    assert results[1].as_dict()["line"] == 3


def test_all_418_example_genomes_are_analysed_in_a_pool(sars_cov_2_dir: Path) -> None:
    records = list(read_fasta(sars_cov_2_dir / "example_sequences.fasta.gz"))
    results = list(analyse_many(sars_cov_2_dir, records, workers=2))
    assert [result.name for result in results] == [record.name for record in records]
    assert all(isinstance(result, GenomeAnalysis) for result in results)
    clades = Counter(result.clade for result in results if isinstance(result, GenomeAnalysis))
    early = sum(clades[name] for name in ("19A", "19B", "20A", "20B", "20C"))
    assert early >= 0.95 * len(records)
    assert all(clades[name] >= 20 for name in ("19A", "19B", "20A", "20B", "20C"))
    by_name = {result.name: result for result in results if isinstance(result, GenomeAnalysis)}
    vic05 = by_name["Australia/VIC05/2020"]
    assert vic05.clade == "19B"
    assert {"C8782T", "T28144C"} <= set(vic05.substitutions)
    assert vic05.as_dict()["qc"]["status"] in ("good", "mediocre", "bad")


def test_matches_nextclades_own_example_of_an_orf1b_change(aligner: Aligner, dataset: PathogenDataset) -> None:
    # Nextclade's early results fixture (packages/web/src/components/Results/FAKE_DATA.ts, 0-based positions)
    # lists C3810T, G14691A (ORF1b codon 408, D>N) and G29710T for USA/WI-UW-266/2020, clade 19A.
    genome = mutate(dataset.reference, p3811="T", p14692="A", p29711="T")
    result = analyse(aligner, "USA/WI-UW-266/2020", genome)
    assert result.substitutions == ("C3811T", "G14692A", "G29711T")
    assert result.aa_substitutions == ("ORF1b:D409N",)
    assert result.clade == "19A"
