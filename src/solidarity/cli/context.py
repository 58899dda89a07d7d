"""What every command gets: the settings, and a database opened only when a command needs it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import Settings
from solidarity.db import make_engine, make_sessionmaker, ping, transaction


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings)
            ping(self._engine)
        return self._engine

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.sessionmaker) as session:
            yield session

    @property
    def actor(self) -> Actor:
        """Commands run with the operator's full rights; audit rows name them ``cli``."""
        return Actor.system("cli")

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def get(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj


console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(title: str | None, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for n, column in enumerate(header):
        table.add_column(column, no_wrap=n == 0)  # the first column names the row: kept whole
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")
