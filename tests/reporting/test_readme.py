"""The README tells a newcomer how to replace the synthetic demo with the real WHO file."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_how_to_import_the_real_who_file() -> None:
    text = README.read_text(encoding="utf-8")
    commands = "\n".join(re.findall(r"```\n(.*?)```", text, re.S))
    assert "solidarity reporting import WHO-COVID-19-global-data.csv" in commands
    assert '--source "WHO COVID-19 global data"' in commands  # the source name the WHO import records
    assert "solidarity genomes dataset add" in commands
    assert "--allow-incomplete-attribution" in commands
