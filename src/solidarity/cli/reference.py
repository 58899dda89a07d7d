"""`solidarity reference`: countries, populations, currency conversion, rate tables, the item catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from solidarity.cli.context import JsonOption, console, err_console, get, print_json, print_table
from solidarity.errors import Invalid
from solidarity.reference import service
from solidarity.reference.countries import resolve_country
from solidarity.reference.currencies import decimal_text
from solidarity.reference.models import ItemCategory

app = typer.Typer(help="Countries, populations, currencies and exchange rates, units and items.", no_args_is_help=True)
rates_app = typer.Typer(help="Import exchange-rate tables.", no_args_is_help=True)
app.add_typer(rates_app, name="rates")


def _country_dict(facts: service.CountryFacts) -> dict[str, Any]:
    c, pop = facts.country, facts.population
    return {
        "alpha2": c.alpha2,
        "alpha3": c.alpha3,
        "name": c.name,
        "who_region": c.who_region,
        "is_iso": c.is_iso,
        "population": pop.value if pop else None,
        "population_year": pop.year if pop else None,
        "population_source": pop.source if pop else None,
    }


@app.command("country")
def country(
    ctx: typer.Context, lookup: str = typer.Argument(..., help="Alpha-2, alpha-3 or name"), as_json: bool = JsonOption
) -> None:
    """Look a country up by code or name (NA is Namibia)."""
    found = resolve_country(lookup)
    context = get(ctx)
    with context.transaction() as session:
        facts = _country_dict(service.CountryFacts(found, service.find_population(session, found)))
    if as_json:
        print_json(facts)
        return
    population = (
        f"{facts['population']:,} ({facts['population_year']}, {facts['population_source']})"
        if facts["population"] is not None
        else "unknown"
    )
    for label, value in (
        ("alpha-2", facts["alpha2"]),
        ("alpha-3", facts["alpha3"]),
        ("name", facts["name"]),
        ("WHO region", facts["who_region"] or "none"),
        ("population", population),
    ):
        console.print(f"{label:<11} {value}", markup=False)


@app.command("countries")
def countries(
    ctx: typer.Context,
    who_region: str = typer.Option(None, "--who-region", help="AFRO, AMRO, SEARO, EURO, EMRO or WPRO"),
    as_json: bool = JsonOption,
) -> None:
    """List countries and territories with WHO region and population."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [_country_dict(f) for f in service.list_countries(session, who_region=who_region)]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Countries ({len(rows)})",
        ["alpha-2", "alpha-3", "name", "WHO region", "population"],
        [
            (r["alpha2"], r["alpha3"], r["name"], r["who_region"], f"{r['population']:,}" if r["population"] else "")
            for r in rows
        ],
    )


def _decimal(text: str, field: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise Invalid(f"{field} {text!r} is not a number", details=[{"field": field, "value": text}]) from None
    return value


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"{field} {text!r} is not a date in YYYY-MM-DD form", details=[{"field": field, "value": text}]
        ) from None


@app.command("convert")
def convert(
    ctx: typer.Context,
    amount: str = typer.Argument(..., help="Amount, such as 1250.50"),
    currency: str = typer.Argument(..., help="ISO 4217 code"),
    date: str = typer.Option(..., "--date", help="Day of the rate, YYYY-MM-DD"),
    as_json: bool = JsonOption,
) -> None:
    """Convert an amount to USD; prints the rate, the day it was published and its source."""
    value, day = _decimal(amount, "amount"), _date(date, "date")
    context = get(ctx)
    with context.transaction() as session:
        result = service.convert_to_usd(session, value, currency, day)
    data = {
        "amount": decimal_text(result.amount),
        "currency": result.currency,
        "amount_usd": f"{result.amount_usd:f}",
        "rate_to_usd": decimal_text(result.rate),
        "rate_date": result.rate_date.isoformat(),
        "requested_date": day.isoformat(),
        "source": result.source,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"{data['amount']} {data['currency']} = {result.amount_usd:,.2f} USD", markup=False)
    note = "" if result.rate_date == day else f" (last published on or before {day.isoformat()})"
    console.print(f"rate {data['rate_to_usd']} USD per {data['currency']} of {data['rate_date']}{note}", markup=False)
    console.print(f"source {data['source']}", markup=False)


@rates_app.command("import")
def import_rates(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV with currency,date and rate_to_usd or units_per_usd"),
    name: str = typer.Option(..., "--name", help="Name of the table, such as 'UN operational rates 2021'"),
    source: str = typer.Option(..., "--source", help="Where the rates come from"),
    as_json: bool = JsonOption,
) -> None:
    """Import a rate table, all or nothing; importing the same file again changes nothing."""
    context = get(ctx)
    columns = (TextColumn("Storing rates"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as bar, context.transaction() as session:
        task = bar.add_task("rates", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = service.import_rate_table(session, context.actor, file, name=name, source=source, progress=advance)
    if as_json:
        print_json(report.as_dict())
    elif report.is_duplicate_file:
        console.print(
            f"{report.file} was imported before as rate table {report.version}; nothing changed", markup=False
        )
    else:
        console.print(
            f"Imported {report.accepted} rates from {report.file} as rate table {report.version}", markup=False
        )


@app.command("population")
def population(
    ctx: typer.Context,
    country_lookup: str = typer.Argument(..., metavar="COUNTRY", help="Alpha-2, alpha-3 or name"),
    set_value: int = typer.Option(None, "--set", min=0, help="Set this population as an override"),
    year: int = typer.Option(None, "--year", min=1900, max=2200, help="Year of the figure"),
    source: str = typer.Option(None, "--source", help="Where the figure comes from (with --set)"),
    as_json: bool = JsonOption,
) -> None:
    """Show the population used for a country, or set an override with --set N --year Y --source S."""
    context = get(ctx)
    found = resolve_country(country_lookup)
    with context.transaction() as session:
        if set_value is not None:
            missing = [f"--{n}" for n, v in (("year", year), ("source", source)) if v is None]
            if missing:
                raise Invalid(
                    f"--set needs {' and '.join(missing)}", details=[{"field": m, "value": None} for m in missing]
                )
            service.set_population_override(
                session, context.actor, found.alpha2, population=set_value, year=year, source=source
            )
        quote = service.population(session, found.alpha2, year)
    data = {
        "country": found.alpha2,
        "name": found.name,
        "population": quote.value,
        "year": quote.year,
        "source": quote.source,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"{found.name} ({found.alpha2}): {quote.value:,} in {quote.year}, {quote.source}", markup=False)


@app.command("items")
def items(
    ctx: typer.Context,
    category: ItemCategory = typer.Option(None, "--category", help="Only this category"),
    as_json: bool = JsonOption,
) -> None:
    """List the shared item catalogue."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [
            {
                "code": i.code,
                "name": i.name,
                "category": i.category.value,
                "unit": i.unit_code,
                "pack_size": i.pack_size,
                "shelf_life_days": i.shelf_life_days,
                "needs_cold_chain": i.needs_cold_chain,
            }
            for i in service.list_items(session, category=category)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Items ({len(rows)})",
        ["code", "name", "category", "unit", "pack", "shelf life (days)", "cold chain"],
        [
            (
                r["code"],
                r["name"],
                r["category"],
                r["unit"],
                r["pack_size"],
                r["shelf_life_days"],
                "yes" if r["needs_cold_chain"] else "",
            )
            for r in rows
        ],
    )
