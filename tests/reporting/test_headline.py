"""The dashboard's "cases in total" adds each area's latest figure: one ministry publishing a day
ahead of the others must not make the world's total collapse to that one country."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.db import transaction
from solidarity.reporting import queries
from tests.conftest import Person


def _headline(html: str) -> dict[str, str]:
    block = re.search(r'data-testid="headline">(.*?)</section>', html, re.S)
    assert block is not None
    pairs = re.findall(r'class="value">([^<]*)</span>\s*<span class="label">([^<]*)</span>', block.group(1))
    return {label.strip(): value.strip() for value, label in pairs}


def test_a_day_reported_by_one_ministry_ahead_of_the_others_keeps_the_world_total(
    client: TestClient,
    db: sessionmaker[Session],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    headers = token_for(make_person(Role.COORDINATOR, modules=["reporting"]))
    records = [
        {"area": area, "date": date, "measure": "cases", "new": new, "cumulative": cumulative}
        for area, date, new, cumulative in (
            ("NA", "2020-03-01", 10, 10),
            ("FR", "2020-03-01", 100, 100),
            ("NA", "2020-03-02", 5, 15),
            ("FR", "2020-03-02", 50, 150),
        )
    ]
    assert client.post("/api/v1/reporting/submissions", json=records, headers=headers).status_code == 201
    assert _headline(client.get("/reporting").text)["cases in total, to 2020-03-02"] == "165"
    ahead = {"area": "NA", "date": "2020-03-03", "measure": "cases", "new": 2, "cumulative": 17}
    assert client.post("/api/v1/reporting/submissions", json=ahead, headers=headers).status_code == 201
    with transaction(db) as session:  # the day's total holds only Namibia ...
        assert queries.get_series(session, "global").cumulative.pairs()[-1] == (dt.date(2020, 3, 3), 17)
    # ... the headline adds France's latest figure too
    headline = _headline(client.get("/reporting").text)
    assert headline["cases in total, latest reports, to 2020-03-03"] == "167"
    with transaction(db) as session:
        summed = queries.last_reported_total(session, "global")
        assert summed is not None
        assert (summed.total, summed.areas, str(summed.oldest), str(summed.newest)) == (
            167,
            2,
            "2020-03-02",
            "2020-03-03",
        )
        assert queries.last_reported_total(session, "NA") is None
        europe = queries.last_reported_total(session, "EURO")
        assert europe is not None
        assert europe.total == 150
