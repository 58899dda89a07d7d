"""Quality control by Nextclade's rules and formulas, with the dataset's thresholds and ignore-lists.

Each enabled rule gives a score s (0 good, 100 bad); the overall score is Σ s²/100, so one bad
rule makes the genome bad while several mild ones do not. Status: good below 30, mediocre below
100, bad from 100 (the same thresholds for each rule and the overall score).

- missing data: ``max(0, (missing - scoreBias) * 100 / missingDataThreshold)``, missing counting N
  and the reference ends the genome does not cover;
- mixed sites: ``100 * mixed / mixedSitesThreshold``, mixed being non-ACGTN IUPAC codes;
- private mutations: reversions, labelled and unlabelled substitutions, each with its weight, plus
  one per private deletion range; ``max(0, weighted - typical) * 100 / cutoff``;
- SNP clusters: windows of ``windowSize`` bases with more than ``clusterCutOff`` private
  substitutions, merged as Nextclade merges them; ``clusters * scoreWeight``;
- frame shifts and stop codons: ``75`` (``scoreWeight``) for each one not in the ignore-list.

Private mutations are an approximation. Nextclade takes them relative to the nearest node of a
reference tree; without a tree they are the substitutions that are not defining sites of the
assigned clade and its ancestors. A substitution that defines another clade is "labelled"; a
reference base at a site where the assigned clade defines another base is a "reversion"; every
deletion range counts as private. Genomes of clades far from the root with many mutations not
listed in ``clades.tsv`` therefore score higher here than in Nextclade.

>>> status_of(29.9), status_of(30), status_of(100)
('good', 'mediocre', 'bad')
>>> round(missing_data_score(3000, MissingDataRule(True, 2700, 300)), 6)
100.0
>>> snp_clusters([100, 105, 109, 500, 503, 506, 509], window_size=10, cluster_cut_off=2)
[(100, 109, 3), (500, 509, 4)]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from solidarity.genomes.analysis.aligner import Alignment
from solidarity.genomes.analysis.dataset import MissingDataRule, QcConfig
from solidarity.genomes.analysis.translate import Translation

GOOD, MEDIOCRE, BAD = "good", "mediocre", "bad"
RULES = ("missing_data", "mixed_sites", "private_mutations", "snp_clusters", "frame_shifts", "stop_codons")


@dataclass(frozen=True)
class RuleResult:
    score: float
    status: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "status": self.status, **self.values}


@dataclass(frozen=True)
class QcReport:
    overall_score: float
    status: str
    missing_data: RuleResult | None
    mixed_sites: RuleResult | None
    private_mutations: RuleResult | None
    snp_clusters: RuleResult | None
    frame_shifts: RuleResult | None
    stop_codons: RuleResult | None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"overall_score": self.overall_score, "status": self.status}
        for name in RULES:
            rule: RuleResult | None = getattr(self, name)
            data[name] = rule.as_dict() if rule is not None else None
        return data


def status_of(score: float) -> str:
    if score >= 100:
        return BAD
    if score >= 30:
        return MEDIOCRE
    return GOOD


def _result(score: float, **values: Any) -> RuleResult:
    score = max(0.0, score)
    return RuleResult(score, status_of(score), values)


def missing_data_score(total_missing: int, rule: MissingDataRule) -> float:
    return max(0.0, (total_missing - rule.score_bias) * 100 / rule.missing_data_threshold)


def snp_clusters(positions: Sequence[int], *, window_size: int, cluster_cut_off: int) -> list[tuple[int, int, int]]:
    """Clusters of sorted positions as ``(first, last, count)``, by Nextclade's released algorithm."""
    window: deque[int] = deque()
    clusters: list[list[int]] = []
    previous = -1
    for position in positions:
        window.append(position)
        while window[0] < position - window_size:
            window.popleft()
        if len(window) > cluster_cut_off:
            if clusters and len(window) > 1 and clusters[-1][-1] == previous:
                clusters[-1].append(position)
            else:
                clusters.append(list(window))
        previous = position
    return [(min(cluster), max(cluster), len(cluster)) for cluster in clusters]


def run_qc(
    config: QcConfig,
    alignment: Alignment,
    translation: Translation,
    *,
    frame: bytearray,
    reference: str,
    clade_sites: Iterable[tuple[int, str]],
    labelled_sites: frozenset[tuple[int, str]],
) -> QcReport:
    """Score one analysed genome; ``clade_sites`` are the (position, alt) its clade and ancestors define."""
    missing = mixed = private = clusters = shifts = stops = None
    if config.missing_data.enabled:
        total = alignment.total_missing
        missing = _result(missing_data_score(total, config.missing_data), total_missing=total)
    if config.mixed_sites.enabled:
        count = len(alignment.mixed_sites)
        mixed = _result(100 * count / config.mixed_sites.mixed_sites_threshold, total_mixed_sites=count)

    defining = set(clade_sites)
    private_substitutions = [s for s in alignment.substitutions if (s.position, s.alt) not in defining]
    if config.private_mutations.enabled:
        rule = config.private_mutations
        reversions = sum(1 for position, alt in defining if alt != reference[position - 1] == chr(frame[position - 1]))
        labelled = sum(1 for s in private_substitutions if (s.position, s.alt) in labelled_sites)
        unlabelled = len(private_substitutions) - labelled
        deletion_ranges = len(alignment.deletions)
        weighted = (
            rule.weight_reversion_substitutions * reversions
            + rule.weight_labeled_substitutions * labelled
            + rule.weight_unlabeled_substitutions * unlabelled
            + deletion_ranges
        )
        private = _result(
            max(0.0, weighted - rule.typical) * 100 / rule.cutoff,
            reversion_substitutions=reversions,
            labeled_substitutions=labelled,
            unlabeled_substitutions=unlabelled,
            deletion_ranges=deletion_ranges,
            weighted_total=weighted,
        )
    if config.snp_clusters.enabled:
        rule_c = config.snp_clusters
        found = snp_clusters(
            [s.position for s in private_substitutions],
            window_size=rule_c.window_size,
            cluster_cut_off=rule_c.cluster_cut_off,
        )
        clusters = _result(
            len(found) * rule_c.score_weight,
            total_clusters=len(found),
            clusters=[f"{first}-{last}" for first, last, _ in found],
        )
    if config.frame_shifts.enabled:
        ignored_shifts = {(i.gene, i.codon_start, i.codon_end) for i in config.frame_shifts.ignored}
        counted = [
            str(f) for f in translation.frame_shifts if (f.gene, f.codon_start, f.codon_end) not in ignored_shifts
        ]
        shifts = _result(
            len(counted) * config.frame_shifts.score_weight,
            frame_shifts=counted,
            ignored=len(translation.frame_shifts) - len(counted),
        )
    if config.stop_codons.enabled:
        ignored_stops = {(i.gene, i.codon) for i in config.stop_codons.ignored}
        counted = [str(s) for s in translation.stop_codons if (s.gene, s.codon) not in ignored_stops]
        stops = _result(
            len(counted) * config.stop_codons.score_weight,
            stop_codons=counted,
            ignored=len(translation.stop_codons) - len(counted),
        )
    rules = [missing, mixed, private, clusters, shifts, stops]
    overall = sum(rule.score**2 / 100 for rule in rules if rule is not None)
    return QcReport(overall, status_of(overall), missing, mixed, private, clusters, shifts, stops)
