"""A pathogen dataset: the reference genome, its genes, clade definitions and QC configuration.

A dataset is a directory with four files, in the shapes Nextstrain and Nextclade publish:

- ``reference.fasta``: one record, the reference genome (SARS-CoV-2: Wuhan-Hu-1, MN908947);
- ``annotation.gff``: genes (or CDS) with 1-based inclusive start and end and a strand. Each gene is
  translated as its own coding sequence, as Nextclade does with Nextstrain's annotation (ORF1a and
  ORF1b are two genes there; the -1 ribosomal frameshift joining them into ORF1ab is not modelled);
- ``clades.tsv``: ``clade gene site alt`` rows, where gene ``nuc`` means a nucleotide site and any
  other gene an amino-acid site, plus ``clade clade PARENT`` rows: the clade inherits its parent's
  sites, and its own rows override the parent's at the same site (as ``augur clades`` reads them);
- ``qc.json``: Nextclade's QC configuration (``missingData``, ``mixedSites``, ``privateMutations``,
  ``snpClusters``, ``frameShifts``, ``stopCodons``). A rule that is absent is disabled.

The ``version`` is a content hash of the four files unless the caller names one, so the same files
always give the same version and any change gives a new one.

>>> gene = Gene(name="S", start=21563, end=25384, strand="+")
>>> gene.length, gene.codon_count, gene.codon_of(23403)
(3822, 1274, 614)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from solidarity.errors import Invalid

REFERENCE_FILE = "reference.fasta"
ANNOTATION_FILE = "annotation.gff"
CLADES_FILE = "clades.tsv"
QC_FILE = "qc.json"
DATASET_FILES = (REFERENCE_FILE, ANNOTATION_FILE, CLADES_FILE, QC_FILE)

NUCLEOTIDE = "nuc"
IUPAC_NUCLEOTIDES = frozenset("ACGTRYSWKMBDHVN")
AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY*X-")
DEFAULT_RULE_SCORE_WEIGHT = 75.0  # Nextclade's default for frame shifts and stop codons


@dataclass(frozen=True)
class Gene:
    """One coding sequence, 1-based inclusive coordinates on the reference."""

    name: str
    start: int
    end: int
    strand: str = "+"

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def codon_count(self) -> int:
        return self.length // 3

    def codon_of(self, position: int) -> int:
        """The 1-based codon holding a 1-based reference position (forward strand)."""
        if self.strand == "-":
            return (self.end - position) // 3 + 1
        return (position - self.start) // 3 + 1


@dataclass(frozen=True)
class CladeSite:
    gene: str
    site: int
    alt: str


@dataclass(frozen=True)
class CladeDefinition:
    """A clade with its own rows and its parent; ``sites`` already include what it inherits."""

    clade: str
    parent: str | None
    depth: int
    sites: tuple[CladeSite, ...]
    own_sites: tuple[CladeSite, ...]


@dataclass(frozen=True)
class MissingDataRule:
    enabled: bool = False
    missing_data_threshold: float = 2700.0
    score_bias: float = 300.0


@dataclass(frozen=True)
class MixedSitesRule:
    enabled: bool = False
    mixed_sites_threshold: float = 10.0


@dataclass(frozen=True)
class PrivateMutationsRule:
    enabled: bool = False
    typical: float = 8.0
    cutoff: float = 24.0
    weight_labeled_substitutions: float = 1.0
    weight_reversion_substitutions: float = 1.0
    weight_unlabeled_substitutions: float = 1.0


@dataclass(frozen=True)
class SnpClustersRule:
    enabled: bool = False
    window_size: int = 100
    cluster_cut_off: int = 6
    score_weight: float = 50.0


@dataclass(frozen=True)
class IgnoredFrameShift:
    """A known frame shift: 1-based inclusive codon range (qc.json holds it 0-based, end exclusive)."""

    gene: str
    codon_start: int
    codon_end: int


@dataclass(frozen=True)
class FrameShiftsRule:
    enabled: bool = False
    ignored: tuple[IgnoredFrameShift, ...] = ()
    score_weight: float = DEFAULT_RULE_SCORE_WEIGHT


@dataclass(frozen=True)
class IgnoredStopCodon:
    """A known premature stop: 1-based codon (qc.json holds it 0-based)."""

    gene: str
    codon: int


@dataclass(frozen=True)
class StopCodonsRule:
    enabled: bool = False
    ignored: tuple[IgnoredStopCodon, ...] = ()
    score_weight: float = DEFAULT_RULE_SCORE_WEIGHT


@dataclass(frozen=True)
class QcConfig:
    missing_data: MissingDataRule = MissingDataRule()
    mixed_sites: MixedSitesRule = MixedSitesRule()
    private_mutations: PrivateMutationsRule = PrivateMutationsRule()
    snp_clusters: SnpClustersRule = SnpClustersRule()
    frame_shifts: FrameShiftsRule = FrameShiftsRule()
    stop_codons: StopCodonsRule = StopCodonsRule()


@dataclass(frozen=True)
class PathogenDataset:
    name: str
    version: str
    clades_version: str
    reference_name: str
    reference: str = field(repr=False)
    genes: tuple[Gene, ...]
    clades: tuple[CladeDefinition, ...]
    qc: QcConfig

    def gene(self, name: str) -> Gene:
        for gene in self.genes:
            if gene.name == name:
                return gene
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """Everything but the reference sequence itself, JSON-serialisable."""
        data = asdict(self)
        del data["reference"]
        data["reference_length"] = len(self.reference)
        return data


def load_dataset(directory: Path, *, name: str | None = None, version: str | None = None) -> PathogenDataset:
    """Read and check a dataset directory.

    Raises ``Invalid`` naming the file (and the line, where there is one) when the directory or a
    file is missing, unreadable or malformed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise Invalid(
            f"{directory}: not a dataset directory",
            details=[_problem(str(directory), None, "directory", "not a directory")],
        )
    contents: dict[str, bytes] = {}
    for file_name in DATASET_FILES:
        path = directory / file_name
        try:
            contents[file_name] = path.read_bytes()
        except OSError as error:
            raise Invalid(
                f"{path}: cannot read the dataset file ({error.strerror or error})",
                details=[_problem(file_name, None, "file", "missing or unreadable")],
            ) from None
    texts = {file_name: _decode(file_name, data) for file_name, data in contents.items()}
    reference_name, reference = _parse_reference(texts[REFERENCE_FILE])
    genes = _parse_annotation(texts[ANNOTATION_FILE], len(reference))
    clades = _parse_clades(texts[CLADES_FILE], {gene.name for gene in genes}, len(reference))
    qc = _parse_qc(texts[QC_FILE], {gene.name for gene in genes})
    return PathogenDataset(
        name=name or directory.resolve().name,
        version=version or _content_hash(contents),
        clades_version=_content_hash({CLADES_FILE: contents[CLADES_FILE]}),
        reference_name=reference_name,
        reference=reference,
        genes=genes,
        clades=clades,
        qc=qc,
    )


def _content_hash(contents: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for file_name in sorted(contents):
        digest.update(file_name.encode() + b"\0" + hashlib.sha256(contents[file_name]).digest())
    return digest.hexdigest()[:16]


def _problem(file: str, line: int | None, field_name: str | None, reason: str, value: object = None) -> dict[str, Any]:
    return {"file": file, "line": line, "field": field_name, "value": value, "reason": reason}


def _fail(file: str, line: int | None, field_name: str | None, reason: str, value: object = None) -> Invalid:
    where = f"{file}, line {line}" if line is not None else file
    return Invalid(f"{where}: {reason}", details=[_problem(file, line, field_name, reason, value)])


def _decode(file_name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _fail(file_name, line, None, "not UTF-8 text") from None


def _parse_reference(text: str) -> tuple[str, str]:
    name: str | None = None
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            if name is not None:
                raise _fail(REFERENCE_FILE, number, "header", "the reference must hold exactly one record", line)
            name = line[1:].split()[0] if line[1:].strip() else ""
            if not name:
                raise _fail(REFERENCE_FILE, number, "header", "record without a name")
            continue
        if name is None:
            raise _fail(REFERENCE_FILE, number, None, "not FASTA: sequence before the first '>' header")
        upper = line.upper().replace("U", "T")
        bad = set(upper) - IUPAC_NUCLEOTIDES
        if bad:
            character = min(bad, key=upper.index)
            column = upper.index(character) + 1
            raise _fail(REFERENCE_FILE, number, "sequence", f"non-IUPAC character {character!r} at column {column}")
        parts.append(upper)
    if name is None:
        raise _fail(REFERENCE_FILE, None, None, "no FASTA record")
    reference = "".join(parts)
    if not reference:
        raise _fail(REFERENCE_FILE, None, "sequence", f"record {name!r} has an empty sequence")
    return name, reference


def _gff_attributes(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for item in text.strip().split(";"):
        key, sep, value = item.strip().partition("=")
        if sep:
            attributes[key.strip()] = value.strip()
    return attributes


def _parse_annotation(text: str, reference_length: int) -> tuple[Gene, ...]:
    rows: list[tuple[int, str, Gene]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        columns = raw.split("\t")
        if len(columns) != 9:
            raise _fail(ANNOTATION_FILE, number, None, f"a GFF line has 9 tab-separated columns, not {len(columns)}")
        feature = columns[2].strip()
        if feature not in ("gene", "CDS"):
            continue
        attributes = _gff_attributes(columns[8])
        gene_name = next(
            (attributes[key] for key in ("gene_name", "Name", "gene", "ID") if attributes.get(key)),
            None,
        )
        if gene_name is None:
            raise _fail(ANNOTATION_FILE, number, "attribute", "no gene_name, Name, gene or ID attribute", columns[8])
        try:
            start, end = int(columns[3]), int(columns[4])
        except ValueError:
            raise _fail(ANNOTATION_FILE, number, "start/end", "start and end must be integers") from None
        if not 1 <= start <= end <= reference_length:
            raise _fail(
                ANNOTATION_FILE,
                number,
                "start/end",
                f"gene {gene_name} at {start}-{end} is not within the reference (1-{reference_length})",
            )
        strand = columns[6].strip()
        if strand not in ("+", "-", "."):
            raise _fail(ANNOTATION_FILE, number, "strand", "strand must be +, - or .", strand)
        rows.append((number, feature, Gene(name=gene_name, start=start, end=end, strand="-" if strand == "-" else "+")))
    # A GFF3 may carry both gene and CDS features for one gene: the CDS is what gets translated.
    has_cds = any(feature == "CDS" for _, feature, _ in rows)
    genes: dict[str, Gene] = {}
    for number, feature, gene in rows:
        if has_cds and feature != "CDS":
            continue
        if gene.name in genes:
            raise _fail(
                ANNOTATION_FILE,
                number,
                "attribute",
                f"gene {gene.name} appears twice (a multi-segment CDS); annotate each segment as its own gene, "
                "as Nextstrain's ORF1a/ORF1b annotation does",
            )
        genes[gene.name] = gene
    if not genes:
        raise _fail(ANNOTATION_FILE, None, None, "no gene or CDS feature")
    return tuple(sorted(genes.values(), key=lambda gene: (gene.start, gene.name)))


def _parse_clades(text: str, gene_names: set[str], reference_length: int) -> tuple[CladeDefinition, ...]:
    own: dict[str, dict[tuple[str, int], str]] = {}
    parents: dict[str, tuple[str, int]] = {}
    order: list[str] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        columns = [column.strip() for column in raw.split("\t")]
        if not header_seen:
            header_seen = True
            if [column.lower() for column in columns[:4]] == ["clade", "gene", "site", "alt"]:
                continue
        if len(columns) < 3 or not columns[0]:
            raise _fail(CLADES_FILE, number, None, "expected clade, gene, site, alt")
        clade, gene = columns[0], columns[1]
        if clade not in own:
            own[clade] = {}
            order.append(clade)
        if gene == "clade":
            parents[clade] = (columns[2], number)
            continue
        if len(columns) < 4:
            raise _fail(CLADES_FILE, number, "alt", "expected clade, gene, site, alt")
        try:
            site = int(columns[2])
        except ValueError:
            raise _fail(CLADES_FILE, number, "site", "site must be an integer", columns[2]) from None
        alt = columns[3].upper()
        if gene == NUCLEOTIDE:
            if not 1 <= site <= reference_length:
                raise _fail(CLADES_FILE, number, "site", f"outside the reference (1-{reference_length})", site)
            if len(alt) != 1 or alt not in IUPAC_NUCLEOTIDES | {"-"}:
                raise _fail(CLADES_FILE, number, "alt", "not a nucleotide", columns[3])
        else:
            if gene not in gene_names:
                raise _fail(CLADES_FILE, number, "gene", "not a gene of the annotation", gene)
            if site < 1 or len(alt) != 1 or alt not in AMINO_ACIDS:
                raise _fail(CLADES_FILE, number, "site/alt", "not a codon and amino acid", f"{site} {columns[3]}")
        own[clade][(gene, site)] = alt
    for clade, (parent, number) in parents.items():
        if parent not in own:
            raise _fail(CLADES_FILE, number, "site", f"parent clade {parent!r} of {clade} is not defined", parent)

    resolved: dict[str, tuple[dict[tuple[str, int], str], int]] = {}

    def resolve(clade: str, seen: tuple[str, ...]) -> tuple[dict[tuple[str, int], str], int]:
        if clade in resolved:
            return resolved[clade]
        if clade in seen:
            raise _fail(CLADES_FILE, parents[clade][1], "site", f"clade {clade} is its own ancestor", clade)
        sites: dict[tuple[str, int], str] = {}
        depth = 0
        if clade in parents:
            parent_sites, parent_depth = resolve(parents[clade][0], (*seen, clade))
            sites.update(parent_sites)
            depth = parent_depth + 1
        sites.update(own[clade])
        resolved[clade] = (sites, depth)
        return resolved[clade]

    definitions = []
    for clade in order:
        sites, depth = resolve(clade, ())
        definitions.append(
            CladeDefinition(
                clade=clade,
                parent=parents[clade][0] if clade in parents else None,
                depth=depth,
                sites=tuple(CladeSite(gene, site, alt) for (gene, site), alt in sorted(sites.items())),
                own_sites=tuple(CladeSite(gene, site, alt) for (gene, site), alt in sorted(own[clade].items())),
            )
        )
    return tuple(definitions)


def _section(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(QC_FILE, None, key, "must be an object")
    return value


def _number(section: Mapping[str, Any], path: str, key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _fail(QC_FILE, None, f"{path}.{key}", "must be a non-negative number", value)
    return float(value)


def _positive(section: Mapping[str, Any], path: str, key: str, default: float) -> float:
    value = _number(section, path, key, default)
    if value == 0:
        raise _fail(QC_FILE, None, f"{path}.{key}", "must be greater than zero", value)
    return value


def _enabled(section: Mapping[str, Any], path: str) -> bool:
    value = section.get("enabled", bool(section))
    if not isinstance(value, bool):
        raise _fail(QC_FILE, None, f"{path}.enabled", "must be true or false", value)
    return value


def _gene_name(entry: Any, path: str, gene_names: set[str]) -> str:
    name = entry.get("geneName", entry.get("cdsName")) if isinstance(entry, Mapping) else None
    if not isinstance(name, str) or name not in gene_names:
        raise _fail(QC_FILE, None, path, "geneName must name a gene of the annotation", name)
    return name


def _codon(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(QC_FILE, None, path, "must be a non-negative integer (0-based codon)", value)
    return value


def _parse_qc(text: str, gene_names: set[str]) -> QcConfig:
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(QC_FILE, error.lineno, None, f"not JSON: {error.msg}") from None
    if not isinstance(config, Mapping):
        raise _fail(QC_FILE, None, None, "must be a JSON object")
    missing = _section(config, "missingData")
    mixed = _section(config, "mixedSites")
    private = _section(config, "privateMutations")
    clusters = _section(config, "snpClusters")
    shifts = _section(config, "frameShifts")
    stops = _section(config, "stopCodons")

    ignored_shifts = []
    for index, entry in enumerate(shifts.get("ignoredFrameShifts", [])):
        path = f"frameShifts.ignoredFrameShifts[{index}]"
        gene = _gene_name(entry, path, gene_names)
        codon_range = entry.get("codonRange")
        if not isinstance(codon_range, Mapping):
            raise _fail(QC_FILE, None, f"{path}.codonRange", "must be {begin, end}", codon_range)
        begin = _codon(codon_range.get("begin"), f"{path}.codonRange.begin")
        end = _codon(codon_range.get("end"), f"{path}.codonRange.end")
        ignored_shifts.append(IgnoredFrameShift(gene, begin + 1, end))
    ignored_stops = []
    for index, entry in enumerate(stops.get("ignoredStopCodons", [])):
        path = f"stopCodons.ignoredStopCodons[{index}]"
        gene = _gene_name(entry, path, gene_names)
        ignored_stops.append(IgnoredStopCodon(gene, _codon(entry.get("codon"), f"{path}.codon") + 1))

    return QcConfig(
        missing_data=MissingDataRule(
            enabled=_enabled(missing, "missingData"),
            missing_data_threshold=_positive(missing, "missingData", "missingDataThreshold", 2700),
            score_bias=_number(missing, "missingData", "scoreBias", 300),
        ),
        mixed_sites=MixedSitesRule(
            enabled=_enabled(mixed, "mixedSites"),
            mixed_sites_threshold=_positive(mixed, "mixedSites", "mixedSitesThreshold", 10),
        ),
        private_mutations=PrivateMutationsRule(
            enabled=_enabled(private, "privateMutations"),
            typical=_number(private, "privateMutations", "typical", 8),
            cutoff=_positive(private, "privateMutations", "cutoff", 24),
            weight_labeled_substitutions=_number(private, "privateMutations", "weightLabeledSubstitutions", 1),
            weight_reversion_substitutions=_number(private, "privateMutations", "weightReversionSubstitutions", 1),
            weight_unlabeled_substitutions=_number(private, "privateMutations", "weightUnlabeledSubstitutions", 1),
        ),
        snp_clusters=SnpClustersRule(
            enabled=_enabled(clusters, "snpClusters"),
            window_size=int(_number(clusters, "snpClusters", "windowSize", 100)),
            cluster_cut_off=int(_number(clusters, "snpClusters", "clusterCutOff", 6)),
            score_weight=_number(clusters, "snpClusters", "scoreWeight", 50),
        ),
        frame_shifts=FrameShiftsRule(
            enabled=_enabled(shifts, "frameShifts"),
            ignored=tuple(ignored_shifts),
            score_weight=_number(shifts, "frameShifts", "scoreWeight", DEFAULT_RULE_SCORE_WEIGHT),
        ),
        stop_codons=StopCodonsRule(
            enabled=_enabled(stops, "stopCodons"),
            ignored=tuple(ignored_stops),
            score_weight=_number(stops, "stopCodons", "scoreWeight", DEFAULT_RULE_SCORE_WEIGHT),
        ),
    )
