"""Reference pages: countries with WHO regions and populations, the currency converter, the catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from solidarity.errors import Invalid, SolidarityError
from solidarity.reference import service
from solidarity.reference.countries import WHO_REGIONS
from solidarity.reference.currencies import all_currencies, decimal_text, ecb_bounds
from solidarity.reference.models import ItemCategory
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.templating import render

router = APIRouter(prefix="/reference")


@router.get("")
def index(request: Request, actor: ActorDep) -> Response:
    return render(request, "reference/index.html", {})


@router.get("/countries")
def countries(request: Request, actor: ActorDep, session: SessionDep, q: str = "", who_region: str = "") -> Response:
    rows = service.list_countries(session, q=q or None, who_region=who_region or None)
    context = {"rows": rows, "q": q, "who_region": who_region, "regions": WHO_REGIONS}
    return render(request, "reference/countries.html", context)


def _parse_conversion_form(amount: str, currency: str, date: str) -> tuple[Decimal, str, dt.date]:
    problems: list[dict[str, Any]] = []
    try:
        value = Decimal(amount.replace(",", "").strip())
    except InvalidOperation:
        value = Decimal(0)
        problems.append({"field": "amount", "value": amount, "reason": "not a number"})
    try:
        day = dt.date.fromisoformat(date.strip())
    except ValueError:
        day = dt.date.today()
        problems.append({"field": "date", "value": date, "reason": "not a date in YYYY-MM-DD form"})
    if problems:
        first = problems[0]
        raise Invalid(f"{first['field'].capitalize()} {first['value']!r} is {first['reason']}", details=problems)
    return value, currency, day


@router.get("/currencies")
def currencies(
    request: Request, actor: ActorDep, session: SessionDep, amount: str = "", currency: str = "", date: str = ""
) -> Response:
    first, last = ecb_bounds()
    context: dict[str, Any] = {
        "currencies": all_currencies(),
        "values": {"amount": amount or "1000", "currency": currency or "EUR", "date": date or last.isoformat()},
        "ecb_first": first,
        "ecb_last": last,
        "result": None,
        "error": None,
        "tables": service.list_rate_tables(session)[:20],
    }
    status = 200
    if amount or currency or date:
        try:
            value, code, day = _parse_conversion_form(amount, currency, date)
            conversion = service.convert_to_usd(session, value, code, day)
            context["result"] = {
                "amount": decimal_text(conversion.amount),
                "currency": conversion.currency,
                "amount_usd": f"{conversion.amount_usd:,.2f}",
                "rate": decimal_text(conversion.rate),
                "rate_date": conversion.rate_date,
                "requested_date": day,
                "source": conversion.source,
            }
        except SolidarityError as exc:
            context["error"] = exc.message
            status = exc.status
    return render(request, "reference/currencies.html", context, status_code=status)


@router.get("/items")
def items(request: Request, actor: ActorDep, session: SessionDep, category: str = "", q: str = "") -> Response:
    chosen = ItemCategory(category) if category in {c.value for c in ItemCategory} else None
    context = {
        "items": service.list_items(session, category=chosen, q=q or None),
        "units": {u.code: u for u in service.list_units(session)},
        "categories": list(ItemCategory),
        "category": chosen.value if chosen else "",
        "q": q,
    }
    return render(request, "reference/items.html", context)
