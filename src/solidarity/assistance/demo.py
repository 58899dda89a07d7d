"""Demo records: China's assistance in the first half of 2020, each with its citation.

They come from a 2020 commentary on China's global engagement in the fight against COVID-19,
whose Table 1 cites the State Council white paper "Fighting COVID-19: China in Action" (June
2020) and the President's speech at the 73rd World Health Assembly (18 May 2020). Only what those
sources state is recorded: aggregate counts stay aggregate (29 teams are one record counting 29),
figures the sources give as "more than" are marked as lower bounds, and the commercial exports
carry quantities but no USD value. Loading twice adds nothing (flows are keyed by ``ref``).

A few records are illustrative, not from the source, to show what the source does not give; each
carries the illustrative flag (``is_illustrative``: Table 1 leaves it out, reports mark it) and says
so in its description and in its citation (``ILLUSTRATIVE``): members' contributions to CNIE's
joint action (recorded as parts of the joint action's total, so that total is not counted twice),
and a commitment with three payments fulfilling part of the US$2 billion pledge (so its page has a
chart to show).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.assistance.ledger import add_claim, record_flow
from solidarity.assistance.models import Claim, Flow
from solidarity.assistance.schemas import ClaimCreate, FlowCreate, SourceIn
from solidarity.errors import NotFound
from solidarity.partners import networks
from solidarity.partners import service as partners
from solidarity.partners.models import JointActionStatus
from solidarity.partners.schemas import JointActionCreate, JointActionUpdate
from solidarity.reference import service as reference
from solidarity.reference.models import ItemCategory
from solidarity.reference.schemas import ItemCreate

WHITE_PAPER = SourceIn(
    citation='State Council Information Office of China, white paper "Fighting COVID-19: China in Action", '
    "June 2020, part IV",
)
WHA_SPEECH = SourceIn(
    citation="Xi Jinping, statement at the opening of the 73rd World Health Assembly, 18 May 2020",
)
COMMENTARY = SourceIn(
    citation="Commentary on China's global engagement in the fight against COVID-19 (2020), Table 1",
)
COMMENTARY_TEXT = SourceIn(citation="Commentary on China's global engagement in the fight against COVID-19 (2020)")
ILLUSTRATIVE = SourceIn(
    citation="Illustrative demo record, NOT from the source: invented to show how such a record is kept; "
    "the source gives no such figure",
)
EMERGENCY = "COVID-19"
WHO_CASH_SUBJECT = "CN -> WHO cash support 2020"

GENERIC_ITEMS = (
    ItemCreate(
        code="MASK-ANY",
        name="Face masks, all types",
        category=ItemCategory.PPE,
        unit_code="each",
        description="Masks of any type, for records that do not say which (demo).",
    ),
    ItemCreate(
        code="TEST-KIT-ANY",
        name="COVID-19 test kits, all types",
        category=ItemCategory.DIAGNOSTICS,
        unit_code="kit",
        description="Test kits of any method, for records that do not say which (demo).",
    ),
    ItemCreate(
        code="VENT-ANY",
        name="Ventilators, all types",
        category=ItemCategory.BIOMEDICAL_EQUIPMENT,
        unit_code="unit",
        description="Invasive or non-invasive ventilators (demo).",
    ),
)
JOINT_ACTION_TITLE = "Silk Road and One Family"


@dataclass
class DemoAssistance:
    created: int


def _flows(ids: dict[str, str], joint_action_id: int) -> list[FlowCreate]:
    cn, who = ids["CN"], ids["WHO"]
    common: dict[str, Any] = {"provider": cn, "emergency_code": EMERGENCY, "terms": "grant"}
    return [
        FlowCreate(
            ref="demo-cn-who-ppe-reserve",
            receiver=who,
            channel="multilateral",
            modality="in-kind",
            stage="delivery",
            flow_date=dt.date(2020, 5, 31),
            description="Assisted WHO in purchasing personal protective equipment and establishing reserve centres "
            "of supplies in China",
            sources=[WHITE_PAPER, COMMENTARY],
            sector_dac="12264",
            cluster="Health",
            **common,
        ),
        FlowCreate(
            ref="demo-cn-act-accelerator",
            receiver=who,
            channel="multilateral",
            modality="in-kind",
            stage="commitment",
            flow_date=dt.date(2020, 5, 31),
            description="Participated in WHO's Access to COVID-19 Tools (ACT) Accelerator",
            sources=[WHITE_PAPER, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cn-exports-2020",
            provider=cn,
            channel="private",
            modality="in-kind",
            terms="commercial-sale",
            stage="delivery",
            boundary="shared",
            is_new_money=False,
            is_lower_bound=True,
            emergency_code=EMERGENCY,
            period_start=dt.date(2020, 3, 1),
            flow_date=dt.date(2020, 5, 31),
            recipients=[{"region": "200 countries and regions", "percentage": Decimal(100)}],
            description="Exported protective materials to 200 countries and regions (commercial terms), "
            "1 March to 31 May 2020",
            items=[
                {"item": "MASK-ANY", "quantity": 70_600_000_000, "unit": "each"},
                {"item": "SUIT-PROT", "quantity": 340_000_000, "unit": "each"},
                {"item": "GOGGLES", "quantity": 115_000_000, "unit": "pair"},
                {"item": "VENT-ANY", "quantity": 96_700, "unit": "unit"},
                {"item": "TEST-KIT-ANY", "quantity": 225_000_000, "unit": "kit"},
                {"item": "THERMO-IR", "quantity": 40_290_000, "unit": "unit"},
            ],
            sources=[WHITE_PAPER, COMMENTARY],
        ),
        FlowCreate(
            ref="demo-cn-who-cash-2020",
            receiver=who,
            channel="multilateral",
            modality="financial",
            stage="disbursement",
            flow_date=dt.date(2020, 5, 31),
            amount=Decimal("50000000"),
            currency="USD",
            claim_subject=WHO_CASH_SUBJECT,
            sector_dac="12264",
            description="Two batches of cash support totalling US$50 million to WHO",
            sources=[WHITE_PAPER, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cn-who-srf-fundraising",
            receiver=who,
            channel="multilateral",
            modality="financial",
            stage="commitment",
            flow_date=dt.date(2020, 5, 31),
            is_new_money=False,
            description="Helped WHO's COVID-19 Solidarity Response Fund raise funds in China",
            sources=[WHITE_PAPER, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cn-pledge-2bn",
            channel="bilateral",
            modality="financial",
            stage="pledge",
            boundary="shared",
            flow_date=dt.date(2020, 5, 18),
            horizon_end=dt.date(2022, 5, 18),
            amount=Decimal("2000000000"),
            currency="USD",
            recipients=[{"region": "International community", "percentage": Decimal(100)}],
            description="US$2 billion over two years to help with the COVID-19 response and with economic "
            "and social development in affected countries, especially developing countries (pledge)",
            sources=[WHA_SPEECH, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cn-expert-teams",
            channel="bilateral",
            modality="personnel",
            stage="delivery",
            boundary="shared",
            flow_date=dt.date(2020, 5, 31),
            capacity_kind="expert-team",
            capacity_count=29,
            capacity_countries=27,
            recipients=[{"region": "27 countries", "percentage": Decimal(100)}],
            description="29 medical expert teams sent to 27 countries",
            sources=[WHITE_PAPER, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cn-training-sessions",
            channel="bilateral",
            modality="training",
            stage="delivery",
            boundary="shared",
            is_lower_bound=True,
            flow_date=dt.date(2020, 5, 31),
            capacity_kind="training",
            capacity_count=400,
            capacity_countries=56,
            delivery_mode="mixed",
            recipients=[{"region": "56 countries", "percentage": Decimal(100)}],
            activities="Supported the local fight against the virus; counselling and health information",
            description="Medical teams stationed in 56 countries supported the local fight and gave counselling "
            "and health information, organising over 400 online and offline training sessions",
            sources=[WHITE_PAPER, COMMENTARY],
            **common,
        ),
        FlowCreate(
            ref="demo-cnie-silk-road",
            provider=ids["CNIE"],
            channel="public-private",
            modality="in-kind",
            stage="disbursement",
            boundary="shared",
            is_lower_bound=True,
            flow_date=dt.date(2020, 6, 30),
            amount=Decimal("25000000"),
            currency="USD",
            joint_action_id=joint_action_id,
            emergency_code=EMERGENCY,
            recipients=[{"region": "More than 50 countries", "percentage": Decimal(100)}],
            description='Joint action "Silk Road and One Family" of the China NGO Network for International '
            "Exchanges with more than 50 countries, over US$25 million",
            sources=[COMMENTARY_TEXT],
        ),
    ]


def _member_contributions(ids: dict[str, str], joint_action_id: int, joint_flow_id: int) -> list[FlowCreate]:
    """Illustrative parts of the joint action's total, by two CNIE members: children of the joint action flow."""
    common: dict[str, Any] = {
        "channel": "public-private",
        "stage": "delivery",
        "terms": "grant",
        "joint_action_id": joint_action_id,
        "parent_flow_id": joint_flow_id,
        "is_new_money": False,
        "emergency_code": EMERGENCY,
        "currency": "USD",
        "sources": [ILLUSTRATIVE],
        "is_illustrative": True,
    }
    note = (
        " (illustrative demo record, not from the source: a member's part of the joint action "
        '"Silk Road and One Family")'
    )
    return [
        FlowCreate(
            ref="demo-illustrative-cfpd-silk-road-pk",
            provider=ids["CFPD"],
            modality="in-kind",
            flow_date=dt.date(2020, 4, 20),
            amount=Decimal("1200000"),
            recipients=[{"country": "PK", "percentage": Decimal(100)}],
            items=[{"item": "MASK-ANY", "quantity": 2_000_000, "unit": "each"}],
            activities="material supply",
            description="China Foundation for Peace and Development: masks for Pakistan" + note,
            **common,
        ),
        FlowCreate(
            ref="demo-illustrative-cfrd-silk-road-et",
            provider=ids["CFRD"],
            modality="in-kind",
            flow_date=dt.date(2020, 5, 12),
            amount=Decimal("800000"),
            recipients=[{"country": "ET", "percentage": Decimal(100)}],
            items=[{"item": "SUIT-PROT", "quantity": 50_000, "unit": "each"}],
            activities="material supply; volunteer dispatch",
            description="China Foundation for Rural Development: protective suits and volunteers for Ethiopia" + note,
            **common,
        ),
        FlowCreate(
            ref="demo-illustrative-cfrd-silk-road-training",
            provider=ids["CFRD"],
            modality="knowledge",
            flow_date=dt.date(2020, 6, 10),
            recipients=[{"country": "ET", "percentage": Decimal(100)}],
            capacity_kind="training",
            capacity_count=3,
            capacity_countries=1,
            delivery_mode="online",
            topic="Community prevention of COVID-19",
            activities="experience sharing",
            description="China Foundation for Rural Development: online experience-sharing sessions with "
            "Ethiopian partners" + note,
            **(common | {"currency": None}),
        ),
    ]


PLEDGE_NOTE = " (illustrative demo record, not from the source: the sources give no fulfilment of the pledge)"
PLEDGE_PAYMENTS = (
    ("demo-illustrative-cn-pledge-payment-1", dt.date(2020, 12, 15), Decimal("150000000")),
    ("demo-illustrative-cn-pledge-payment-2", dt.date(2021, 6, 30), Decimal("120000000")),
    ("demo-illustrative-cn-pledge-payment-3", dt.date(2022, 3, 31), Decimal("100000000")),
)


def _pledge_fulfilment(ids: dict[str, str], pledge_id: int) -> tuple[FlowCreate, list[FlowCreate]]:
    """An illustrative commitment fulfilling the US$2 billion pledge, and the payments paying it (``pledges``:
    a commitment fulfils the pledge, a payment fulfils the commitment)."""
    common: dict[str, Any] = {
        "provider": ids["CN"],
        "channel": "bilateral",
        "modality": "financial",
        "terms": "grant",
        "boundary": "shared",
        "emergency_code": EMERGENCY,
        "currency": "USD",
        "recipients": [{"region": "International community", "percentage": Decimal(100)}],
        "sources": [ILLUSTRATIVE],
        "is_illustrative": True,
    }
    commitment = FlowCreate(
        ref="demo-illustrative-cn-pledge-commitment",
        stage="commitment",
        flow_date=dt.date(2020, 9, 15),
        amount=Decimal("500000000"),
        fulfils_flow_id=pledge_id,
        description="US$500 million committed under the US$2 billion pledge" + PLEDGE_NOTE,
        **common,
    )
    payments = [
        FlowCreate(
            ref=ref,
            stage="disbursement",
            flow_date=day,
            amount=amount,
            description=f"US${amount / 1_000_000:,.0f} million paid of the US$500 million commitment" + PLEDGE_NOTE,
            **common,
        )
        for ref, day, amount in PLEDGE_PAYMENTS
    ]
    return commitment, payments


def _record_missing(session: Session, actor: Actor, flows: list[FlowCreate]) -> int:
    created = 0
    for flow in flows:
        if session.scalar(select(Flow.id).where(Flow.ref == flow.ref)) is None:
            record_flow(session, actor, flow)
            created += 1
    return created


def _flow_id(session: Session, ref: str) -> int | None:
    return session.scalar(select(Flow.id).where(Flow.ref == ref))


def _joint_action(session: Session, actor: Actor, network_id: int, members: list[int]) -> int:
    """The joint action, with the members whose illustrative contributions are recorded as participants."""
    found = networks.find_joint_action(session, network_id, JOINT_ACTION_TITLE)
    if found is not None:
        have = {p.organisation_id for p in found.participants}
        if not set(members) <= have:
            networks.update_joint_action(
                session, actor, found.id, JointActionUpdate(participant_ids=sorted(have | set(members)))
            )
        return found.id
    action = networks.create_joint_action(
        session,
        actor,
        JointActionCreate(
            network_id=network_id,
            title=JOINT_ACTION_TITLE,
            description="Member organisations of CNIE with partners in more than 50 countries: material supply, "
            "experience sharing and volunteers against COVID-19; over US$25 million (demo record, from the "
            "2020 commentary).",
            start_date=dt.date(2020, 2, 1),
            status=JointActionStatus.ONGOING,
            participant_ids=members,
        ),
    )
    return action.id


def load(session: Session, actor: Actor) -> DemoAssistance:
    """Add the demo flows and claims that are missing; the partners demo must be loaded first."""
    for item in GENERIC_ITEMS:
        try:
            reference.get_item(session, item.code)
        except NotFound:
            reference.create_item(session, actor, item)
    names = {
        "CN": "Government of the People's Republic of China",
        "WHO": "World Health Organization",
        "CNIE": "China NGO Network for International Exchanges",
        "WFP": "World Food Programme",
        "CFPD": "China Foundation for Peace and Development",
        "CFRD": "China Foundation for Rural Development",
    }
    orgs = {key: partners.resolve_organisation(session, name) for key, name in names.items()}
    ids = {key: str(org.id) for key, org in orgs.items()}
    joint_action_id = _joint_action(session, actor, orgs["CNIE"].id, [orgs["CFPD"].id, orgs["CFRD"].id])
    created = _record_missing(session, actor, _flows(ids, joint_action_id))
    joint_flow_id = _flow_id(session, "demo-cnie-silk-road")
    if joint_flow_id is not None:
        created += _record_missing(session, actor, _member_contributions(ids, joint_action_id, joint_flow_id))
    pledge_id = _flow_id(session, "demo-cn-pledge-2bn")
    if pledge_id is not None:
        commitment, payments = _pledge_fulfilment(ids, pledge_id)
        created += _record_missing(session, actor, [commitment])
        commitment_id = _flow_id(session, commitment.ref or "")
        if commitment_id is not None:
            paying = [p.model_copy(update={"fulfils_flow_id": commitment_id}) for p in payments]
            created += _record_missing(session, actor, paying)
    claims = (
        ClaimCreate(
            subject=WHO_CASH_SUBJECT,
            statement="China donated US$55 million to WHO",
            claim_date=dt.date(2020, 6, 30),
            amount=Decimal("55000000"),
            currency="USD",
            citation=COMMENTARY_TEXT.citation,
            reporter=ids["CN"],
        ),
        ClaimCreate(
            subject="UN Global Humanitarian Response Depot and Hub, Guangzhou",
            statement="The WFP-run UN Global Humanitarian Response hub in Guangzhou received its first batch of "
            "supplies on 30 April 2020",
            claim_date=dt.date(2020, 4, 30),
            citation=COMMENTARY_TEXT.citation,
            reporter=ids["WFP"],
        ),
    )
    for claim in claims:
        exists = session.scalar(
            select(Claim.id).where(Claim.subject == claim.subject, Claim.statement == claim.statement)
        )
        if exists is None:
            add_claim(session, actor, claim)
            created += 1
    return DemoAssistance(created=created)
