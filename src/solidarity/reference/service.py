"""The reference module's verbs: populations, conversions to USD, rate-table imports, the catalogue.

Precedence, everywhere:

- population: a user override for the country (the asked year, or the latest year when none is
  asked) wins over the packaged World Bank figure;
- exchange rates: a rate from an imported table, dated on or before the day and at most
  ``USER_LOOKBACK_DAYS`` earlier (the newest import first), wins over the ECB; the ECB rate is the
  last one published on or before the day (at most ``currencies.MAX_LOOKBACK_DAYS`` earlier).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.imports import ImportReport, check_upload_name
from solidarity.reference.countries import Country, all_countries, find_country, normalise, resolve_country
from solidarity.reference.countries import countries_in_region as _countries_in_region
from solidarity.reference.currencies import (
    RateQuote,
    ecb_currencies,
    ecb_rate_to_usd,
    find_currency,
)
from solidarity.reference.models import ExchangeRate, Item, ItemCategory, PopulationOverride, RateTable, Unit
from solidarity.reference.populations import PopulationQuote, packaged_population
from solidarity.reference.ratetable import parse_rate_table
from solidarity.reference.schemas import ItemCreate

MODULE = "reference"
USER_LOOKBACK_DAYS = 31
CENT = Decimal("0.01")


# --- populations ---------------------------------------------------------------------------------


def _override_quote(row: PopulationOverride) -> PopulationQuote:
    return PopulationQuote(value=row.population, year=row.year, source=row.source)


def find_population(session: Session, country: Country, year: int | None = None) -> PopulationQuote | None:
    """The population to use for ``country``, or ``None`` if neither an override nor a packaged one exists."""
    query = select(PopulationOverride).where(PopulationOverride.country == country.alpha2)
    if year is not None:
        query = query.where(PopulationOverride.year == year)
    row = session.scalars(query.order_by(PopulationOverride.year.desc()).limit(1)).first()
    if row is not None:
        return _override_quote(row)
    return packaged_population(country.alpha2)


def population(session: Session, country: str, year: int | None = None) -> PopulationQuote:
    """The population of a country (code or name): a user override first, else the packaged figure.

    With ``year``, an override for that year wins; otherwise the packaged figure is returned with its
    own year, so the caller sees it describes another year. Raises ``Invalid`` for an unknown country,
    ``NotFound`` when no figure exists (territories the World Bank does not list, without override).
    """
    found = resolve_country(country)
    quote = find_population(session, found, year)
    if quote is None:
        raise NotFound(
            f"No population known for {found.name} ({found.alpha2}); set one with an override",
            details=[{"field": "country", "value": country, "reason": "no packaged population"}],
        )
    return quote


def set_population_override(
    session: Session, actor: Actor, country: str, *, population: int, year: int, source: str
) -> PopulationOverride:
    """Set the population of a country for a year, replacing an earlier override of the same year.

    Raises ``Forbidden`` unless ``actor`` coordinates the reference module or is an admin, ``Invalid``
    for an unknown country, a negative population or an empty source.
    """
    actor.require_write(MODULE, None)
    found = resolve_country(country)
    if population < 0:
        raise Invalid(
            f"Population {population} is negative",
            details=[{"field": "population", "value": population, "reason": "must be 0 or more"}],
        )
    if not source.strip():
        raise Invalid("Say where the figure comes from", details=[{"field": "source", "value": source}])
    row = session.scalar(
        select(PopulationOverride).where(PopulationOverride.country == found.alpha2, PopulationOverride.year == year)
    )
    before = audit.snapshot(row) if row is not None else None
    if row is None:
        row = PopulationOverride(country=found.alpha2, year=year, population=population, source=source.strip())
        session.add(row)
    else:
        row.population, row.source = population, source.strip()
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="set_population_override",
        entity_type="population_override",
        entity_id=f"{found.alpha2}:{year}",
        before=before,
        after=audit.snapshot(row),
    )
    return row


@dataclass(frozen=True)
class CountryFacts:
    country: Country
    population: PopulationQuote | None


def list_countries(session: Session, *, q: str | None = None, who_region: str | None = None) -> list[CountryFacts]:
    """Countries matching a code or part of a name and a WHO region, each with its population."""
    countries = _countries_in_region(who_region) if who_region else all_countries()
    if q and q.strip():
        exact = find_country(q)
        key = normalise(q)
        matches = [c for c in countries if c != exact and key and key in normalise(c.name)]
        countries = ([exact] if exact in countries else []) + matches
    latest: dict[str, PopulationOverride] = {}
    for row in session.scalars(select(PopulationOverride).order_by(PopulationOverride.year)):
        latest[row.country] = row
    return [
        CountryFacts(
            country=c,
            population=_override_quote(latest[c.alpha2]) if c.alpha2 in latest else packaged_population(c.alpha2),
        )
        for c in countries
    ]


# --- exchange rates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """An amount in USD with the rate used, the day that rate was published and its source."""

    amount: Decimal
    currency: str
    amount_usd: Decimal
    rate: Decimal
    rate_date: dt.date
    source: str


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if find_currency(code) is None and code not in ecb_currencies():
        raise Invalid(
            f"Unknown currency {currency!r}: give an ISO 4217 code such as USD, EUR or XOF",
            details=[{"field": "currency", "value": currency, "reason": "not an ISO 4217 currency code"}],
        )
    return code


def _user_rate(session: Session, currency: str, on: dt.date) -> RateQuote | None:
    row = session.scalars(
        select(ExchangeRate)
        .where(
            ExchangeRate.currency == currency,
            ExchangeRate.date <= on,
            ExchangeRate.date >= on - dt.timedelta(days=USER_LOOKBACK_DAYS),
        )
        .order_by(ExchangeRate.date.desc(), ExchangeRate.rate_table_id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return RateQuote(currency=currency, rate=Decimal(row.rate_to_usd).normalize(), date=row.date, source=row.source)


def rate_to_usd(session: Session, currency: str, on: dt.date) -> RateQuote:
    """USD per unit of ``currency`` on ``on``: an imported rate first, else the ECB's.

    Raises ``Invalid`` naming the currency and date when the code is unknown or no rate exists;
    a rate is never guessed.
    """
    code = _check_currency(currency)
    if code == "USD":
        return RateQuote(currency="USD", rate=Decimal(1), date=on, source="identity")
    quote = _user_rate(session, code, on) or ecb_rate_to_usd(code, on)
    if quote is None:
        raise Invalid(
            f"No exchange rate for {code} on {on.isoformat()}: the ECB does not publish it for that day "
            "and no imported rate table has it; import one with `solidarity reference rates import`",
            details=[{"field": "currency", "value": code, "reason": f"no rate on or shortly before {on.isoformat()}"}],
        )
    return quote


def convert_to_usd(session: Session, amount: Decimal, currency: str, on: dt.date) -> Conversion:
    """``amount`` of ``currency`` in USD on ``on``, rounded to the cent, with the rate, its date and source.

    Raises ``Invalid`` for an unknown currency, a non-finite amount or a missing rate.
    """
    if not amount.is_finite():
        raise Invalid(f"Amount {amount} is not a number", details=[{"field": "amount", "value": str(amount)}])
    quote = rate_to_usd(session, currency, on)
    return Conversion(
        amount=amount,
        currency=quote.currency,
        amount_usd=(amount * quote.rate).quantize(CENT, rounding=ROUND_HALF_UP),
        rate=quote.rate,
        rate_date=quote.date,
        source=quote.source,
    )


def import_rate_table(
    session: Session,
    actor: Actor,
    file: Path | str | BinaryIO,
    *,
    name: str,
    source: str,
    filename: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV of rates (``currency,date,rate_to_usd`` or ``units_per_usd``), all or nothing.

    Returns the shared ``ImportReport``; its ``version`` is the rate table's id. A file whose content
    was imported before changes nothing: the report has ``is_duplicate_file`` and the earlier table.
    Raises ``Forbidden`` unless ``actor`` coordinates the reference module or is an admin, and
    ``Invalid`` listing every bad line (file, line, field, value, reason) before anything is written.
    ``progress(done, total)`` is called as rows are stored.
    """
    actor.require_write(MODULE, None)
    for field, value in (("name", name), ("source", source)):
        if not value.strip():
            raise Invalid(f"Give the rate table a {field}", details=[{"field": field, "value": value}])
    if isinstance(file, Path | str):
        path = Path(file)
        filename = filename or path.name
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise Invalid(
                f"Cannot read {path}: {exc.strerror}", details=[{"file": str(path), "reason": exc.strerror}]
            ) from None
    else:
        content = file.read()
        filename = filename or Path(str(getattr(file, "name", "") or "upload.csv")).name
    filename = check_upload_name(filename)
    digest = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(RateTable).where(RateTable.file_hash == digest))
    if existing is not None:
        return ImportReport(
            file=filename,
            rows_read=existing.row_count,
            unchanged=existing.row_count,
            version=existing.id,
            is_duplicate_file=True,
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"{filename} is not UTF-8 text (byte {exc.start})",
            details=[{"file": filename, "line": None, "field": None, "value": None, "reason": "not UTF-8"}],
        ) from None
    rows = parse_rate_table(text, filename)
    table = RateTable(
        name=name.strip(),
        source=source.strip(),
        filename=filename,
        file_hash=digest,
        row_count=len(rows),
        actor=actor.label,
    )
    session.add(table)
    session.flush()
    batch = 1000
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        session.execute(
            insert(ExchangeRate),
            [
                {
                    "currency": r.currency,
                    "date": r.date,
                    "rate_to_usd": r.rate_to_usd,
                    "source": table.source,
                    "rate_table_id": table.id,
                }
                for r in chunk
            ],
        )
        if progress is not None:
            progress(start + len(chunk), len(rows))
    audit.record(
        session,
        actor,
        module=MODULE,
        action="import_rate_table",
        entity_type="rate_table",
        entity_id=table.id,
        after=audit.snapshot(table),
    )
    return ImportReport(file=filename, rows_read=len(rows), accepted=len(rows), version=table.id)


def list_rate_tables(session: Session) -> list[RateTable]:
    return list(session.scalars(select(RateTable).order_by(RateTable.id.desc())))


# --- units and the item catalogue ----------------------------------------------------------------


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.kind, Unit.code)))


def list_items(session: Session, *, category: ItemCategory | None = None, q: str | None = None) -> list[Item]:
    """Catalogue items, by code; optionally of one category or with ``q`` in the code or name."""
    query = select(Item)
    if category is not None:
        query = query.where(Item.category == category)
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        query = query.where(func.lower(Item.name).like(pattern) | func.lower(Item.code).like(pattern))
    return list(session.scalars(query.order_by(Item.code)))


def get_item(session: Session, code: str) -> Item:
    """The item with this code (any case); ``NotFound`` otherwise."""
    item = session.scalar(select(Item).where(Item.code == code.strip().upper()))
    if item is None:
        raise NotFound(f"No catalogue item {code!r}", details=[{"field": "code", "value": code}])
    return item


def create_item(session: Session, actor: Actor, data: ItemCreate) -> Item:
    """Add an item to the shared catalogue.

    Raises ``Forbidden`` unless ``actor`` coordinates the reference module or is an admin,
    ``Invalid`` for an unknown unit, ``Conflict`` (with the existing id) for a code in use.
    """
    actor.require_write(MODULE, None)
    if session.get(Unit, data.unit_code) is None:
        known = ", ".join(u.code for u in list_units(session))
        raise Invalid(
            f"Unknown unit {data.unit_code!r}; known units: {known}",
            details=[{"field": "unit_code", "value": data.unit_code, "reason": "unknown unit"}],
        )
    existing = session.scalar(select(Item).where(Item.code == data.code))
    if existing is not None:
        raise Conflict(f"Catalogue item {data.code} exists already", details={"existing_id": existing.id})
    item = Item(**data.model_dump())
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="create_item",
        entity_type="item",
        entity_id=item.code,
        after=audit.snapshot(item),
    )
    return item
