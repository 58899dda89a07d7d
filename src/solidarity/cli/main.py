"""Entry point: builds the Typer app, loads settings, and turns every error into `Error: ...` and exit 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from typer.exceptions import TyperException

from solidarity.cli import accounts, audit, database, demo, partners, serve
from solidarity.cli import allocation as allocation_cli
from solidarity.cli import assistance as assistance_cli
from solidarity.cli import genomes as genomes_cli
from solidarity.cli import hubs as hubs_cli
from solidarity.cli import knowledge as knowledge_cli
from solidarity.cli import reference as reference_cli
from solidarity.cli import reporting as reporting_cli
from solidarity.cli.context import CliContext, err_console
from solidarity.config import load_settings
from solidarity.errors import SolidarityError

app = typer.Typer(
    name="solidarity",
    help="Solidarity: epidemic reporting, genomes, knowledge, assistance, hubs and allocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Settings come from SOLIDARITY_* variables and .env; see docs/settings.md."""
    ctx.obj = CliContext(settings=load_settings())
    ctx.call_on_close(ctx.obj.close)


app.add_typer(database.app, name="db")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")
app.add_typer(audit.app, name="audit")
app.add_typer(partners.app, name="partners")
app.add_typer(reference_cli.app, name="reference")
app.add_typer(reporting_cli.app, name="reporting")
app.add_typer(assistance_cli.app, name="assistance")
app.add_typer(genomes_cli.app, name="genomes")
app.add_typer(hubs_cli.app, name="hubs")
app.add_typer(knowledge_cli.app, name="knowledge")
app.add_typer(allocation_cli.app, name="allocation")
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI. Exit codes: 0 done, 1 aborted, 2 bad input or a refused action."""
    try:
        result = app(args=list(argv) if argv is not None else None, prog_name="solidarity", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except TyperException as exc:  # usage errors: unknown option, missing value, bad choice
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"Error: {exc}", markup=False)
        sys.exit(2)
    except SolidarityError as exc:
        err_console.print(f"Error: {exc.message}", markup=False)
        for detail in exc.details if isinstance(exc.details, list) else [exc.details]:
            if detail:
                err_console.print(f"  {_describe_detail(detail)}", markup=False)
        sys.exit(2)
    sys.exit(result if isinstance(result, int) else 0)


def _describe_detail(detail: object) -> str:
    if isinstance(detail, dict):
        return ", ".join(f"{key}={value}" for key, value in detail.items())
    return str(detail)
