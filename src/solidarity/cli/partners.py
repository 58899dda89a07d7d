"""`solidarity partners`: register, list, search, show and edit organisations, networks and joint actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from solidarity.cli.context import JsonOption, console, get, print_json, print_table
from solidarity.partners import networks, service
from solidarity.partners.models import JointActionStatus, Organisation, OrganisationType
from solidarity.partners.schemas import (
    JointActionCreate,
    JointActionPublic,
    MembershipCreate,
    MembershipPublic,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
)

app = typer.Typer(help="The partners registry: organisations, networks and joint actions.", no_args_is_help=True)
alias_app = typer.Typer(help="Other names of an organisation.", no_args_is_help=True)
member_app = typer.Typer(help="Members of a network.", no_args_is_help=True)
joint_action_app = typer.Typer(help="Joint actions of a network.", no_args_is_help=True)
app.add_typer(alias_app, name="alias")
app.add_typer(member_app, name="member")
app.add_typer(joint_action_app, name="joint-action")

ORG_HEADER = ["id", "name", "acronym", "type", "country", "parent", "aliases"]


def _row(org: OrganisationPublic) -> list[Any]:
    return [org.id, org.name, org.acronym, org.type.value, org.country_code, org.parent_name, "; ".join(org.aliases)]


def _public(org: Organisation) -> OrganisationPublic:
    return OrganisationPublic.of(org)


def _print_organisation(org: OrganisationPublic, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(org.model_dump(mode="json"))
    else:
        console.print(f"{verb} organisation {org.id}: {org.name}", markup=False)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Full name"),
    type: OrganisationType = typer.Option(..., "--type", help="Kind of organisation"),
    acronym: str = typer.Option(None, help="Acronym, e.g. WHO"),
    country: str = typer.Option(None, help="Country: alpha-2, alpha-3 or name"),
    parent: str = typer.Option(None, help="Parent organisation: id, name, acronym or alias"),
    website: str = typer.Option(None, help="https://..."),
    description: str = typer.Option(None),
    alias: list[str] = typer.Option([], "--alias", help="Another name (repeat)"),
    as_json: bool = JsonOption,
) -> None:
    """Register an organisation; a taken name or alias is refused with the existing id."""
    context = get(ctx)
    with context.transaction() as session:
        parent_id = service.resolve_organisation(session, parent).id if parent else None
        data = OrganisationCreate(
            name=name,
            type=type,
            acronym=acronym,
            country=country,
            parent_id=parent_id,
            website=website,
            description=description,
            aliases=alias,
        )
        org = _public(service.create_organisation(session, context.actor, data))
    _print_organisation(org, as_json, "Registered")


@app.command("list")
def list_organisations(
    ctx: typer.Context,
    type: OrganisationType = typer.Option(None, "--type", help="Only this kind"),
    country: str = typer.Option(None, help="Only this country"),
    parent: str = typer.Option(None, help="Only parts of this organisation"),
    q: str = typer.Option(None, "--q", help="Name, acronym or alias contains"),
    limit: int = typer.Option(200, min=1, max=100000),
    offset: int = typer.Option(0, min=0),
    as_json: bool = JsonOption,
) -> None:
    """List organisations by name."""
    context = get(ctx)
    with context.transaction() as session:
        parent_id = service.resolve_organisation(session, parent).id if parent else None
        page = service.list_organisations(
            session, type=type, country=country, q=q, parent_id=parent_id, limit=limit, offset=offset
        )
        rows = [_public(o) for o in page.items]
    if as_json:
        print_json({"data": [r.model_dump(mode="json") for r in rows], "count": page.count})
        return
    print_table(f"Organisations ({page.count})", ORG_HEADER, [_row(r) for r in rows])


@app.command("search")
def search(
    ctx: typer.Context,
    q: str = typer.Argument(..., help="Name, acronym or alias, or part of one"),
    limit: int = typer.Option(20, min=1, max=1000),
    as_json: bool = JsonOption,
) -> None:
    """Find organisations by name, acronym or alias: exact matches first, then prefixes, then the rest."""
    context = get(ctx)
    with context.transaction() as session:
        hits = [(h, _public(h.organisation)) for h in service.search(session, q, limit=limit)]
    if as_json:
        print_json(
            [
                {
                    "organisation": o.model_dump(mode="json"),
                    "matched": h.matched,
                    "matched_kind": h.matched_kind.value,
                    "rank": h.rank,
                }
                for h, o in hits
            ]
        )
        return
    rank_names = {0: "exact", 1: "prefix", 2: "contains"}
    print_table(
        f"Matches for {q!r}",
        ["id", "name", "acronym", "type", "country", "matched", "match"],
        [[o.id, o.name, o.acronym, o.type.value, o.country_code, h.matched, rank_names[h.rank]] for h, o in hits],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="Id, name, acronym or alias"),
    as_json: bool = JsonOption,
) -> None:
    """Show an organisation with its parts, networks, members and joint actions."""
    context = get(ctx)
    with context.transaction() as session:
        org = service.resolve_organisation(session, organisation)
        public = _public(org)
        parts = [_public(c) for c in service.children(session, org.id)]
        member_of = [MembershipPublic.of(m) for m in networks.memberships_of(session, org.id)]
        members = (
            [MembershipPublic.of(m) for m in networks.list_members(session, org.id)]
            if org.type is OrganisationType.NETWORK
            else []
        )
        actions = [
            JointActionPublic.of(a)
            for a in networks.list_joint_actions(session, organisation_id=org.id, limit=1000).items
        ]
    if as_json:
        print_json(
            public.model_dump(mode="json")
            | {
                "children": [{"id": c.id, "name": c.name} for c in parts],
                "networks": [{"id": m.network_id, "name": m.network_name, "role": m.role} for m in member_of],
                "members": [m.model_dump(mode="json") for m in members],
                "joint_actions": [a.model_dump(mode="json") for a in actions],
            }
        )
        return
    print_table(None, ["field", "value"], [*zip(ORG_HEADER, _row(public), strict=True), ("website", public.website)])
    if parts:
        print_table("Parts", ["id", "name"], [[c.id, c.name] for c in parts])
    if member_of:
        print_table("Networks", ["id", "name", "role"], [[m.network_id, m.network_name, m.role] for m in member_of])
    if members:
        print_table(
            "Members",
            ["id", "name", "role", "since"],
            [[m.member_id, m.member_name, m.role, m.joined_on] for m in members],
        )
    if actions:
        _print_actions(actions)


@app.command("edit")
def edit(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="Id, name, acronym or alias"),
    name: str = typer.Option(None),
    type: OrganisationType = typer.Option(None, "--type"),
    acronym: str = typer.Option(None, help="New acronym; '' clears it"),
    country: str = typer.Option(None, help="New country; '' clears it"),
    parent: str = typer.Option(None, help="New parent: id, name, acronym or alias; '' clears it"),
    website: str = typer.Option(None, help="New website; '' clears it"),
    description: str = typer.Option(None, help="New description; '' clears it"),
    as_json: bool = JsonOption,
) -> None:
    """Change the fields given; the rest stay as they are."""
    context = get(ctx)
    with context.transaction() as session:
        org = service.resolve_organisation(session, organisation)
        changes: dict[str, Any] = {
            k: v
            for k, v in {
                "name": name,
                "type": type,
                "acronym": acronym,
                "country": country,
                "website": website,
                "description": description,
            }.items()
            if v is not None
        }
        if parent is not None:
            changes["parent_id"] = service.resolve_organisation(session, parent).id if parent else None
        updated = service.update_organisation(session, context.actor, org.id, OrganisationUpdate(**changes))
        public = _public(updated)
    _print_organisation(public, as_json, "Saved")


@alias_app.command("add")
def alias_add(
    ctx: typer.Context,
    organisation: str = typer.Argument(..., help="Id, name, acronym or alias"),
    alias: str = typer.Argument(..., help="The other name"),
    as_json: bool = JsonOption,
) -> None:
    """Add another name an organisation goes by; refused if another organisation has it."""
    context = get(ctx)
    with context.transaction() as session:
        org = service.resolve_organisation(session, organisation)
        public = _public(service.add_alias(session, context.actor, org.id, alias))
    if as_json:
        print_json(public.model_dump(mode="json"))
    else:
        console.print(f"{public.name} is also known as: {'; '.join(public.aliases)}", markup=False)


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    network: str = typer.Argument(..., help="The network: id, name, acronym or alias"),
    member: str = typer.Argument(..., help="The member: id, name, acronym or alias"),
    role: str = typer.Option(None, help="Role in the network"),
    joined: dt.datetime = typer.Option(None, formats=["%Y-%m-%d"], help="Member since (YYYY-MM-DD)"),
    as_json: bool = JsonOption,
) -> None:
    """Make an organisation a member of a network."""
    context = get(ctx)
    with context.transaction() as session:
        network_id = service.resolve_organisation(session, network).id
        member_id = service.resolve_organisation(session, member).id
        data = MembershipCreate(member_id=member_id, role=role, joined_on=joined.date() if joined else None)
        public = MembershipPublic.of(networks.add_network_member(session, context.actor, network_id, data))
    if as_json:
        print_json(public.model_dump(mode="json"))
    else:
        console.print(f"{public.member_name} is now a member of {public.network_name}", markup=False)


@member_app.command("remove")
def member_remove(
    ctx: typer.Context,
    network: str = typer.Argument(..., help="The network: id, name, acronym or alias"),
    member: str = typer.Argument(..., help="The member: id, name, acronym or alias"),
) -> None:
    """End a membership."""
    context = get(ctx)
    with context.transaction() as session:
        network_org = service.resolve_organisation(session, network)
        member_org = service.resolve_organisation(session, member)
        networks.remove_network_member(session, context.actor, network_org.id, member_org.id)
    console.print(f"{member_org.name} is no longer a member of {network_org.name}", markup=False)


@joint_action_app.command("add")
def joint_action_add(
    ctx: typer.Context,
    network: str = typer.Argument(..., help="The network: id, name, acronym or alias"),
    title: str = typer.Option(..., help="What the action is"),
    description: str = typer.Option(None),
    start: dt.datetime = typer.Option(None, formats=["%Y-%m-%d"], help="Start date (YYYY-MM-DD)"),
    end: dt.datetime = typer.Option(None, formats=["%Y-%m-%d"], help="End date (YYYY-MM-DD)"),
    status: JointActionStatus = typer.Option(JointActionStatus.PLANNED),
    participant: list[str] = typer.Option([], "--participant", help="Participating organisation (repeat)"),
    country: list[str] = typer.Option([], "--country", help="Partner country: code or name (repeat)"),
    as_json: bool = JsonOption,
) -> None:
    """Record a joint action of a network."""
    context = get(ctx)
    with context.transaction() as session:
        data = JointActionCreate(
            network_id=service.resolve_organisation(session, network).id,
            title=title,
            description=description,
            start_date=start.date() if start else None,
            end_date=end.date() if end else None,
            status=status,
            participant_ids=[service.resolve_organisation(session, p).id for p in participant],
            countries=country,
        )
        public = JointActionPublic.of(networks.create_joint_action(session, context.actor, data))
    if as_json:
        print_json(public.model_dump(mode="json"))
    else:
        console.print(f"Recorded joint action {public.id}: {public.title} ({public.network_name})", markup=False)


@app.command("joint-actions")
def joint_actions(
    ctx: typer.Context,
    network: str = typer.Option(None, help="Only this network's actions"),
    organisation: str = typer.Option(None, help="Only actions this organisation runs or takes part in"),
    country: str = typer.Option(None, help="Only actions with this partner country"),
    status: JointActionStatus = typer.Option(None),
    limit: int = typer.Option(200, min=1, max=100000),
    as_json: bool = JsonOption,
) -> None:
    """List joint actions, newest first."""
    context = get(ctx)
    with context.transaction() as session:
        page = networks.list_joint_actions(
            session,
            network_id=service.resolve_organisation(session, network).id if network else None,
            organisation_id=service.resolve_organisation(session, organisation).id if organisation else None,
            country=country,
            status=status,
            limit=limit,
        )
        actions = [JointActionPublic.of(a) for a in page.items]
    if as_json:
        print_json({"data": [a.model_dump(mode="json") for a in actions], "count": page.count})
        return
    _print_actions(actions)


def _print_actions(actions: list[JointActionPublic]) -> None:
    print_table(
        "Joint actions",
        ["id", "network", "title", "status", "start", "end", "participants", "countries"],
        [
            [
                a.id,
                a.network_name,
                a.title,
                a.status.value,
                a.start_date,
                a.end_date,
                "; ".join(p.name for p in a.participants),
                ", ".join(a.countries),
            ]
            for a in actions
        ],
    )
