"""`solidarity allocation health-capacity`: a WHO GHO export in, the need index's proxy stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

EXPORT = Path(__file__).parents[1] / "allocation" / "data" / "gho_medical_doctors.csv"


def test_the_cli_imports_an_export_and_exits_2_on_a_bad_one(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("allocation", "health-capacity", str(EXPORT), "--indicator", "HWF_0001", "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["indicator_code"], summary["countries"]) == ("HWF_0001", 12)
    assert summary["skipped"] == {"other indicator": 3}
    code, _, err = cli("allocation", "health-capacity", str(EXPORT))
    assert code == 2
    assert "choose one" in err
