from __future__ import annotations

import datetime as dt
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.db import transaction
from solidarity.knowledge import measures
from solidarity.knowledge.models import MeasureType
from solidarity.knowledge.schemas import MeasureCreate
from tests.reporting.conftest import Importer, import_text, who_rows  # noqa: F401 - import_text is a fixture


def test_area_page_lists_the_country_measures_and_marks_them_on_the_curve(
    client: TestClient,
    db: sessionmaker[Session],
    import_text: Importer,  # noqa: F811
) -> None:
    rows = [
        f"{dt.date(2020, 3, 1) + dt.timedelta(days=d)},IT,Italy,EURO,{10 + d},{sum(range(10, 11 + d))},0,0"
        for d in range(20)
    ]
    import_text(who_rows(*rows), "who.csv")
    with transaction(db) as session:
        data = MeasureCreate(
            country="IT",
            measure_type=MeasureType.NATIONAL_LOCKDOWN,
            start_date=dt.date(2020, 3, 9),
            source="DPCM 9 March 2020",
        )
        measures.record_measure(session, Actor.system("test"), data)
    html = client.get("/reporting/areas/IT").text
    assert 'data-testid="area-measures"' in html
    assert "DPCM 9 March 2020" in html
    block = re.search(r'<script type="application/json" id="chart-cases-data">(.*?)</script>', html, re.S)
    assert block is not None
    assert json.loads(block.group(1))["markers"] == [{"date": "2020-03-09", "label": "National lockdown"}]
