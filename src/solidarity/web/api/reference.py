"""Reference data: countries, currencies and exchange rates, populations, units and the item catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from solidarity.reference import service
from solidarity.reference.countries import resolve_country
from solidarity.reference.currencies import all_currencies, decimal_text, ecb_currencies
from solidarity.reference.models import ItemCategory
from solidarity.reference.schemas import (
    ConversionPublic,
    CountryPublic,
    CurrencyPublic,
    ItemCreate,
    ItemPublic,
    PopulationOverrideIn,
    PopulationPublic,
    RatePublic,
    UnitPublic,
)
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/reference", tags=["reference"])


def country_public(facts: service.CountryFacts) -> CountryPublic:
    c, pop = facts.country, facts.population
    return CountryPublic(
        alpha2=c.alpha2,
        alpha3=c.alpha3,
        numeric=c.numeric,
        name=c.name,
        official_name=c.official_name,
        who_region=c.who_region,
        is_iso=c.is_iso,
        population=pop.value if pop else None,
        population_year=pop.year if pop else None,
        population_source=pop.source if pop else None,
    )


@router.get("/countries")
def list_countries(
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Code or part of a name")] = None,
    who_region: Annotated[str | None, Query(description="AFRO, AMRO, SEARO, EURO, EMRO or WPRO")] = None,
) -> Response:
    """Countries and territories with their WHO region and population; ``?format=csv`` for all of them."""
    rows = [country_public(f) for f in service.list_countries(session, q=q, who_region=who_region)]
    return listing(
        page,
        filename="countries.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/countries/{code}")
def get_country(code: str, session: SessionDep) -> CountryPublic:
    """One country by ISO alpha-2, alpha-3 or a known name (``NA`` is Namibia)."""
    country = resolve_country(code, field="code")
    return country_public(service.CountryFacts(country, service.find_population(session, country)))


@router.get("/currencies")
def list_currencies(page: PageDep) -> Response:
    """ISO 4217 currencies, and whether the packaged ECB history has rates for them."""
    ecb = ecb_currencies()
    rows = [
        CurrencyPublic(code=c.code, name=c.name, numeric=c.numeric, has_ecb_rates=c.code in ecb)
        for c in all_currencies()
    ]
    return listing(
        page,
        filename="currencies.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/fx/convert")
def convert(
    session: SessionDep,
    amount: Annotated[Decimal, Query(description="Amount in the currency")],
    currency: Annotated[str, Query(min_length=1, max_length=10, description="ISO 4217 code")],
    date: Annotated[dt.date, Query(description="Day of the rate, YYYY-MM-DD")],
) -> ConversionPublic:
    """An amount in USD with the rate used, the day it was published and its source."""
    result = service.convert_to_usd(session, amount, currency, date)
    return ConversionPublic(
        amount=decimal_text(result.amount),
        currency=result.currency,
        requested_date=date,
        amount_usd=f"{result.amount_usd:f}",
        rate_to_usd=decimal_text(result.rate),
        rate_date=result.rate_date,
        source=result.source,
    )


@router.get("/fx/rates")
def get_rate(
    session: SessionDep,
    currency: Annotated[str, Query(min_length=1, max_length=10, description="ISO 4217 code")],
    date: Annotated[dt.date, Query(description="Day of the rate, YYYY-MM-DD")],
) -> RatePublic:
    """USD per unit of a currency on a day: an imported rate first, else the ECB's."""
    quote = service.rate_to_usd(session, currency, date)
    return RatePublic(
        currency=quote.currency,
        date=quote.date,
        requested_date=date,
        rate_to_usd=decimal_text(quote.rate),
        source=quote.source,
    )


@router.get("/items")
def list_items(
    session: SessionDep,
    page: PageDep,
    category: ItemCategory | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The shared item catalogue."""
    rows = [ItemPublic.model_validate(i) for i in service.list_items(session, category=category, q=q)]
    return listing(
        page,
        filename="items.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/items/{code}")
def get_item(code: str, session: SessionDep) -> ItemPublic:
    return ItemPublic.model_validate(service.get_item(session, code))


@router.post("/items", status_code=201)
def create_item(data: ItemCreate, actor: ActorDep, session: SessionDep) -> ItemPublic:
    """Add a catalogue item; coordinators of the reference module and admins only."""
    return ItemPublic.model_validate(service.create_item(session, actor, data))


@router.get("/units")
def list_units(session: SessionDep, page: PageDep) -> Response:
    rows = [UnitPublic.model_validate(u) for u in service.list_units(session)]
    return listing(
        page,
        filename="units.csv",
        rows=rows[page.offset : page.offset + page.limit],
        count=len(rows),
        all_rows=lambda: rows,
    )


@router.get("/populations/{country}")
def get_population(
    country: str,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> PopulationPublic:
    """The population used for rates per 100,000: a user override first, else the packaged figure."""
    quote = service.population(session, country, year)
    found = resolve_country(country)
    return PopulationPublic(country=found.alpha2, population=quote.value, year=quote.year, source=quote.source)


@router.put("/populations/{country}")
def set_population(country: str, data: PopulationOverrideIn, actor: ActorDep, session: SessionDep) -> PopulationPublic:
    """Override a country's population for a year; coordinators of the reference module and admins only."""
    row = service.set_population_override(
        session, actor, country, population=data.population, year=data.year, source=data.source
    )
    return PopulationPublic(country=row.country, population=row.population, year=row.year, source=row.source)
