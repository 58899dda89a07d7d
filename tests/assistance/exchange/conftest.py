"""Shared paths and helpers for the exchange tests: the official IATI 2.03 schema and example."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

IATI_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "iati-2.03"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def iati_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(IATI_DIR / "iati-activities-schema.xsd")))


@pytest.fixture
def annotated_example() -> Path:
    return IATI_DIR / "activity-standard-example-annotated.xml"
