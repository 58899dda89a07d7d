import datetime as dt
from decimal import Decimal

import pytest

from solidarity.errors import Invalid
from solidarity.reference.currencies import all_currencies, ecb_rate_to_usd, resolve_currency
from solidarity.reference.ratetable import parse_rate_table


def test_eur_rate_on_a_business_day_is_the_ecb_figure() -> None:
    # The ECB's EUR/USD reference rate of Monday 16 March 2020, as in the shipped eurofxref-hist.zip.
    quote = ecb_rate_to_usd("EUR", dt.date(2020, 3, 16))
    assert quote is not None
    assert (quote.rate, quote.date) == (Decimal("1.1157"), dt.date(2020, 3, 16))
    assert quote.source.startswith("ECB")


def test_weekend_uses_the_friday_rate_and_says_so() -> None:
    quote = ecb_rate_to_usd("EUR", dt.date(2020, 3, 15))
    assert quote is not None
    assert (quote.rate, quote.date) == (Decimal("1.1104"), dt.date(2020, 3, 13))


def test_cross_rate_divides_usd_by_the_currency_per_eur() -> None:
    # 16 March 2020: 1 EUR = 1.1157 USD = 117.76 JPY.
    quote = ecb_rate_to_usd("JPY", dt.date(2020, 3, 16))
    assert quote is not None
    assert quote.rate == (Decimal("1.1157") / Decimal("117.76")).quantize(Decimal("1e-14")).normalize()


def test_currency_the_ecb_never_quoted_has_no_ecb_rate() -> None:
    assert ecb_rate_to_usd("XOF", dt.date(2020, 3, 16)) is None
    assert ecb_rate_to_usd("EUR", dt.date(1998, 6, 1)) is None


def test_iso_4217_list_comes_from_pycountry() -> None:
    codes = {c.code for c in all_currencies()}
    assert {"USD", "EUR", "XOF", "NAD", "CHF"} <= codes
    with pytest.raises(Invalid) as caught:
        resolve_currency("EURO")
    assert caught.value.details[0] == {
        "field": "currency",
        "value": "EURO",
        "reason": "not an ISO 4217 currency code",
    }


def test_rate_table_accepts_units_per_usd_and_rate_to_usd() -> None:
    per_usd = parse_rate_table("Currency,Date,Units_per_USD\nXOF,2021-01-04,500\n", "a.csv")
    to_usd = parse_rate_table("\ncurrency,date,rate_to_usd\nXOF,2021-01-04,0.002\n", "b.csv")
    assert per_usd[0].rate_to_usd == to_usd[0].rate_to_usd == Decimal("0.002")


def test_rate_table_reports_every_bad_line_with_file_line_field_and_value() -> None:
    text = "currency,date,rate_to_usd\nXOF,2021-01-04,0.002\nXYZ,2021-01-04,1\nXOF,2021-13-01,1\nXOF,2021-01-05,-3\n"
    with pytest.raises(Invalid) as caught:
        parse_rate_table(text, "rates.csv")
    assert [(d["line"], d["field"], d["value"]) for d in caught.value.details] == [
        (3, "currency", "XYZ"),
        (4, "date", "2021-13-01"),
        (5, "rate_to_usd", "-3"),
    ]
    assert all(d["file"] == "rates.csv" for d in caught.value.details)
    assert "rates.csv" in caught.value.message


def test_rate_table_refuses_a_header_without_a_rate_column_and_duplicate_days() -> None:
    with pytest.raises(Invalid) as header:
        parse_rate_table("currency,date,rate\nXOF,2021-01-04,1\n", "h.csv")
    assert header.value.details[0]["line"] == 1
    with pytest.raises(Invalid) as duplicate:
        parse_rate_table("currency,date,rate_to_usd\nXOF,2021-01-04,1\nxof,2021-01-04,2\n", "d.csv")
    assert duplicate.value.details[0]["line"] == 3
