"""`solidarity db`: schema migrations."""

from __future__ import annotations

import typer

from solidarity.cli.context import console, get
from solidarity.db import migrate
from solidarity.db.engine import redact

app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply every pending migration (creates the SQLite file if needed)."""
    context = get(ctx)
    migrate.upgrade(context.engine, revision)
    url = redact(context.settings.effective_database_url)
    console.print(f"Database {url} is at revision {migrate.current_revision(context.engine)}", markup=False)


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the schema revision and whether migrations are pending."""
    context = get(ctx)
    revision, head = migrate.current_revision(context.engine), migrate.head_revision()
    state = "up to date" if revision == head else f"behind head {head}: run `solidarity db upgrade`"
    console.print(f"{revision or 'empty'} ({state})", markup=False)


@app.command("revision")
def revision(
    ctx: typer.Context,
    message: str = typer.Option(..., "--message", "-m", help="What the migration does"),
    revision_id: str = typer.Option(..., "--id", help="The new revision id, e.g. 0004"),
) -> None:
    """For developers: write a migration for model changes (the database must be at head)."""
    context = get(ctx)
    migrate.upgrade(context.engine)
    for path in migrate.new_revision(context.engine, message, revision_id):
        console.print(f"Wrote {path}; read it before committing", markup=False)
