"""Totals maintained on write: the summary the reports read instead of scanning every flow.

Every current, non-internal flow version adds one contribution to each *grain* of
``assistance_totals`` (see ``GRAINS``): its count, its amount and USD value in whole cents and, per
recipient country, its share of both. Writing a version takes the previous version's contribution
away and adds the new one in the same transaction (``flow_recorded``, ``flow_revised``); a batch
import adds them up in memory and writes each touched row once (``batched``).

The counting rules hold in the summary as they do in the scan:

1. the stage is part of every key, so a pledge is never added to a commitment or a payment;
2. a pass-through child whose parent is current and not internal is kept under its parent's id,
   and a report leaves it out unless its filters leave the parent out; ``parent_shared`` says the
   parent is on a shared boundary, which per-recipient totals leave out, so they count the child;
3. recipient grains keep the boundary, so per-recipient totals read single-boundary flows only;
4. internal flows add nothing.

``read`` answers a report from the smallest grain that holds its grouping and filters, or returns
``None`` when no grain can (a date range not aligned to months, a per-recipient report filtered by
recipient): the report then scans the flows. ``rebuild`` recomputes every row from the flows in SQL,
independently of the write path, and ``differences`` compares both.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from solidarity.assistance.models import TOTAL_KEY, FlowRecipient, FlowTotal, FlowVersion

KEY = TOTAL_KEY
VALUES = ("flows", "amount_cents", "usd_cents", "share_amount_micros", "share_usd_micros")
NEUTRAL: dict[str, Any] = {
    "provider_id": 0,
    "channel": "",
    "modality": "",
    "boundary": "",
    "year": 0,
    "month": 0,
    "emergency_code": "",
    "country_code": "",
}
"""The value a dimension holds in a grain that does not keep it."""

GRAINS: dict[str, frozenset[str]] = {
    "provider": frozenset({"provider_id", "year"}),
    "category": frozenset({"channel", "modality", "year"}),
    "recipient": frozenset({"country_code", "boundary", "year"}),
    "flow": frozenset({"provider_id", "channel", "modality", "year", "month", "emergency_code"}),
    "flow-recipient": frozenset(
        {"country_code", "boundary", "provider_id", "channel", "modality", "year", "month", "emergency_code"}
    ),
}
"""Each grain's dimensions besides stage, currency and parent, smallest first; ``read`` takes the first that fits."""

_BATCH = "assistance_totals_batch"
_TABLE = typed(Table, FlowTotal.__table__)
Key = tuple[Any, ...]


def _text(value: Any) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _cents(value: Decimal | None) -> int:
    """An amount in whole cents (0 when there is none).

    >>> _cents(Decimal("12.34")), _cents(None)
    (1234, 0)
    """
    return 0 if value is None else int((Decimal(value) * 100).to_integral_value())


class Deltas:
    """Changes to totals rows, added up by key before they are written."""

    def __init__(self) -> None:
        self.rows: dict[Key, list[int]] = {}

    def add(self, version: FlowVersion, parent: str | None, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) what ``version`` contributes; ``parent`` is the boundary
        of its parent flow when that is current and not internal, else ``None`` (rule 2)."""
        if version.is_internal:
            return
        dims: dict[str, Any] = {
            "provider_id": version.provider_id,
            "channel": _text(version.channel),
            "modality": _text(version.modality),
            "boundary": _text(version.boundary),
            "year": version.flow_date.year,
            "month": version.flow_date.year * 100 + version.flow_date.month,
            "emergency_code": version.emergency_code or "",
        }
        stage, currency = _text(version.stage), version.currency or ""
        parent_id = version.parent_flow_id if version.parent_flow_id is not None and parent is not None else 0
        dims["parent_shared"] = 1 if parent_id and parent == "shared" else 0
        amount, usd = _cents(version.amount), _cents(version.amount_usd)
        shares: dict[str, int] = {}
        for recipient in version.recipients:
            if recipient.country_code:
                code = recipient.country_code
                shares[code] = shares.get(code, 0) + _cents(recipient.percentage)
        for grain, kept in GRAINS.items():
            if "country_code" not in kept:
                self._add(grain, parent_id, stage, currency, dims, kept, sign, (1, amount, usd, 0, 0))
                continue
            for code, hundredths in shares.items():
                values = (1, amount, usd, amount * hundredths, usd * hundredths)
                self._add(grain, parent_id, stage, currency, dims | {"country_code": code}, kept, sign, values)

    def _add(
        self,
        grain: str,
        parent: int,
        stage: str,
        currency: str,
        dims: dict[str, Any],
        kept: frozenset[str],
        sign: int,
        values: tuple[int, ...],
    ) -> None:
        key = tuple(
            grain
            if name == "grain"
            else parent
            if name == "parent_flow_id"
            else stage
            if name == "stage"
            else currency
            if name == "currency"
            else dims[name]
            if name in kept or name == "parent_shared"
            else NEUTRAL[name]
            for name in KEY
        )
        row = self.rows.setdefault(key, [0] * len(VALUES))
        for i, value in enumerate(values):
            row[i] += sign * value

    def merge(self, other: Deltas) -> None:
        for key, values in other.rows.items():
            row = self.rows.setdefault(key, [0] * len(VALUES))
            for i, value in enumerate(values):
                row[i] += value


def _parent(session: Session, parent_flow_id: int | None) -> str | None:
    """The parent flow's boundary when it is current and not internal (so it counts), else ``None``."""
    if parent_flow_id is None:
        return None
    row = session.execute(
        select(FlowVersion.is_internal, FlowVersion.boundary).where(
            FlowVersion.flow_id == parent_flow_id, FlowVersion.is_current.is_(True)
        )
    ).first()
    return None if row is None or row[0] else _text(row[1])


def _counted_as_parent(version: FlowVersion) -> str | None:
    return None if version.is_internal else _text(version.boundary)


def flow_recorded(session: Session, version: FlowVersion) -> None:
    """Add a new flow's first version to the totals (call after it is flushed)."""
    deltas = Deltas()
    deltas.add(version, _parent(session, version.parent_flow_id), 1)
    _apply(session, deltas)


def flow_revised(session: Session, old: FlowVersion, new: FlowVersion) -> None:
    """Replace ``old``'s contribution by ``new``'s (call while ``old`` is still current).

    When the flow becomes internal or stops being so, or its boundary changes, its pass-through
    children move too: whether they are kept under their parent, and as the child of a shared-boundary
    parent, depends on it (rules 2 and 3).
    """
    deltas = Deltas()
    deltas.add(old, _parent(session, old.parent_flow_id), -1)
    deltas.add(new, _parent(session, new.parent_flow_id), 1)
    before, after = _counted_as_parent(old), _counted_as_parent(new)
    if before != after:
        children = session.scalars(
            select(FlowVersion).where(FlowVersion.parent_flow_id == old.flow_id, FlowVersion.is_current.is_(True))
        )
        for child in children:
            deltas.add(child, before, -1)
            deltas.add(child, after, 1)
    _apply(session, deltas)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Within this block, flow writes add their changes up in memory; they are written once at the end.

    Reports read inside the block do not see the block's flows yet. When the block raises nothing is
    written (the caller's transaction rolls back the flows too).
    """
    if _BATCH in session.info:
        yield
        return
    session.info[_BATCH] = Deltas()
    try:
        yield
        deltas = session.info.pop(_BATCH)
        _write(session, deltas)
    finally:
        session.info.pop(_BATCH, None)


def _apply(session: Session, deltas: Deltas) -> None:
    pending = session.info.get(_BATCH)
    if isinstance(pending, Deltas):
        pending.merge(deltas)
    else:
        _write(session, deltas)


def _write(session: Session, deltas: Deltas) -> None:
    """Upsert every changed row (adding to what is there), then delete rows left without flows."""
    # In key order, so concurrent writers lock shared rows in the same order (no deadlock on PostgreSQL).
    rows = [
        dict(zip(KEY, key, strict=True)) | dict(zip(VALUES, values, strict=True))
        for key, values in sorted(deltas.rows.items())
        if any(values)
    ]
    if not rows:
        return
    table = _TABLE
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - the project supports SQLite and PostgreSQL
        raise RuntimeError(f"Totals need SQLite or PostgreSQL, not {dialect}")
    statement = statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: table.c[name] + statement.excluded[name] for name in VALUES},
    )
    connection = session.connection()
    connection.execute(statement, rows)
    connection.execute(delete(table).where(table.c.flows <= 0))


# --- rebuilding ----------------------------------------------------------------------------------


def _grain_selects() -> list[Select[Any]]:
    """One ``SELECT`` per grain computing its rows from the flows, columns in ``KEY + VALUES`` order."""
    v, p = FlowVersion, aliased(FlowVersion)
    # The parent's current version, when it counts (not internal): an outer join (at most one row per
    # flow), not a correlated subquery, which SQLite re-ran per row and per use (quadratic rebuilds).
    counted_parent = and_(p.flow_id == v.parent_flow_id, p.is_current.is_(True), p.is_internal.is_(False))
    parent_boundary = type_coerce(p.boundary, String)
    year = cast(extract("year", v.flow_date), Integer)
    base = (
        select(
            v.id.label("version_id"),
            func.coalesce(case((p.id.is_not(None), v.parent_flow_id)), 0).label("parent_flow_id"),
            case((parent_boundary == "shared", 1), else_=0).label("parent_shared"),
            v.provider_id.label("provider_id"),
            type_coerce(v.channel, String).label("channel"),
            type_coerce(v.modality, String).label("modality"),
            type_coerce(v.stage, String).label("stage"),
            func.coalesce(v.currency, "").label("currency"),
            type_coerce(v.boundary, String).label("boundary"),
            year.label("year"),
            (year * 100 + cast(extract("month", v.flow_date), Integer)).label("month"),
            func.coalesce(v.emergency_code, "").label("emergency_code"),
            func.coalesce(cast(func.round(v.amount * 100), BigInteger), 0).label("amount_cents"),
            func.coalesce(cast(func.round(v.amount_usd * 100), BigInteger), 0).label("usd_cents"),
        )
        .select_from(v)
        .outerjoin(p, counted_parent)
        .where(v.is_current.is_(True), v.is_internal.is_(False))
        .subquery()
    )
    r = FlowRecipient
    shares = (
        select(
            r.version_id.label("version_id"),
            r.country_code.label("country_code"),
            cast(func.round(func.sum(r.percentage) * 100), BigInteger).label("hundredths"),
        )
        .where(r.country_code.is_not(None))
        .group_by(r.version_id, r.country_code)
        .subquery()
    )
    out: list[Select[Any]] = []
    for grain, kept in GRAINS.items():
        by_country = "country_code" in kept
        columns: list[Any] = [literal(grain, String).label("grain")]
        groups: list[Any] = []
        for name in KEY[1:]:
            if name == "country_code" and by_country:
                column = shares.c.country_code
            elif name in ("parent_flow_id", "parent_shared", "stage", "currency") or name in kept:
                column = base.c[name]
            else:
                columns.append(literal(NEUTRAL[name], Integer if isinstance(NEUTRAL[name], int) else String))
                continue
            columns.append(column)
            groups.append(column)
        amount, usd = base.c.amount_cents, base.c.usd_cents
        columns += [func.count(), func.sum(amount), func.sum(usd)]
        if by_country:
            columns += [func.sum(amount * shares.c.hundredths), func.sum(usd * shares.c.hundredths)]
            query = select(*columns).select_from(base.join(shares, shares.c.version_id == base.c.version_id))
        else:
            columns += [literal(0, BigInteger), literal(0, BigInteger)]
            query = select(*columns).select_from(base)
        out.append(query.group_by(*groups))
    return out


def rebuild(session: Session) -> int:
    """Recompute every totals row from the current flows; returns the number of rows written."""
    table = _TABLE
    connection = session.connection()
    # Without statistics (a database never analysed, as after a bulk load or in a migration) SQLite
    # probes the parent through the (current, internal) index, which makes the rebuild quadratic.
    connection.exec_driver_sql(f"ANALYZE {FlowVersion.__tablename__}")
    connection.execute(delete(table))
    for query in _grain_selects():
        connection.execute(insert(table).from_select(list(KEY + VALUES), query))
    return session.scalar(select(func.count()).select_from(table)) or 0


def _as_dict(rows: Sequence[Any]) -> dict[Key, tuple[int, ...]]:
    n = len(KEY)
    return {tuple(row[:n]): tuple(int(x) for x in row[n:]) for row in rows}


def expected(session: Session) -> dict[Key, tuple[int, ...]]:
    """The totals rows as a full recomputation from the flows gives them."""
    out: dict[Key, tuple[int, ...]] = {}
    for query in _grain_selects():
        out |= _as_dict(session.execute(query).all())
    return out


def stored(session: Session) -> dict[Key, tuple[int, ...]]:
    """The totals rows as maintained."""
    table = _TABLE
    return _as_dict(session.execute(select(*(table.c[name] for name in KEY + VALUES))).all())


def differences(session: Session, limit: int = 20) -> list[str]:
    """Rows where the maintained totals differ from a full recomputation, described (empty when none)."""
    want, have = expected(session), stored(session)
    out = []
    for key in sorted(set(want) | set(have), key=repr):
        if want.get(key) != have.get(key):
            out.append(f"{dict(zip(KEY, key, strict=True))}: stored {have.get(key)}, recomputed {want.get(key)}")
            if len(out) >= limit:
                break
    return out


# --- reading -------------------------------------------------------------------------------------


def _period(start: dt.date | None, end: dt.date | None) -> tuple[str, int, int] | None:
    """The filter's period as whole years or months, ``("", 0, 0)`` when open, ``None`` when not aligned.

    >>> _period(dt.date(2020, 1, 1), dt.date(2021, 12, 31)), _period(dt.date(2020, 3, 1), dt.date(2020, 4, 30))
    (('year', 2020, 2021), ('month', 202003, 202004))
    >>> _period(dt.date(2020, 3, 2), None) is None
    True
    """
    if start is None and end is None:
        return "", 0, 0
    last = end + dt.timedelta(days=1) if end and end < dt.date.max else None
    if (start is None or (start.month, start.day) == (1, 1)) and (last is None or (last.month, last.day) == (1, 1)):
        return "year", start.year if start else 0, end.year if end else 9999
    if (start is None or start.day == 1) and (last is None or last.day == 1):
        first = start.year * 100 + start.month if start else 0
        return "month", first, end.year * 100 + end.month if end else 999912
    return None


def read(
    session: Session,
    filters: Any,
    key: Any,
    needs: frozenset[str],
    *,
    shares: bool = False,
    extra: Sequence[ColumnElement[bool]] = (),
) -> list[tuple[Any, str, str, Decimal, Decimal, int]] | None:
    """Rows of (key, stage, currency, amount, USD, flows) for a report grouped by ``key`` (a
    ``FlowTotal`` column of the dimensions ``needs``), under ``filters`` (``ledger.Filters``);
    ``shares`` reads each recipient's share (single-boundary flows only). ``None`` when no grain
    answers these filters: the caller scans the flows instead.
    """
    if filters.item or filters.illustrative is not None:
        return None  # the totals keep neither item lines nor the illustrative flag
    t = FlowTotal
    needed = set(needs)
    conditions: list[ColumnElement[bool]] = list(extra)
    if filters.recipient:
        if shares:
            return None  # a per-recipient report of the flows that have one recipient among others
        needed.add("country_code")
        conditions.append(t.country_code == filters.recipient)
    if filters.provider_ids is not None:
        needed.add("provider_id")
        conditions.append(t.provider_id.in_(filters.provider_ids))
    if filters.emergency:
        needed.add("emergency_code")
        conditions.append(t.emergency_code == filters.emergency)
    for name, value in (("channel", filters.channel), ("modality", filters.modality)):
        if value:
            needed.add(name)
            conditions.append(getattr(t, name) == value)
    if filters.stage:
        conditions.append(t.stage == filters.stage)
    period = _period(filters.start, filters.end)
    if period is None:
        return None
    unit, first, last = period
    if unit:
        needed.add(unit)
        conditions.append(getattr(t, unit).between(first, last))
    if shares:
        needed.add("boundary")
        conditions.append(t.boundary == "single")
    grain = next(
        (
            name
            for name, kept in GRAINS.items()
            if needed <= kept and ("country_code" in needed or "country_code" not in kept)
        ),
        None,
    )
    if grain is None:
        return None
    # rule 2, and rule 3 before it in per-recipient totals: a shared-boundary parent is not counted there
    counts_anyway = [t.parent_flow_id == 0, *([t.parent_shared == 1] if shares else [])]
    if filters == type(filters)():
        conditions.append(or_(*counts_anyway))
    else:
        p = aliased(FlowVersion)
        parent_counted = exists(
            select(p.id).where(p.flow_id == t.parent_flow_id, p.is_internal.is_(False), *filters.conditions(p))
        )
        conditions.append(or_(*counts_anyway, ~parent_counted))
    amount, usd = (t.share_amount_micros, t.share_usd_micros) if shares else (t.amount_cents, t.usd_cents)
    query = (
        select(key, t.stage, t.currency, func.sum(amount), func.sum(usd), func.sum(t.flows))
        .where(t.grain == grain, *conditions)
        .group_by(key, t.stage, t.currency)
    )
    exponent = -6 if shares else -2
    return [
        (k, stage, currency, Decimal(int(a)).scaleb(exponent), Decimal(int(u)).scaleb(exponent), int(n))
        for k, stage, currency, a, u, n in session.execute(query)
    ]
