"""Table 1 generated from the demo records matches the mission's table, row by row, with sources."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.assistance import demo as assistance_demo
from solidarity.assistance import reports
from solidarity.assistance.ledger import Filters, make_filters
from solidarity.assistance.models import Claim, FlowVersion
from solidarity.db import transaction

from .conftest import SYSTEM


def test_demo_table1_has_the_three_rows_of_the_mission_table(db: sessionmaker[Session], demo: dict[str, int]) -> None:
    with transaction(db) as session:
        table = reports.table1(session, Filters())
    rows = {row.category: row for row in table.rows}
    assert list(rows) == ["Material supplying", "Cash support", "Capacity building"]

    material = rows["Material supplying"].entries
    texts = " ".join(e.text for e in material)
    assert "purchasing personal protective equipment" in texts
    assert "reserve centres" in texts
    assert "ACT" in texts
    assert "200 countries and regions" in texts
    quantities = {e.item: (e.quantity, e.unit) for e in material if e.item}
    assert quantities == {
        "MASK-ANY": (70_600_000_000, "each"),
        "SUIT-PROT": (340_000_000, "each"),
        "GOGGLES": (115_000_000, "pair"),
        "VENT-ANY": (96_700, "unit"),
        "TEST-KIT-ANY": (225_000_000, "kit"),
        "THERMO-IR": (40_290_000, "unit"),
    }
    assert all(e.usd is None for e in material), "commercial exports carry quantities, not a USD value"

    cash = {e.text: e for e in rows["Cash support"].entries}
    assert cash["Two batches of cash support totalling US$50 million to WHO"].usd == Decimal("50000000.00")
    assert any("Solidarity Response Fund" in t for t in cash)
    pledge = next(e for e in cash.values() if e.stage == "pledge")
    assert pledge.usd == Decimal("2000000000.00")
    assert rows["Cash support"].paid_usd == Decimal("50000000.00"), "the pledge is not added to paid amounts"
    assert rows["Cash support"].pledged_usd == Decimal("2000000000.00")

    capacity = {(e.quantity, e.unit) for e in rows["Capacity building"].entries}
    assert capacity == {(29, "teams"), (400, "sessions")}
    assert any("27 countries" in e.text for e in rows["Capacity building"].entries)
    assert any("56 countries" in e.text for e in rows["Capacity building"].entries)

    for row in table.rows:
        for entry in row.entries:
            citations = " ".join(s["citation"] for s in entry.sources)
            assert "Table 1" in citations, entry.text
            assert "Fighting COVID-19: China in Action" in citations or "73rd World Health Assembly" in citations


def test_table1_leaves_out_the_public_private_joint_action_and_flags_the_55_million_claim(
    db: sessionmaker[Session], demo: dict[str, int]
) -> None:
    with transaction(db) as session:
        table = reports.table1(session, Filters())
        private = {r.key: r for r in reports.by_channel(session, Filters())}["public-private"]
    assert all("Silk Road" not in e.text for row in table.rows for e in row.entries)
    assert private.paid_usd == Decimal("25000000.00")
    (flag,) = table.discrepancies
    assert flag.is_discrepant
    assert flag.ledger_usd == Decimal("50000000.00")
    assert flag.claims[0]["amount_usd"] == "55000000.00"


def test_table1_json_has_exactly_the_issue_shape(db: sessionmaker[Session], demo: dict[str, int]) -> None:
    with transaction(db) as session:
        data = reports.table1(
            session, make_filters(session, provider="Government of the People's Republic of China")
        ).as_dict()
    assert set(data) == {"rows"}
    for row in data["rows"]:
        assert set(row) == {"category", "entries"}
        for entry in row["entries"]:
            assert set(entry) == {"text", "item", "quantity", "unit", "usd", "sources"}


def test_loading_the_demo_twice_adds_nothing(db: sessionmaker[Session], demo: dict[str, int]) -> None:
    with transaction(db) as session:
        before = (
            session.scalar(select(func.count()).select_from(FlowVersion)),
            session.scalar(select(func.count()).select_from(Claim)),
        )
        assert assistance_demo.load(session, SYSTEM).created == 0
        after = (
            session.scalar(select(func.count()).select_from(FlowVersion)),
            session.scalar(select(func.count()).select_from(Claim)),
        )
    assert before == after
