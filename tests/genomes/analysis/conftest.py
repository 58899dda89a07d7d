from pathlib import Path

import pytest

from solidarity.genomes.analysis.aligner import Aligner
from solidarity.genomes.analysis.dataset import PathogenDataset, load_dataset

SARS_COV_2 = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sars-cov-2"


@pytest.fixture(scope="session")
def sars_cov_2_dir() -> Path:
    if not SARS_COV_2.is_dir():
        pytest.skip(f"{SARS_COV_2} is not available")
    return SARS_COV_2


@pytest.fixture(scope="session")
def dataset(sars_cov_2_dir: Path) -> PathogenDataset:
    return load_dataset(sars_cov_2_dir)


@pytest.fixture(scope="session")
def aligner(dataset: PathogenDataset) -> Aligner:
    return Aligner(dataset)
