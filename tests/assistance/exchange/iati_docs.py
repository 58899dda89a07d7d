"""Small IATI documents built in tests, and a reader that collects every problem."""

from __future__ import annotations

import io

from solidarity.assistance.exchange.iati_read import read_iati
from solidarity.assistance.exchange.records import ExchangeFlow
from solidarity.imports import OnError, Problems


def read_text(xml: str, mode: OnError = OnError.ERROR_ALL) -> tuple[list[ExchangeFlow], Problems]:
    problems = Problems("test.xml", mode)
    flows = list(read_iati(io.BytesIO(xml.encode()), problems))
    return flows, problems


def activity(body: str, identifier: str = "GB-1-12345", attributes: str = 'default-currency="USD"') -> str:
    ident = f"<iati-identifier>{identifier}</iati-identifier>" if identifier else ""
    return f"<iati-activity {attributes}>{ident}{body}</iati-activity>"


def document(*activities: str) -> str:
    return (
        '<?xml version="1.0"?>\n<iati-activities version="2.03">\n' + "\n".join(activities) + "\n</iati-activities>\n"
    )


def transaction(
    code: str = "3",
    amount: str = "1000",
    value_date: str | None = "2020-05-01",
    extra: str = "",
    ref: str | None = None,
) -> str:
    date_attribute = f' value-date="{value_date}"' if value_date else ""
    ref_attribute = f' ref="{ref}"' if ref else ""
    return (
        f'<transaction{ref_attribute}><transaction-type code="{code}"/>'
        f'<transaction-date iso-date="2020-05-01"/><value{date_attribute}>{amount}</value>{extra}</transaction>'
    )
