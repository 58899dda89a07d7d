"""Demo data: what `solidarity demo` loads so a new instance has something to show.

Each module adds its records here through its own service. Loading twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor, Role
from solidarity.allocation import demo as allocation_demo
from solidarity.assistance import demo as assistance_demo
from solidarity.db.instance import DEMO_DATA, set_fact
from solidarity.genomes import demo as genomes_demo
from solidarity.hubs import demo as hubs_demo
from solidarity.knowledge import demo as knowledge_demo
from solidarity.partners import access
from solidarity.partners import demo as partners_demo
from solidarity.partners.accounts import User
from solidarity.reporting import demo as reporting_demo

DEMO_ADMIN_EMAIL = "admin@demo.solidarity.example"
DEMO_ADMIN_PASSWORD = "solidarity-demo"  # noqa: S105 - printed on purpose; the banner marks the instance as a demo


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)
    admin_email: str = DEMO_ADMIN_EMAIL
    admin_password: str = DEMO_ADMIN_PASSWORD


def load_demo(session: Session, actor: Actor) -> DemoSummary:
    """Load every module's demo records and the demo admin; idempotent. Raises ``Forbidden`` unless admin."""
    actor.require_admin()
    summary = DemoSummary()
    organisations = partners_demo.load(session, actor)
    summary.created["organisations"] = organisations.created
    summary.created["reporting figures"] = reporting_demo.load(session, actor).created
    summary.created["genome datasets"] = genomes_demo.load(session, actor).created  # none without a directory
    summary.created["assistance records"] = assistance_demo.load(session, actor).created
    summary.created["knowledge records"] = knowledge_demo.load(session, actor)
    summary.created["hub records"] = hubs_demo.load(session, actor).created
    summary.created["allocation plans"] = allocation_demo.load(session, actor).created
    summary.created["network_memberships"] = organisations.memberships
    summary.created["joint_actions"] = organisations.joint_actions
    if session.scalar(select(User).where(User.email == DEMO_ADMIN_EMAIL)) is None:
        access.create_user(
            session,
            actor,
            email=DEMO_ADMIN_EMAIL,
            name="Demo administrator",
            password=DEMO_ADMIN_PASSWORD,
            organisation_id=organisations.ids["WHO"],
            role=Role.ADMIN,
        )
        summary.created["users"] = 1
    else:
        summary.created["users"] = 0
    set_fact(session, DEMO_DATA, "true")
    return summary
