"""The partners registry over HTTP: organisations, network members and joint actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from solidarity.partners import networks, service
from solidarity.partners.models import JointActionStatus, OrganisationType
from solidarity.partners.schemas import (
    JointActionCreate,
    JointActionPublic,
    JointActionRow,
    JointActionUpdate,
    MembershipCreate,
    MembershipPublic,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationRow,
    OrganisationUpdate,
    SearchHitPublic,
)
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["partners"])


@router.get("/organisations")
def list_organisations(
    session: SessionDep,
    page: PageDep,
    type: OrganisationType | None = None,
    country: str | None = Query(None, description="Alpha-2, alpha-3 or name"),
    q: str | None = Query(None, description="Name, acronym or alias; best matches first"),
    parent_id: int | None = None,
) -> Response:
    """Organisations, by name (with ``q``: exact, then prefix, then contains matches). Anyone may read."""
    filters: dict[str, Any] = {"type": type, "country": country, "q": q, "parent_id": parent_id}
    result = service.list_organisations(session, limit=page.limit, offset=page.offset, **filters)

    def every_row() -> list[OrganisationRow]:
        everything = service.list_organisations(session, limit=result.count or 1, offset=0, **filters)
        return [OrganisationRow.of(o) for o in everything.items]

    rows = [OrganisationPublic.of(o) for o in result.items]
    return listing(page, filename="organisations.csv", rows=rows, count=result.count, all_rows=every_row)


@router.get("/organisations/search")
def search_organisations(
    session: SessionDep, q: str = Query(..., min_length=1), limit: int = Query(20, ge=1, le=200)
) -> list[SearchHitPublic]:
    """Organisations whose name, acronym or alias matches ``q``, each with the name that matched."""
    return [
        SearchHitPublic(
            organisation=OrganisationPublic.of(h.organisation),
            matched=h.matched,
            matched_kind=h.matched_kind.value,
            rank=h.rank,
        )
        for h in service.search(session, q, limit=limit)
    ]


@router.get("/organisations/{org_id}")
def get_organisation(org_id: int, session: SessionDep) -> OrganisationPublic:
    return OrganisationPublic.of(service.get_organisation(session, org_id))


@router.post("/organisations", status_code=201)
def create_organisation(data: OrganisationCreate, actor: ActorDep, session: SessionDep) -> OrganisationPublic:
    """Register an organisation; 409 with ``details.existing_id`` when its name or an alias is taken."""
    return OrganisationPublic.of(service.create_organisation(session, actor, data))


@router.patch("/organisations/{org_id}")
def update_organisation(
    org_id: int, data: OrganisationUpdate, actor: ActorDep, session: SessionDep
) -> OrganisationPublic:
    """Change the fields sent; ``aliases`` replaces the list. Editors may change only their own organisation."""
    return OrganisationPublic.of(service.update_organisation(session, actor, org_id, data))


@router.get("/networks/{network_id}/members")
def list_members(network_id: int, session: SessionDep, page: PageDep) -> Response:
    members = networks.list_members(session, network_id)
    rows = [MembershipPublic.of(m) for m in members]
    window = rows[page.offset : page.offset + page.limit]
    return listing(page, filename="network-members.csv", rows=window, count=len(rows), all_rows=lambda: rows)


@router.post("/networks/{network_id}/members", status_code=201)
def add_member(network_id: int, data: MembershipCreate, actor: ActorDep, session: SessionDep) -> MembershipPublic:
    """Add a member; 409 with ``details.existing_id`` when it is a member already."""
    return MembershipPublic.of(networks.add_network_member(session, actor, network_id, data))


@router.delete("/networks/{network_id}/members/{member_id}", status_code=204)
def remove_member(network_id: int, member_id: int, actor: ActorDep, session: SessionDep) -> Response:
    networks.remove_network_member(session, actor, network_id, member_id)
    return Response(status_code=204)


@router.get("/joint-actions")
def list_joint_actions(
    session: SessionDep,
    page: PageDep,
    network_id: int | None = None,
    organisation_id: int | None = Query(None, description="Actions it runs or takes part in"),
    country: str | None = Query(None, description="Partner country: alpha-2, alpha-3 or name"),
    status: JointActionStatus | None = None,
) -> Response:
    filters: dict[str, Any] = {
        "network_id": network_id,
        "organisation_id": organisation_id,
        "country": country,
        "status": status,
    }
    result = networks.list_joint_actions(session, limit=page.limit, offset=page.offset, **filters)

    def every_row() -> list[JointActionRow]:
        everything = networks.list_joint_actions(session, limit=result.count or 1, offset=0, **filters)
        return [JointActionRow.of(a) for a in everything.items]

    rows = [JointActionPublic.of(a) for a in result.items]
    return listing(page, filename="joint-actions.csv", rows=rows, count=result.count, all_rows=every_row)


@router.get("/joint-actions/{action_id}")
def get_joint_action(action_id: int, session: SessionDep) -> JointActionPublic:
    return JointActionPublic.of(networks.get_joint_action(session, action_id))


@router.post("/joint-actions", status_code=201)
def create_joint_action(data: JointActionCreate, actor: ActorDep, session: SessionDep) -> JointActionPublic:
    """Record a joint action; editors may for networks their organisation is or belongs to."""
    return JointActionPublic.of(networks.create_joint_action(session, actor, data))


@router.patch("/joint-actions/{action_id}")
def update_joint_action(
    action_id: int, data: JointActionUpdate, actor: ActorDep, session: SessionDep
) -> JointActionPublic:
    return JointActionPublic.of(networks.update_joint_action(session, actor, action_id, data))
