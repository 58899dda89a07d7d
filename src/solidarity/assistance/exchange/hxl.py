"""HXL-tagged CSV (Humanitarian Exchange Language): a human header row, then a hashtag row.

Export: ``write_table`` writes any listing under its hashtags; ``write_flows`` writes flows with
every field a round trip needs; ``write_3w`` writes the "who does what where" table. Import:
``read_flows`` finds the hashtag row (the first row whose non-empty cells all start with ``#``),
matches columns by hashtag and attributes whatever their order or human header, and yields flows.
A value list in one cell (several countries, items) is separated by ``|``; a share is
``code[:percentage[:vocabulary]]`` (``AF:60|PK:40``, ``12264:100:1``), an item line
``item:quantity[:unit[:unit value[:currency]]]``.

The ``libhxl`` package was considered and not used: it pulls in network and spreadsheet
dependencies (requests, structlog, xlrd3 ...), ships untyped, and the subset needed here is
the hashtag row and attribute matching, which the csv module does in a few lines.

>>> tag, attributes = parse_hashtag("#org +funder +Code")
>>> tag, sorted(attributes)
('#org', ['code', 'funder'])
>>> find_hashtag_row([["Donor", "Amount"], ["#org+funder", "#value+usd"], ["WHO", "10"]])
1
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from solidarity.assistance.exchange.records import STAGES, ExchangeFlow, ItemLine, Party, Share
from solidarity.errors import Invalid
from solidarity.imports import Problems

SEPARATOR = "|"


@dataclass(frozen=True)
class HxlColumn:
    header: str
    hashtag: str


def parse_hashtag(text: str) -> tuple[str, frozenset[str]]:
    """A hashtag spec as (tag, attributes), lower-cased and without spaces."""
    parts = text.replace(" ", "").lower().split("+")
    return parts[0], frozenset(p for p in parts[1:] if p)


def is_hashtag_row(row: Sequence[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def find_hashtag_row(rows: Iterable[Sequence[str]], limit: int = 25) -> int | None:
    """Index of the hashtag row among the first ``limit`` rows, or ``None``."""
    for index, row in enumerate(rows):
        if index >= limit:
            return None
        if is_hashtag_row(row):
            return index
    return None


def write_table(rows: Iterable[Sequence[object]], columns: Sequence[HxlColumn], stream: TextIO) -> int:
    """Write any listing as HXL CSV: human headers, hashtags, then the rows; returns rows written."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([c.header for c in columns])
    writer.writerow([c.hashtag for c in columns])
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    return count


# ---- flows ---------------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return value or ""


def _none(text: str) -> str | None:
    return text or None


def _shares_out(shares: tuple[Share, ...]) -> str:
    return SEPARATOR.join(
        ":".join((s.code, "" if s.percentage is None else format(s.percentage, "f"), s.vocabulary or "")).rstrip(":")
        for s in shares
    )


def _shares_in(text: str) -> tuple[Share, ...]:
    shares = []
    for part in filter(None, text.split(SEPARATOR)):
        code, percentage, vocabulary = [*part.split(":"), "", "", ""][:3]
        shares.append(
            Share(code=code, percentage=Decimal(percentage) if percentage else None, vocabulary=vocabulary or None)
        )
    return tuple(shares)


def _items_out(items: tuple[ItemLine, ...]) -> str:
    return SEPARATOR.join(
        ":".join(
            (
                i.item,
                str(i.quantity),
                i.unit or "",
                "" if i.unit_value is None else format(i.unit_value, "f"),
                i.value_currency or "",
            )
        )
        for i in items
    )


def _items_in(text: str) -> tuple[ItemLine, ...]:
    items = []
    for part in filter(None, text.split(SEPARATOR)):
        item, quantity, unit, value, currency = [*part.split(":"), "", "", "", "", ""][:5]
        if not quantity.isdigit() or int(quantity) <= 0:
            raise ValueError(f"quantity {quantity!r} of {item} is not a positive whole number")
        items.append(ItemLine(item, int(quantity), unit or None, Decimal(value) if value else None, currency or None))
    return tuple(items)


def _bool_out(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def _bool_in(text: str) -> bool | None:
    if not text:
        return None
    if text.lower() in ("1", "true", "yes", "y"):
        return True
    if text.lower() in ("0", "false", "no", "n"):
        return False
    raise ValueError("not yes/no (1/0)")


def _decimal_in(text: str) -> Decimal | None:
    if not text:
        return None
    number = Decimal(text.replace(",", ""))
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def _date_in(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


@dataclass(frozen=True)
class _Field:
    header: str
    hashtag: str
    get: Callable[[ExchangeFlow], str]
    name: str
    parse: Callable[[str], Any]


def _plain(header: str, hashtag: str, name: str) -> _Field:
    return _Field(header, hashtag, lambda f: _text(getattr(f, name)), name, _none)


def _party_field(header: str, hashtag: str, role: str, part: str) -> _Field:
    def get(flow: ExchangeFlow) -> str:
        party = getattr(flow, role)
        return "" if party is None else _text(getattr(party, part))

    return _Field(header, hashtag, get, f"{role}.{part}", _none)


def _decimal_field(header: str, hashtag: str, name: str) -> _Field:
    def get(flow: ExchangeFlow) -> str:
        value = getattr(flow, name)
        return "" if value is None else format(value, "f")

    return _Field(header, hashtag, get, name, _decimal_in)


def _date_field(header: str, hashtag: str, name: str) -> _Field:
    def get(flow: ExchangeFlow) -> str:
        value = getattr(flow, name)
        return "" if value is None else value.isoformat()

    return _Field(header, hashtag, get, name, _date_in)


def _codes(header: str, hashtag: str, name: str) -> _Field:
    return _Field(
        header,
        hashtag,
        lambda f: SEPARATOR.join(str(c) for c in getattr(f, name)),
        name,
        lambda t: tuple(filter(None, t.split(SEPARATOR))),
    )


FLOW_FIELDS: tuple[_Field, ...] = (
    _plain("Key", "#meta+id", "key"),
    _plain("Source", "#meta+source", "source"),
    _plain("Stage", "#status", "stage"),
    _plain("Boundary", "#meta+boundary", "boundary"),
    _plain("On boundary", "#meta+onboundary", "on_boundary"),
    _party_field("Funder", "#org+funder+name", "provider", "name"),
    _party_field("Funder ref", "#org+funder+code", "provider", "ref"),
    _party_field("Funder type", "#org+funder+type", "provider", "type"),
    _party_field("Implementer", "#org+impl+name", "receiver", "name"),
    _party_field("Implementer ref", "#org+impl+code", "receiver", "ref"),
    _party_field("Implementer type", "#org+impl+type", "receiver", "type"),
    _party_field("Reporter", "#org+reporting+name", "reporting_org", "name"),
    _party_field("Reporter ref", "#org+reporting+code", "reporting_org", "ref"),
    _party_field("Reporter type", "#org+reporting+type", "reporting_org", "type"),
    _Field("Countries", "#country+code", lambda f: _shares_out(f.countries), "countries", _shares_in),
    _Field("Regions", "#region+code", lambda f: _shares_out(f.regions), "regions", _shares_in),
    _Field("Sectors", "#sector+code", lambda f: _shares_out(f.sectors), "sectors", _shares_in),
    _plain("IATI identifier", "#activity+code", "iati_identifier"),
    _plain("Title", "#activity+name", "title"),
    _plain("Transaction ref", "#meta+transaction", "transaction_ref"),
    _plain("Transaction type", "#meta+transaction+type", "transaction_type"),
    _plain("FTS flow", "#meta+fts", "fts_flow_id"),
    _decimal_field("Amount", "#value", "amount"),
    _plain("Currency", "#currency", "currency"),
    _decimal_field("USD", "#value+usd", "amount_usd"),
    _decimal_field("USD rate", "#value+rate", "usd_rate"),
    _date_field("Value date", "#date", "value_date"),
    _date_field("Transaction date", "#date+transaction", "transaction_date"),
    _Field("Humanitarian", "#meta+humanitarian", lambda f: _bool_out(f.is_humanitarian), "is_humanitarian", _bool_in),
    _codes("Emergencies", "#crisis+code", "emergency_codes"),
    _codes("Appeals", "#crisis+appeal", "appeal_codes"),
    _plain("Aid type", "#meta+aid", "aid_type"),
    _plain("Finance type", "#meta+finance", "finance_type"),
    _plain("Flow type", "#meta+flow", "flow_type"),
    _plain("Contribution type", "#meta+contribution", "contribution_type"),
    _plain("Provider activity", "#activity+provider", "provider_activity_id"),
    _plain("Receiver activity", "#activity+receiver", "receiver_activity_id"),
    _plain("Parent flow", "#meta+parent", "parent_flow_id"),
    _codes("Child flows", "#meta+children", "child_flow_ids"),
    _Field(
        "Usage years",
        "#date+year",
        lambda f: SEPARATOR.join(str(y) for y in f.usage_years),
        "usage_years",
        lambda t: tuple(int(y) for y in filter(None, t.split(SEPARATOR))),
    ),
    _Field("New money", "#meta+newmoney", lambda f: _bool_out(f.is_new_money), "is_new_money", _bool_in),
    _Field("Items", "#item", lambda f: _items_out(f.items), "items", _items_in),
    _Field("Description", "#description", lambda f: f.description, "description", lambda t: t),
)

_REQUIRED = ("stage",)


def write_flows(flows: Iterable[ExchangeFlow], stream: TextIO) -> int:
    """Every field of the flows as HXL CSV, so ``read_flows`` gives them back unchanged."""
    columns = [HxlColumn(f.header, f.hashtag) for f in FLOW_FIELDS]
    return write_table(([f.get(flow) for f in FLOW_FIELDS] for flow in flows), columns, stream)


THREE_W_COLUMNS = (
    HxlColumn("Who (implementer)", "#org+impl"),
    HxlColumn("Funder", "#org+funder"),
    HxlColumn("What (sector)", "#sector"),
    HxlColumn("Activity", "#activity"),
    HxlColumn("Where (country)", "#country+code"),
    HxlColumn("Item", "#item+code"),
    HxlColumn("Quantity", "#item+num"),
    HxlColumn("Value (USD)", "#value+usd"),
    HxlColumn("Status", "#status"),
    HxlColumn("Date", "#date"),
    HxlColumn("Crisis", "#crisis+code"),
)


def write_3w(flows: Iterable[ExchangeFlow], stream: TextIO) -> int:
    """Who does what where: one row per flow, country and sector (a split flow gives several rows)."""

    def rows() -> Iterator[list[object]]:
        for flow in flows:
            for country in flow.countries or (Share(""),):
                for sector in flow.sectors or (Share(""),):
                    yield [
                        flow.receiver.label if flow.receiver else "",
                        flow.provider.label if flow.provider else "",
                        sector.name or sector.code,
                        flow.title or flow.description,
                        country.code,
                        SEPARATOR.join(i.item for i in flow.items),
                        SEPARATOR.join(str(i.quantity) for i in flow.items),
                        "" if flow.amount_usd is None else format(flow.amount_usd, "f"),
                        flow.stage,
                        flow.value_date.isoformat() if flow.value_date else "",
                        SEPARATOR.join(flow.emergency_codes),
                    ]

    return write_table(rows(), THREE_W_COLUMNS, stream)


def _spec(text: str) -> tuple[str, frozenset[str]]:
    # "+name" is what a bare tag means anyway: #org+funder and #org+funder+name are the same column.
    tag, attributes = parse_hashtag(text)
    return tag, attributes - {"name"}


def _column_index(hashtags: Sequence[str]) -> dict[str, int]:
    """Each field's column: the column with the field's tag and exactly its attributes."""
    parsed = [_spec(h) if h.strip().startswith("#") else ("", frozenset[str]()) for h in hashtags]
    chosen: dict[str, int] = {}
    for spec in FLOW_FIELDS:
        tag, wanted = _spec(spec.hashtag)
        best: tuple[int, int] | None = None
        for index, (column_tag, attributes) in enumerate(parsed):
            if column_tag != tag or not wanted <= attributes:
                continue
            extra = len(attributes - wanted)
            if best is None or extra < best[0]:
                best = (extra, index)
        if best is not None and best[0] == 0:
            chosen[spec.name] = best[1]
    return chosen


def read_flows(stream: TextIO, problems: Problems) -> Iterator[ExchangeFlow]:
    """Flows from HXL CSV, by hashtag; ``Invalid`` when there is no hashtag row or no ``#status``."""
    reader = csv.reader(stream)
    head: list[list[str]] = []
    for row in reader:
        head.append(row)
        if is_hashtag_row(row) or len(head) >= 25:
            break
    at = find_hashtag_row(head)
    if at is None:
        reason = "no HXL hashtag row (a row whose cells all start with '#') in the first 25 rows"
        raise Invalid(
            f"{problems.file}: {reason}",
            details=[{"file": problems.file, "line": None, "field": None, "value": None, "reason": reason}],
        )
    columns = _column_index(head[at])
    for name in _REQUIRED:
        if name not in columns:
            spec = next(f for f in FLOW_FIELDS if f.name == name)
            reason = f"no {spec.hashtag} column"
            raise Invalid(
                f"{problems.file}: line {at + 1}: {reason}",
                details=[
                    {"file": problems.file, "line": at + 1, "field": spec.hashtag, "value": None, "reason": reason}
                ],
            )
    hashtags = {f.name: f.hashtag for f in FLOW_FIELDS}
    parsers = {f.name: f.parse for f in FLOW_FIELDS}
    defaults = {f.name: f.default for f in fields(ExchangeFlow)}
    for number, row in enumerate(reader, start=at + 2):
        if not any(cell.strip() for cell in row):
            continue
        values: dict[str, Any] = {}
        ok = True
        for name, index in columns.items():
            text = row[index].strip() if index < len(row) else ""
            try:
                values[name] = parsers[name](text)
            except (ValueError, InvalidOperation) as error:
                problems.add(line=number, field=hashtags[name], value=text, reason=str(error) or "unreadable")
                ok = False
        stage = values.get("stage")
        if ok and stage not in STAGES:
            problems.add(line=number, field="#status", value=stage, reason=f"not one of {', '.join(STAGES)}")
            ok = False
        if not ok:
            continue
        yield _flow_from(values, defaults, number)


def _flow_from(values: dict[str, Any], defaults: dict[str, Any], line: int) -> ExchangeFlow:
    parties: dict[str, dict[str, str | None]] = {}
    plain: dict[str, Any] = {}
    for name, value in values.items():
        if "." in name:
            role, part = name.split(".")
            parties.setdefault(role, {})[part] = value
        elif value is not None or defaults.get(name) is None:
            plain[name] = value
    for role, parts in parties.items():
        party = Party(**parts)
        plain[role] = party if party.name or party.ref or party.type else None
    plain.setdefault("source", "hxl")
    plain["source"] = plain["source"] or "hxl"
    plain.setdefault("key", f"hxl:{line}")
    plain["key"] = plain["key"] or f"hxl:{line}"
    return ExchangeFlow(line=line, path=f"line {line}", **plain)
