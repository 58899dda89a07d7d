import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid
from solidarity.partners import networks, service
from solidarity.partners.models import JointActionStatus, OrganisationType
from solidarity.partners.schemas import JointActionCreate, JointActionUpdate, MembershipCreate, OrganisationUpdate
from tests.conftest import Person
from tests.partners.conftest import SYSTEM

Register = Callable[..., int]


@pytest.fixture
def network(register: Register) -> dict[str, int]:
    """A network with two member NGOs, and an NGO outside it."""
    ids = {
        "network": register("NGO Network for Exchanges", OrganisationType.NETWORK, acronym="NNE", country="CN"),
        "peace": register("Peace Foundation", country="CN"),
        "rural": register("Rural Foundation", country="CN"),
        "outsider": register("Outside Foundation", country="FR"),
    }
    return ids


def _join(db: sessionmaker[Session], network_id: int, *members: int) -> None:
    with transaction(db) as session:
        for member in members:
            networks.add_network_member(session, SYSTEM, network_id, MembershipCreate(member_id=member, role="member"))


def test_joint_action_records_participants_and_partner_countries_as_alpha2(
    db: sessionmaker[Session], network: dict[str, int]
) -> None:
    _join(db, network["network"], network["peace"], network["rural"])
    with transaction(db) as session:
        action = networks.create_joint_action(
            session,
            SYSTEM,
            JointActionCreate(
                network_id=network["network"],
                title="COVID-19 supplies to partner countries",
                start_date=dt.date(2020, 3, 1),
                end_date=dt.date(2020, 12, 31),
                status=JointActionStatus.COMPLETED,
                participant_ids=[network["peace"], network["rural"], network["peace"]],
                countries=["PAK", "Ethiopia", "iq", "ET"],
            ),
        )
        action_id = action.id
    with transaction(db) as session:
        stored = networks.get_joint_action(session, action_id)
        assert [p.organisation_id for p in stored.participants] == sorted([network["peace"], network["rural"]])
        assert [c.country_code for c in stored.countries] == ["ET", "IQ", "PK"]
        assert [a.id for a in networks.list_joint_actions(session, country="Pakistan").items] == [action_id]
        assert networks.list_joint_actions(session, country="FR").count == 0
        assert [a.id for a in networks.list_joint_actions(session, organisation_id=network["rural"]).items] == [
            action_id
        ]
        members = networks.list_members(session, network["network"])
        assert [m.member.name for m in members] == ["Peace Foundation", "Rural Foundation"]
        assert [m.network_id for m in networks.memberships_of(session, network["peace"])] == [network["network"]]


def test_joint_action_update_replaces_lists_and_audits_before_and_after(
    db: sessionmaker[Session], network: dict[str, int]
) -> None:
    _join(db, network["network"], network["peace"], network["rural"])
    with transaction(db) as session:
        action_id = networks.create_joint_action(
            session,
            SYSTEM,
            JointActionCreate(
                network_id=network["network"], title="Masks", participant_ids=[network["peace"]], countries=["RS"]
            ),
        ).id
    with transaction(db) as session:
        networks.update_joint_action(
            session,
            SYSTEM,
            action_id,
            JointActionUpdate(
                status=JointActionStatus.ONGOING, participant_ids=[network["rural"]], countries=["RS", "IT"]
            ),
        )
    with transaction(db) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update_joint_action")).one()
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("planned", "ongoing")
    assert (entry.before["participant_ids"], entry.after["participant_ids"]) == ([network["peace"]], [network["rural"]])
    assert (entry.before["countries"], entry.after["countries"]) == (["RS"], ["IT", "RS"])


def test_member_editor_may_record_joint_actions_and_an_outsider_may_not(
    db: sessionmaker[Session], network: dict[str, int], make_person: Callable[..., Person]
) -> None:
    _join(db, network["network"], network["peace"])
    member_editor = make_person(Role.EDITOR, organisation_id=network["peace"])
    outsider = make_person(Role.EDITOR, organisation_id=network["outsider"])
    data = JointActionCreate(network_id=network["network"], title="Training of nurses", countries=["ET"])
    with transaction(db) as session:
        action_id = networks.create_joint_action(session, member_editor.actor, data).id
    with pytest.raises(Forbidden), transaction(db) as session:
        networks.create_joint_action(session, outsider.actor, data)
    with pytest.raises(Forbidden), transaction(db) as session:
        networks.update_joint_action(session, outsider.actor, action_id, JointActionUpdate(title="Taken over"))
    # A member's editor edits the network's actions but not its membership list.
    with pytest.raises(Forbidden), transaction(db) as session:
        networks.add_network_member(
            session, member_editor.actor, network["network"], MembershipCreate(member_id=network["outsider"])
        )


def test_network_editor_manages_members(
    db: sessionmaker[Session], network: dict[str, int], make_person: Callable[..., Person]
) -> None:
    editor = make_person(Role.EDITOR, organisation_id=network["network"])
    with transaction(db) as session:
        networks.add_network_member(
            session, editor.actor, network["network"], MembershipCreate(member_id=network["rural"])
        )
    with transaction(db) as session:
        networks.remove_network_member(session, editor.actor, network["network"], network["rural"])
    with transaction(db) as session:
        assert networks.list_members(session, network["network"]) == []
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "network_membership")).all()
    assert actions == ["add_network_member", "remove_network_member"]


def test_joining_twice_is_a_conflict_with_the_existing_membership(
    db: sessionmaker[Session], network: dict[str, int]
) -> None:
    _join(db, network["network"], network["peace"])
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        networks.add_network_member(session, SYSTEM, network["network"], MembershipCreate(member_id=network["peace"]))
    assert refused.value.details["existing_id"]
    assert "member of NGO Network for Exchanges already" in refused.value.message


def test_only_networks_have_members_and_joint_actions(db: sessionmaker[Session], network: dict[str, int]) -> None:
    with pytest.raises(Invalid, match="not a network"), transaction(db) as session:
        networks.add_network_member(session, SYSTEM, network["peace"], MembershipCreate(member_id=network["rural"]))
    with pytest.raises(Invalid, match="not a network"), transaction(db) as session:
        networks.create_joint_action(session, SYSTEM, JointActionCreate(network_id=network["peace"], title="Solo"))
    with pytest.raises(Invalid, match="itself"), transaction(db) as session:
        networks.add_network_member(session, SYSTEM, network["network"], MembershipCreate(member_id=network["network"]))


def test_a_network_in_use_keeps_its_type(db: sessionmaker[Session], network: dict[str, int]) -> None:
    _join(db, network["network"], network["peace"])
    with pytest.raises(Invalid, match="must stay a network"), transaction(db) as session:
        service.update_organisation(session, SYSTEM, network["network"], OrganisationUpdate(type=OrganisationType.NGO))


def test_joint_action_refuses_bad_dates_unknown_participants_and_countries(
    db: sessionmaker[Session], network: dict[str, int]
) -> None:
    base = {"network_id": network["network"], "title": "Bad action"}
    cases = [
        ({"start_date": "2020-05-01", "end_date": "2020-04-01"}, "end_date"),
        ({"participant_ids": [987654]}, "participant_ids"),
        ({"countries": ["Narnia"]}, "countries"),
    ]
    for extra, field in cases:
        with pytest.raises(Invalid) as refused, transaction(db) as session:
            networks.create_joint_action(session, SYSTEM, JointActionCreate.model_validate(base | extra))
        assert refused.value.details[0]["field"] == field
    with transaction(db) as session:
        assert networks.list_joint_actions(session).count == 0
