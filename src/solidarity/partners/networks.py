"""Networks: their member organisations and the joint actions they run with partner countries.

A network is an organisation of type ``network``. Who may write: admins and partners
coordinators everything; an editor of the network itself manages its members; an editor of the
network or of any member organisation creates and edits the network's joint actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.partners.models import (
    JointAction,
    JointActionCountry,
    JointActionParticipant,
    JointActionStatus,
    NetworkMembership,
    Organisation,
    OrganisationType,
)
from solidarity.partners.names import clean_display
from solidarity.partners.schemas import JointActionCreate, JointActionUpdate, MembershipCreate
from solidarity.partners.service import MODULE, Page, country_code, get_organisation

_ACTION_LOAD = (
    selectinload(JointAction.network),
    selectinload(JointAction.participants).selectinload(JointActionParticipant.organisation),
    selectinload(JointAction.countries),
)


def get_network(session: Session, network_id: int) -> Organisation:
    """The organisation ``network_id``; ``NotFound`` if missing, ``Invalid`` if it is not a network."""
    org = get_organisation(session, network_id)
    if org.type is not OrganisationType.NETWORK:
        raise Invalid(
            f"{org.name} (id {org.id}) is a {org.type.label}, not a network",
            details=[{"field": "network_id", "value": network_id, "reason": "not a network"}],
        )
    return org


def list_members(session: Session, network_id: int) -> list[NetworkMembership]:
    """The members of a network, by name. Raises ``NotFound`` or ``Invalid`` as ``get_network``."""
    get_network(session, network_id)
    return list(
        session.scalars(
            select(NetworkMembership)
            .join(Organisation, Organisation.id == NetworkMembership.member_id)
            .where(NetworkMembership.network_id == network_id)
            .options(selectinload(NetworkMembership.member), selectinload(NetworkMembership.network))
            .order_by(func.lower(Organisation.name))
        )
    )


def memberships_of(session: Session, org_id: int) -> list[NetworkMembership]:
    """The networks an organisation belongs to."""
    return list(
        session.scalars(
            select(NetworkMembership)
            .where(NetworkMembership.member_id == org_id)
            .options(selectinload(NetworkMembership.network))
            .order_by(NetworkMembership.network_id)
        )
    )


def _member_ids(session: Session, network_id: int) -> set[int]:
    return set(session.scalars(select(NetworkMembership.member_id).where(NetworkMembership.network_id == network_id)))


def _membership_snapshot(membership: NetworkMembership) -> dict[str, Any]:
    return audit.snapshot(membership, ("network_id", "member_id", "role", "joined_on"))


def add_network_member(session: Session, actor: Actor, network_id: int, data: MembershipCreate) -> NetworkMembership:
    """Make an organisation a member of a network.

    Raises ``NotFound``/``Invalid`` for a missing network or member or a network joining itself,
    ``Forbidden`` unless ``actor`` coordinates partners or edits for the network, and ``Conflict``
    (details ``existing_id``: the membership) when it is a member already.
    """
    network = get_network(session, network_id)
    actor.require_write(MODULE, network.id)
    member = session.get(Organisation, data.member_id)
    if member is None:
        raise Invalid(
            f"Organisation {data.member_id} does not exist",
            details=[{"field": "member_id", "value": data.member_id}],
        )
    if member.id == network.id:
        raise Invalid(
            f"{network.name} cannot be a member of itself",
            details=[{"field": "member_id", "value": member.id}],
        )
    existing = _find_membership(session, network.id, member.id)
    if existing is not None:
        raise _already_member(network, member, existing)
    membership = NetworkMembership(network_id=network.id, member_id=member.id, role=data.role, joined_on=data.joined_on)
    try:
        with session.begin_nested():
            session.add(membership)
            session.flush()
    except IntegrityError:
        raced = _find_membership(session, network.id, member.id)
        raise _already_member(network, member, raced) from None
    audit.record(
        session,
        actor,
        module=MODULE,
        action="add_network_member",
        entity_type="network_membership",
        entity_id=membership.id,
        after=_membership_snapshot(membership),
    )
    return membership


def _find_membership(session: Session, network_id: int, member_id: int) -> NetworkMembership | None:
    return session.scalar(
        select(NetworkMembership).where(
            NetworkMembership.network_id == network_id, NetworkMembership.member_id == member_id
        )
    )


def _already_member(network: Organisation, member: Organisation, existing: NetworkMembership | None) -> Conflict:
    return Conflict(
        f"{member.name} is a member of {network.name} already",
        details={"existing_id": existing.id if existing else None, "member_id": member.id},
    )


def remove_network_member(session: Session, actor: Actor, network_id: int, member_id: int) -> None:
    """End a membership. Raises ``NotFound`` if there is none, ``Forbidden`` as ``add_network_member``."""
    network = get_network(session, network_id)
    actor.require_write(MODULE, network.id)
    membership = _find_membership(session, network.id, member_id)
    if membership is None:
        raise NotFound(f"Organisation {member_id} is not a member of {network.name}")
    before = _membership_snapshot(membership)
    session.delete(membership)
    audit.record(
        session,
        actor,
        module=MODULE,
        action="remove_network_member",
        entity_type="network_membership",
        entity_id=membership.id,
        before=before,
    )


def _require_action_write(session: Session, actor: Actor, network: Organisation) -> None:
    # An editor writes for their own organisation: the network itself or one of its members.
    is_inside = actor.organisation_id is not None and (
        actor.organisation_id == network.id or actor.organisation_id in _member_ids(session, network.id)
    )
    actor.require_write(MODULE, actor.organisation_id if is_inside else network.id)


def _participants(session: Session, ids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    found = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted)))) if wanted else set()
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid(
            f"Participating organisations {missing} do not exist",
            details=[{"field": "participant_ids", "value": i, "reason": "unknown organisation"} for i in missing],
        )
    return wanted


def _countries(texts: Iterable[str]) -> list[str]:
    codes: list[str] = []
    for text in texts:
        code = country_code(text, field="countries")
        if code is not None and code not in codes:
            codes.append(code)
    return codes


def _check_dates(action: JointAction) -> None:
    if action.start_date and action.end_date and action.end_date < action.start_date:
        raise Invalid(
            f"End date {action.end_date} is before start date {action.start_date}",
            details=[{"field": "end_date", "value": action.end_date.isoformat(), "reason": "before start"}],
        )


def action_snapshot(action: JointAction) -> dict[str, Any]:
    """The audit view of a joint action, with its participants and partner countries."""
    return audit.snapshot(action) | {
        "participant_ids": sorted(p.organisation_id for p in action.participants),
        "countries": sorted(c.country_code for c in action.countries),
    }


def create_joint_action(session: Session, actor: Actor, data: JointActionCreate) -> JointAction:
    """Record a joint action of a network with participating organisations and partner countries.

    Raises ``NotFound``/``Invalid`` for a missing network, participant or country, or dates out
    of order; ``Forbidden`` unless ``actor`` coordinates partners or edits for the network or a
    member of it.
    """
    network = get_network(session, data.network_id)
    _require_action_write(session, actor, network)
    action = JointAction(
        network_id=network.id,
        title=clean_display(data.title),
        description=data.description,
        start_date=data.start_date,
        end_date=data.end_date,
        status=data.status,
    )
    _check_dates(action)
    action.participants = [
        JointActionParticipant(organisation_id=i) for i in sorted(_participants(session, data.participant_ids))
    ]
    action.countries = [JointActionCountry(country_code=c) for c in sorted(_countries(data.countries))]
    session.add(action)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_joint_action",
        entity_type="joint_action",
        entity_id=action.id,
        after=action_snapshot(action),
    )
    return action


def update_joint_action(session: Session, actor: Actor, action_id: int, data: JointActionUpdate) -> JointAction:
    """Change the fields sent; participant and country lists replace the old ones whole.

    Raises as ``create_joint_action`` does, and ``NotFound`` for an unknown action.
    """
    action = get_joint_action(session, action_id)
    _require_action_write(session, actor, action.network)
    before = action_snapshot(action)
    sent = data.model_fields_set
    for field in ("title", "status"):
        if field in sent and getattr(data, field) is None:
            raise Invalid(f"A joint action needs a {field}", details=[{"field": field, "value": None}])
    if data.title is not None:
        action.title = clean_display(data.title)
    if data.status is not None:
        action.status = data.status
    for field in ("description", "start_date", "end_date"):
        if field in sent:
            setattr(action, field, getattr(data, field))
    _check_dates(action)
    if data.participant_ids is not None:
        ids = _participants(session, data.participant_ids)
        kept = {p.organisation_id: p for p in action.participants if p.organisation_id in ids}
        action.participants = [kept.get(i) or JointActionParticipant(organisation_id=i) for i in sorted(ids)]
    if data.countries is not None:
        codes = _countries(data.countries)
        action.countries = [c for c in action.countries if c.country_code in codes] + [
            JointActionCountry(country_code=c) for c in codes if c not in {x.country_code for x in action.countries}
        ]
    session.flush()
    after = action_snapshot(action)
    audit.record(
        session,
        actor,
        module=MODULE,
        action="update_joint_action",
        entity_type="joint_action",
        entity_id=action.id,
        before=before,
        after=after,
    )
    return action


def get_joint_action(session: Session, action_id: int) -> JointAction:
    action = session.scalar(select(JointAction).where(JointAction.id == action_id).options(*_ACTION_LOAD))
    if action is None:
        raise NotFound(f"Joint action {action_id} does not exist")
    return action


def find_joint_action(session: Session, network_id: int, title: str) -> JointAction | None:
    """The network's joint action with exactly this title, if any (for idempotent loads)."""
    return session.scalar(
        select(JointAction).where(JointAction.network_id == network_id, JointAction.title == clean_display(title))
    )


def list_joint_actions(
    session: Session,
    *,
    network_id: int | None = None,
    organisation_id: int | None = None,
    country: str | None = None,
    status: JointActionStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[JointAction]:
    """Joint actions, newest start first. ``organisation_id`` finds actions it runs or takes part in;
    ``country`` (code or name, ``Invalid`` if unknown) those with that partner country."""
    query = select(JointAction)
    if network_id is not None:
        query = query.where(JointAction.network_id == network_id)
    if organisation_id is not None:
        takes_part = select(JointActionParticipant.joint_action_id).where(
            JointActionParticipant.organisation_id == organisation_id
        )
        query = query.where(or_(JointAction.network_id == organisation_id, JointAction.id.in_(takes_part)))
    if country:
        code = country_code(country)
        query = query.where(
            JointAction.id.in_(
                select(JointActionCountry.joint_action_id).where(JointActionCountry.country_code == code)
            )
        )
    if status is not None:
        query = query.where(JointAction.status == status)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(*_ACTION_LOAD)
        .order_by(JointAction.start_date.desc().nulls_last(), JointAction.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(items=list(rows), count=count)
