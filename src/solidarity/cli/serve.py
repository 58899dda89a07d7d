"""`solidarity serve`: the web app and API."""

from __future__ import annotations

import typer
import uvicorn

from solidarity.cli.context import console, get
from solidarity.web.app import create_app


def serve(
    ctx: typer.Context,
    host: str = typer.Option(None, "--host", help="Address to bind (default: SOLIDARITY_HOST)"),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default: SOLIDARITY_PORT)"),
) -> None:
    """Serve the web app and the API until interrupted."""
    settings = get(ctx).settings
    settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    app = create_app(settings)
    console.print(f"Solidarity is serving on http://{settings.host}:{settings.port}  (API docs: /api/docs)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower(), proxy_headers=True)
