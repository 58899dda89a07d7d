"""Demo organisations: the ones the mission names, a network with members and a joint action.

Loading twice adds nothing: each record is looked up first (organisations by name, memberships by
pair, the joint action by network and title) and only created when missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.errors import NotFound
from solidarity.partners import networks, service
from solidarity.partners.models import JointActionStatus, OrganisationType
from solidarity.partners.schemas import JointActionCreate, MembershipCreate, OrganisationCreate

T = OrganisationType

DEMO_ORGANISATIONS: tuple[tuple[str, OrganisationCreate], ...] = (
    (
        "CN",
        OrganisationCreate(
            name="Government of the People's Republic of China",
            type=T.GOVERNMENT,
            country="CN",
            aliases=["Chinese Government"],
            website="https://english.www.gov.cn",
        ),
    ),
    (
        "CN-MFA",
        OrganisationCreate(
            name="Ministry of Foreign Affairs of China",
            acronym="MFA",
            type=T.GOVERNMENT_AGENCY,
            country="CN",
            aliases=["Ministry of Foreign Affairs of the People's Republic of China"],
            website="https://www.mfa.gov.cn",
        ),
    ),
    (
        "CN-NHC",
        OrganisationCreate(
            name="National Health Commission of China",
            acronym="NHC",
            type=T.GOVERNMENT_AGENCY,
            country="CN",
            aliases=["National Health Commission of the People's Republic of China"],
            website="http://en.nhc.gov.cn",
        ),
    ),
    (
        "WHO",
        OrganisationCreate(
            name="World Health Organization",
            acronym="WHO",
            type=T.UN_AGENCY,
            aliases=["World Health Organisation", "Organisation mondiale de la Santé"],
            website="https://www.who.int",
        ),
    ),
    (
        "UN",
        OrganisationCreate(name="United Nations", acronym="UN", type=T.MULTILATERAL, website="https://www.un.org"),
    ),
    (
        "AU",
        OrganisationCreate(
            name="African Union",
            acronym="AU",
            type=T.REGIONAL_ORGANISATION,
            website="https://au.int",
        ),
    ),
    (
        "WFP",
        OrganisationCreate(
            name="World Food Programme",
            acronym="WFP",
            type=T.UN_AGENCY,
            aliases=["United Nations World Food Programme"],
            website="https://www.wfp.org",
        ),
    ),
    (
        "CNIE",
        OrganisationCreate(
            name="China NGO Network for International Exchanges",
            acronym="CNIE",
            type=T.NETWORK,
            country="CN",
            aliases=["中国民间组织国际交流促进会"],
            website="https://www.cnie.org.cn",
        ),
    ),
    (
        "CFPD",
        OrganisationCreate(name="China Foundation for Peace and Development", acronym="CFPD", type=T.NGO, country="CN"),
    ),
    (
        "CFRD",
        OrganisationCreate(
            name="China Foundation for Rural Development",
            acronym="CFRD",
            type=T.NGO,
            country="CN",
            aliases=["China Foundation for Poverty Alleviation"],
        ),
    ),
    ("IQ", OrganisationCreate(name="Government of Iraq", type=T.GOVERNMENT, country="IRQ")),
    ("IT", OrganisationCreate(name="Government of Italy", type=T.GOVERNMENT, country="Italy")),
    ("RS", OrganisationCreate(name="Government of Serbia", type=T.GOVERNMENT, country="RS")),
    ("PK", OrganisationCreate(name="Government of Pakistan", type=T.GOVERNMENT, country="PK")),
    ("ET", OrganisationCreate(name="Government of Ethiopia", type=T.GOVERNMENT, country="ET")),
)
"""(key, organisation); other modules' demo data find the records by these keys."""

DEMO_PARENTS: dict[str, str] = {"CN-MFA": "CN", "CN-NHC": "CN"}
DEMO_MEMBERS: dict[str, tuple[str, ...]] = {"CNIE": ("CFPD", "CFRD")}


@dataclass(frozen=True)
class DemoJointAction:
    network: str
    title: str
    description: str
    participants: tuple[str, ...]
    countries: tuple[str, ...]
    start_date: dt.date
    end_date: dt.date


DEMO_JOINT_ACTION = DemoJointAction(
    network="CNIE",
    title="COVID-19 supplies to partner countries",
    description="Member NGOs collect and ship masks, protective equipment and test kits to partner "
    "countries' health authorities (demonstration record).",
    participants=("CFPD", "CFRD"),
    countries=("IQ", "RS", "PK", "ET"),
    start_date=dt.date(2020, 3, 1),
    end_date=dt.date(2020, 12, 31),
)


@dataclass
class DemoOrganisations:
    ids: dict[str, int]
    created: int
    memberships: int = 0
    joint_actions: int = 0


def load(session: Session, actor: Actor) -> DemoOrganisations:
    """Create the demo organisations, memberships and joint action that are missing; return ids by key."""
    ids: dict[str, int] = {}
    created = 0
    for key, data in DEMO_ORGANISATIONS:
        try:
            ids[key] = service.resolve_organisation(session, data.name).id
        except NotFound:
            parent = DEMO_PARENTS.get(key)
            with_parent = data.model_copy(update={"parent_id": ids[parent] if parent else None})
            ids[key] = service.create_organisation(session, actor, with_parent).id
            created += 1
    result = DemoOrganisations(ids=ids, created=created)
    for network, members in DEMO_MEMBERS.items():
        current = {m.member_id for m in networks.list_members(session, ids[network])}
        for member in members:
            if ids[member] not in current:
                networks.add_network_member(session, actor, ids[network], MembershipCreate(member_id=ids[member]))
                result.memberships += 1
    action = DEMO_JOINT_ACTION
    if networks.find_joint_action(session, ids[action.network], action.title) is None:
        networks.create_joint_action(
            session,
            actor,
            JointActionCreate(
                network_id=ids[action.network],
                title=action.title,
                description=action.description,
                start_date=action.start_date,
                end_date=action.end_date,
                status=JointActionStatus.COMPLETED,
                participant_ids=[ids[k] for k in action.participants],
                countries=list(action.countries),
            ),
        )
        result.joint_actions += 1
    return result
