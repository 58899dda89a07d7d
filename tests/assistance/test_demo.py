"""The demo's illustrative records: labelled as not from the source, counted without double counting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.assistance import reports
from solidarity.assistance.ledger import Filters, current_version, make_filters
from solidarity.assistance.models import Flow, FlowVersion
from solidarity.assistance.pledges import pledge_progress
from solidarity.db import transaction
from solidarity.partners import networks


def _flows(session: Session, prefix: str) -> dict[str, int]:
    return {ref: i for i, ref in session.execute(select(Flow.id, Flow.ref)) if ref and ref.startswith(prefix)}


def test_member_contributions_are_labelled_parts_of_the_joint_action_in_the_private_channel(
    db: sessionmaker[Session], demo: dict[str, int]
) -> None:
    with transaction(db) as session:
        (joint,) = _flows(session, "demo-cnie-silk-road").values()
        members = _flows(session, "demo-illustrative-cf")
        assert len(members) == 3
        versions = [current_version(session, i) for i in members.values()]
        action = networks.get_joint_action(session, current_version(session, joint).joint_action_id or 0)
        participants = {p.organisation_id for p in action.participants}
        private = {r.key: r for r in reports.by_channel(session, Filters())}["public-private"]
        cfpd = reports.by_channel(session, make_filters(session, provider="CFPD"))
        listed = reports.by_channel(session, Filters(channel="public-private", stage="delivery"))
    for v in versions:
        assert v.channel.value == "public-private"
        assert v.joint_action_id == action.id
        assert v.parent_flow_id == joint, "a member's part passes on the joint action's flow"
        assert "illustrative demo record, not from the source" in v.description
        assert all("NOT from the source" in s.citation for s in v.sources)
    assert {v.provider_id for v in versions} == {demo["CFPD"], demo["CFRD"]} == participants
    assert private.paid_usd == Decimal("25000000.00"), "members' parts are counted once, within the total"
    assert [(r.key, r.paid_usd) for r in cfpd] == [("public-private", Decimal("1200000.00"))]
    assert listed[0].stages["delivery"].count == 3, "without the parent in the filter, the parts count"


def test_channel_report_page_lists_the_joint_action_with_its_members(client: TestClient, demo: dict[str, int]) -> None:
    page = client.get("/assistance/reports/channel")
    assert page.status_code == 200
    section = page.text[page.text.index('data-testid="joint-action"') :]
    for text in (
        "Silk Road and One Family",
        "China NGO Network for International Exchanges",
        "China Foundation for Peace and Development",
        "China Foundation for Rural Development",
        "more than 25,000,000",
        "1,200,000",
        "3 sessions",
        "illustrative demo record, not from the source",
        "within <a",
    ):
        assert text in section, text
    other = client.get("/assistance/reports/channel", params={"channel": "bilateral"}).text
    assert 'data-testid="joint-action"' not in other


def test_flow_page_shows_the_capacity_details_and_the_joint_action_by_name(
    client: TestClient, db: sessionmaker[Session], demo: dict[str, int]
) -> None:
    with transaction(db) as session:
        training = _flows(session, "demo-illustrative-cfrd-silk-road-training")
        (flow_id,) = training.values()
    page = client.get(f"/assistance/flows/{flow_id}").text
    for text in ("Topic", "Community prevention of COVID-19", "Online or offline", "online", "experience sharing"):
        assert text in page, text
    assert f'href="/partners/{demo["CNIE"]}#joint-actions">Silk Road and One Family</a>' in page


def test_every_illustrative_record_carries_the_flag_and_the_pledge_has_illustrative_fulfilment(
    db: sessionmaker[Session], demo: dict[str, int]
) -> None:
    with transaction(db) as session:
        flagged = {
            ref
            for ref, illustrative in session.execute(
                select(Flow.ref, FlowVersion.is_illustrative)
                .join(FlowVersion, FlowVersion.flow_id == Flow.id)
                .where(FlowVersion.is_current.is_(True))
            )
            if illustrative
        }
        assert flagged == set(_flows(session, "demo-illustrative-")), "flagged exactly when labelled"
        assert len(flagged) == 7
        (pledge_id,) = _flows(session, "demo-cn-pledge-2bn").values()
        progress = pledge_progress(session, pledge_id, dt.date(2022, 5, 18))
        assert [c.amount_usd for c in progress.commitments] == [Decimal("500000000.00")]
        assert [(p.flow_date, p.amount_usd) for p in progress.payments] == [
            (dt.date(2020, 12, 15), Decimal("150000000.00")),
            (dt.date(2021, 6, 30), Decimal("120000000.00")),
            (dt.date(2022, 3, 31), Decimal("100000000.00")),
        ]
        assert (progress.percent, progress.remainder_usd) == (Decimal("18.5"), Decimal("1630000000.00"))
        assert all(f.is_illustrative for f in (*progress.commitments, *progress.payments))
        table = reports.table1(session, Filters())
        assert table.illustrative_left_out == 4
        listed = {e.flow_id for row in table.rows for e in row.entries}
        assert not listed & set(_flows(session, "demo-illustrative-").values())
        # the joint action is shared across 50 countries: its members' parts count per country (rule 2)
        by_recipient = {r.key: r.paid_usd for r in reports.by_recipient(session, Filters())}
        assert by_recipient == {"PK": Decimal("1200000.00"), "ET": Decimal("800000.00")}
