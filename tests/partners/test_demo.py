from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.demo import load_demo
from solidarity.partners import demo, networks, service
from solidarity.partners.models import JointAction, NetworkMembership, Organisation, OrganisationName
from tests.partners.conftest import SYSTEM


def _sizes(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(table)) or 0
        for table in (Organisation, OrganisationName, NetworkMembership, JointAction, AuditEntry)
    )


def test_loading_the_demo_twice_adds_nothing_the_second_time(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        first = demo.load(session, SYSTEM)
    with transaction(db) as session:
        after_first = _sizes(session)
        second = demo.load(session, SYSTEM)
    with transaction(db) as session:
        assert _sizes(session) == after_first
    assert first.created == len(demo.DEMO_ORGANISATIONS)
    assert (first.memberships, first.joint_actions) == (2, 1)
    assert (second.created, second.memberships, second.joint_actions) == (0, 0, 0)
    assert second.ids == first.ids


def test_demo_holds_the_mission_organisations_network_and_joint_action(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        summary = load_demo(session, SYSTEM)
        ids = demo.load(session, SYSTEM).ids
        assert summary.created["organisations"] == len(demo.DEMO_ORGANISATIONS)
        who = service.get_organisation(session, ids["WHO"])
        assert (who.name, who.type.value) == ("World Health Organization", "un_agency")
        nhc = service.resolve_organisation(session, "National Health Commission of the People’s Republic of China")
        assert nhc.parent is not None
        assert nhc.parent.name == "Government of the People's Republic of China"
        assert service.resolve_organisation(session, "CNIE").id == ids["CNIE"]
        assert service.resolve_organisation(session, "中国民间组织国际交流促进会").id == ids["CNIE"]
        assert service.resolve_organisation(session, "WFP").id == ids["WFP"]
        actions = {a.title: a for a in networks.list_joint_actions(session, network_id=ids["CNIE"]).items}
        action = actions["COVID-19 supplies to partner countries"]
        assert {c.country_code for c in action.countries} == {"IQ", "RS", "PK", "ET"}
        assert {p.organisation_id for p in action.participants} <= {
            m.member_id for m in networks.list_members(session, ids["CNIE"])
        }
        governments = {o.country_code for o in service.list_organisations(session, q="government of").items}
        assert {"CN", "IQ", "IT", "RS", "PK", "ET"} <= governments
