"""`solidarity user` and `solidarity token`: accounts and API tokens."""

from __future__ import annotations

import sys

import typer

from solidarity.actor import Role
from solidarity.cli.context import JsonOption, console, get, print_json, print_table
from solidarity.errors import Invalid
from solidarity.partners import access, service

user_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@user_app.command("create")
def create_user(
    ctx: typer.Context,
    email: str = typer.Option(..., help="Login e-mail"),
    organisation: str = typer.Option(..., help="Organisation id, name, acronym or alias"),
    role: Role = typer.Option(Role.VIEWER, help="viewer, editor, coordinator or admin"),
    name: str = typer.Option("", help="Display name (default: the e-mail)"),
    module: list[str] = typer.Option([], "--module", help="Module a coordinator coordinates (repeat; none = all)"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
    as_json: bool = JsonOption,
) -> None:
    """Create a user; the password is asked for, or read from standard input with --password-stdin."""
    context = get(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise Invalid("No password given", details=[{"field": "password"}])
    with context.transaction() as session:
        org = service.resolve_organisation(session, organisation)
        user = access.create_user(
            session,
            context.actor,
            email=email,
            name=name or email,
            password=password,
            organisation_id=org.id,
            role=role,
            modules=module,
        )
        summary = access.user_summary(user)
    if as_json:
        print_json(summary)
    else:
        console.print(
            f"Created user {summary['id']}: {summary['email']} ({summary['role']}) of {org.name}",
            markup=False,
        )


@user_app.command("list")
def list_users(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List every user."""
    context = get(ctx)
    with context.transaction() as session:
        users = [access.user_summary(u) for u in access.list_users(session, context.actor)]
    if as_json:
        print_json(users)
        return
    rows = [
        (u["id"], u["email"], u["name"], u["organisation_id"], u["role"], "yes" if u["is_active"] else "no")
        for u in users
    ]
    print_table("Users", ["id", "e-mail", "name", "organisation", "role", "active"], rows)


@token_app.command("create")
def create_token(
    ctx: typer.Context,
    user: str = typer.Option(..., help="User e-mail or id"),
    name: str = typer.Option(..., help="What the token is for"),
    days: int = typer.Option(None, min=1, max=3650, help="Lifetime in days (default: SOLIDARITY_TOKEN_DEFAULT_DAYS)"),
    as_json: bool = JsonOption,
) -> None:
    """Issue an API token and print it once; only its hash is stored."""
    context = get(ctx)
    with context.transaction() as session:
        owner = access.find_user(session, user)
        issued = access.create_token(session, context.actor, context.settings, user_id=owner.id, name=name, days=days)
    if as_json:
        print_json({"id": issued.id, "name": issued.name, "token": issued.token, "expires_at": issued.expires_at})
    else:
        console.print(f"Token {issued.id} for {owner.email}, valid until {issued.expires_at:%Y-%m-%d}.", markup=False)
        console.print("Copy it now; it will not be shown again:", markup=False)
        console.print(issued.token, markup=False)


@token_app.command("list")
def list_tokens(
    ctx: typer.Context, user: str = typer.Option(..., help="User e-mail or id"), as_json: bool = JsonOption
) -> None:
    """List a user's tokens (never their clear text)."""
    context = get(ctx)
    with context.transaction() as session:
        owner = access.find_user(session, user)
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
                "last_used_at": t.last_used_at,
            }
            for t in access.list_tokens(session, context.actor, user_id=owner.id)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Tokens of {owner.email}",
        ["id", "name", "starts with", "expires", "revoked", "last used"],
        [list(r.values()) for r in rows],
    )


@token_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: int = typer.Argument(..., help="Token id")) -> None:
    """Revoke a token at once."""
    context = get(ctx)
    with context.transaction() as session:
        row = access.revoke_token(session, context.actor, token_id)
    console.print(f"Token {row.id} ({row.name}) revoked", markup=False)
