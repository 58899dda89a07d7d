"""Totals maintained on write: always equal to a full recomputation, and the reports read from them agree
with the counting rules applied to the flows, under every filter the reports offer."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from solidarity.assistance import counting, importing, ledger, reports, totals
from solidarity.assistance.ledger import Filters
from solidarity.assistance.models import FlowTotal
from solidarity.assistance.schemas import FlowCreate
from solidarity.db import transaction
from solidarity.db.migrate import MIGRATIONS
from tests.assistance.exchange.test_ledger_import import PAGES

from .conftest import SYSTEM
from .test_importing import _csv

D = Decimal
PROVIDERS = ("CN", "WHO", "IT", "RS")
COUNTRIES = ("IT", "RS", "CN", "FR")


def _random_flow(rng: random.Random, orgs: dict[str, int], ids: list[int], make: Callable[..., FlowCreate]) -> Any:
    """A flow with every dimension the totals keep drawn at random, often a pass-through child."""
    roll = rng.random()
    recipients: list[dict[str, Any]] = []
    if roll < 0.4:
        recipients = [{"country": rng.choice(COUNTRIES)}]
    elif roll < 0.8:
        first, second = rng.sample(COUNTRIES, 2)
        recipients = [{"country": first, "percentage": 60}, {"country": second, "percentage": 40}]
    amount = None if rng.random() < 0.1 else D(rng.randrange(1, 100_000)) / 100
    return make(
        orgs[rng.choice(PROVIDERS)],
        channel=rng.choice(("bilateral", "multilateral", "public-private", "private")),
        modality=rng.choice(("financial", "in-kind", "personnel", "training")),
        stage=rng.choice(("pledge", "commitment", "disbursement", "delivery")),
        boundary="shared" if rng.random() < 0.2 else "single",
        is_internal=rng.random() < 0.15,
        flow_date=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 700)),
        emergency_code=rng.choice((None, "COVID-19", "EBOLA")),
        amount=amount,
        currency=None if amount is None else rng.choice(("USD", "USD", "EUR")),
        recipients=recipients,
        parent_flow_id=rng.choice(ids) if ids and rng.random() < 0.35 else None,
    )


FILTERS: list[Callable[[dict[str, int]], Filters]] = [
    lambda o: Filters(),
    lambda o: Filters(start=dt.date(2021, 1, 1)),
    lambda o: Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31)),
    lambda o: Filters(start=dt.date(2020, 3, 1), end=dt.date(2020, 8, 31)),
    lambda o: Filters(start=dt.date(2020, 3, 14), end=dt.date(2020, 8, 2)),  # not aligned: the scan
    lambda o: Filters(emergency="COVID-19"),
    lambda o: Filters(provider_ids=(o["CN"], o["WHO"])),
    lambda o: Filters(recipient="IT"),
    lambda o: Filters(stage="disbursement"),
    lambda o: Filters(channel="bilateral", modality="financial"),
    lambda o: Filters(emergency="COVID-19", recipient="RS", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31)),
]


def _usd(rows: list[reports.ReportRow]) -> dict[tuple[str, str], tuple[Decimal, int]]:
    return {(r.key, s): (c.usd.quantize(D("0.01")), c.count) for r in rows for s, c in r.stages.items()}


def _pure(records: list[counting.FlowRecord], grouped: dict[Any, dict[str, counting.Total]]) -> dict[Any, Any]:
    return {(str(k), s): (t.usd.quantize(D("0.01")), len(t.flow_ids)) for k, v in grouped.items() for s, t in v.items()}


def _check_reports(session: Session, orgs: dict[str, int]) -> None:
    """Every report the totals answer gives what the counting rules give over the flows themselves."""
    for make_filters in FILTERS:
        filters = make_filters(orgs)
        records = reports.records(session, filters)
        assert _usd(reports.by_provider(session, filters)) == _pure(
            records, counting.grouped(records, lambda r: r.provider)
        ), filters
        assert _usd(reports.by_channel(session, filters)) == _pure(
            records, counting.grouped(records, lambda r: r.channel)
        ), filters
        assert _usd(reports.by_modality(session, filters)) == _pure(
            records, counting.grouped(records, lambda r: r.modality)
        ), filters
        shares = {key: usd for key, (usd, _) in _pure(records, counting.by_recipient(records)).items()}
        assert {k: usd for k, (usd, _) in _usd(reports.by_recipient(session, filters)).items()} == shares, filters


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maintained_totals_equal_a_full_recomputation_after_random_writes_and_revisions(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate], seed: int
) -> None:
    rng = random.Random(seed)
    ids: list[int] = []
    for step in range(60):
        with transaction(db) as session:
            data = _random_flow(rng, orgs, ids, flow)
            if ids and rng.random() < 0.4:
                target = rng.choice(ids)
                if data.parent_flow_id == target:
                    data = data.model_copy(update={"parent_flow_id": None})
                ledger.revise_flow(session, SYSTEM, target, data, f"random revision {step}")
            else:
                ids.append(ledger.record_flow(session, SYSTEM, data).flow_id)
            assert totals.differences(session) == [], f"seed {seed}, step {step}"
    with transaction(db) as session:
        assert session.scalar(select(func.count()).select_from(FlowTotal)), "the totals hold rows"
        _check_reports(session, orgs)


def test_reports_from_the_totals_agree_with_the_scan_under_every_filter(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    rng = random.Random(7)
    ids: list[int] = []
    with transaction(db) as session:
        for _ in range(80):
            ids.append(ledger.record_flow(session, SYSTEM, _random_flow(rng, orgs, ids, flow)).flow_id)
    with transaction(db) as session:
        for make_filters in FILTERS:
            filters = make_filters(orgs)
            for report in (reports.by_provider, reports.by_channel, reports.by_modality, reports.by_category):
                read = _usd(report(session, filters))
                # the same report with the totals unavailable: the SQL scan over the flows
                scan = _usd(_scanning(report, session, filters))
                assert read == scan, (report.__name__, filters)
            read_shares = _usd(reports.by_recipient(session, filters))
            scan_shares = _usd(_scanning(reports.by_recipient, session, filters))
            assert set(read_shares) == set(scan_shares), filters
            for key, (usd, count) in read_shares.items():
                # the scan multiplies floats on SQLite, a half cent may round either way; the totals are exact
                assert abs(usd - scan_shares[key][0]) <= D("0.01"), (key, filters)
                assert count == scan_shares[key][1], (key, filters)


def _scanning(report: Callable[[Session, Filters], list[reports.ReportRow]], session: Session, filters: Filters) -> Any:
    original = totals.read
    try:
        totals.read = lambda *args, **kwargs: None  # type: ignore[assignment]
        return report(session, filters)
    finally:
        totals.read = original


def test_a_parent_becoming_internal_lets_its_children_count_again(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    with transaction(db) as session:
        parent = ledger.record_flow(session, SYSTEM, flow(orgs["CN"], amount=D("500")))
        ledger.record_flow(
            session,
            SYSTEM,
            flow(orgs["WHO"], amount=D("200"), parent_flow_id=parent.flow_id, recipients=[{"country": "IT"}]),
        )
        assert {r.key: r.usd("disbursement") for r in reports.by_provider(session, Filters())} == {
            str(orgs["CN"]): D("500")
        }
        ledger.revise_flow(
            session, SYSTEM, parent.flow_id, flow(orgs["CN"], amount=D("500"), is_internal=True), "internal"
        )
        assert {r.key: r.usd("disbursement") for r in reports.by_provider(session, Filters())} == {
            str(orgs["WHO"]): D("200")
        }
        assert totals.differences(session) == []


def test_parts_passed_on_by_a_shared_parent_count_per_country_also_after_its_boundary_changes(
    db: sessionmaker[Session], orgs: dict[str, int], flow: Callable[..., FlowCreate]
) -> None:
    def per_country(session: Session, filters: Filters) -> dict[str, Decimal]:
        return {r.key: r.usd("disbursement") for r in reports.by_recipient(session, filters)}

    covid = Filters(emergency="COVID-19")
    with transaction(db) as session:
        joint = {"amount": D("1000"), "boundary": "shared", "emergency_code": "COVID-19"}
        parent = ledger.record_flow(session, SYSTEM, flow(orgs["CN"], recipients=[{"country": "RS"}], **joint))
        child = {"parent_flow_id": parent.flow_id, "emergency_code": "COVID-19"}
        ledger.record_flow(session, SYSTEM, flow(orgs["WHO"], amount=D("120"), recipients=[{"country": "IT"}], **child))
        ledger.record_flow(session, SYSTEM, flow(orgs["WHO"], amount=D("80"), recipients=[{"country": "FR"}], **child))
        for filters in (Filters(), covid):
            assert per_country(session, filters) == {"IT": D("120"), "FR": D("80")}
            assert per_country(session, filters) == _scan_per_country(session, filters)
        # overall the parent counts and its parts do not
        assert {r.key: r.usd("disbursement") for r in reports.by_provider(session, Filters())} == {
            str(orgs["CN"]): D("1000")
        }
        # revised to a single boundary, the parent counts per country and its parts no longer do
        single = flow(orgs["CN"], recipients=[{"country": "RS"}], **(joint | {"boundary": "single"}))
        ledger.revise_flow(session, SYSTEM, parent.flow_id, single, "one recipient after all")
        assert totals.differences(session) == []
        for filters in (Filters(), covid):
            assert per_country(session, filters) == {"RS": D("1000")}
            assert per_country(session, filters) == _scan_per_country(session, filters)
        # and back
        ledger.revise_flow(
            session, SYSTEM, parent.flow_id, flow(orgs["CN"], recipients=[{"country": "RS"}], **joint), "shared"
        )
        assert totals.differences(session) == []
        assert per_country(session, Filters()) == {"IT": D("120"), "FR": D("80")}
        totals.rebuild(session)
        assert per_country(session, Filters()) == {"IT": D("120"), "FR": D("80")}


def _scan_per_country(session: Session, filters: Filters) -> dict[str, Decimal]:
    return {r.key: r.usd("disbursement") for r in _scanning(reports.by_recipient, session, filters)}


def test_csv_and_fts_imports_maintain_the_totals_once_per_file(db: sessionmaker[Session], orgs: dict[str, int]) -> None:
    from solidarity.assistance import exchanging

    with transaction(db) as session:
        importing.import_csv(session, SYSTEM, _csv(orgs), "flows.csv")
        assert totals.differences(session) == []
        changed = _csv(orgs).replace("2020-06-01,400,USD", "2020-06-01,450,USD")
        importing.import_csv(session, SYSTEM, changed, "flows.csv")
        assert totals.differences(session) == []
        for page in PAGES:
            exchanging.import_exchange(session, SYSTEM, page, "fts")
        assert totals.differences(session) == []
        assert reports.by_recipient(session, Filters()), "the imported flows are in the totals"


def test_rebuild_restores_totals_that_went_wrong(db: sessionmaker[Session], orgs: dict[str, int], flow: Any) -> None:
    with transaction(db) as session:
        ledger.record_flow(session, SYSTEM, flow(orgs["CN"], recipients=[{"country": "IT"}]))
        session.execute(update(FlowTotal).values(usd_cents=FlowTotal.usd_cents + 1))
        assert totals.differences(session)
        assert totals.rebuild(session) == len(totals.expected(session))
        assert totals.differences(session) == []


def test_the_migration_fills_the_totals_from_existing_flows(
    db: sessionmaker[Session], engine: Engine, orgs: dict[str, int], flow: Any
) -> None:
    with transaction(db) as session:
        ledger.record_flow(session, SYSTEM, flow(orgs["CN"], recipients=[{"country": "IT"}]))
        ledger.record_flow(session, SYSTEM, flow(orgs["WHO"], stage="pledge"))
        want = totals.stored(session)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with transaction(db) as session:
        assert totals.stored(session) == want
        assert len(want) == 2 * 3 + 2  # two flows in three flow grains, one recipient line in two recipient grains


def test_cli_rebuild_totals_checks_and_rebuilds(
    cli: Any, db: sessionmaker[Session], orgs: dict[str, int], flow: Any
) -> None:
    with transaction(db) as session:
        ledger.record_flow(session, SYSTEM, flow(orgs["CN"], recipients=[{"country": "IT"}]))
    assert cli("assistance", "rebuild-totals", "--check")[0] == 0
    with transaction(db) as session:
        session.execute(update(FlowTotal).values(flows=FlowTotal.flows + 1))
    code, out, _ = cli("assistance", "rebuild-totals", "--check", "--json")
    assert code == 1
    assert out.count("recomputed") == 5
    code, out, _ = cli("assistance", "rebuild-totals", "--json")
    assert code == 0, out
    assert '"rows": 5' in out
    assert cli("assistance", "rebuild-totals", "--check") == (0, "The totals match the flows\n", "")
