"""Bulk import and export of flows in the documented CSV format (docs/assistance.md).

One row is one flow. ``ref`` is the flow's stable key: a row whose ref exists writes a new version
only when something changed, so importing the same file twice changes nothing the second time;
``#12`` names flow 12 by id. Lists sit in one cell: ``recipients`` as ``CN:60; RS:40`` (a region
as ``region=Africa:100``), ``items`` as ``CODE:quantity[:unit[:valuation[:unit_value[:currency]]]]``
separated by ``;``, ``sources`` as ``citation | url | page`` entries separated by a line break.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.assistance import totals
from solidarity.assistance.ledger import (
    FIELDS,
    Filters,
    _organisation,
    current_version,
    record_flow,
    revise_flow,
)
from solidarity.assistance.models import Flow, FlowVersion
from solidarity.assistance.schemas import FlowCreate
from solidarity.errors import Invalid, SolidarityError
from solidarity.imports import ImportReport, OnError, Problems
from solidarity.reference.countries import resolve_country

COLUMNS = [
    "ref",
    "provider",
    "receiver",
    "reporter",
    "recipients",
    "channel",
    "modality",
    "terms",
    "stage",
    "boundary",
    "is_new_money",
    "is_internal",
    "is_lower_bound",
    "is_illustrative",
    "flow_date",
    "period_start",
    "horizon_end",
    "amount",
    "currency",
    "parent_ref",
    "fulfils_ref",
    "joint_action_id",
    "claim_subject",
    "emergency_code",
    "sector_dac",
    "cluster",
    "description",
    "capacity_kind",
    "capacity_count",
    "capacity_countries",
    "specialties",
    "team_size",
    "activities",
    "topic",
    "delivery_mode",
    "audience",
    "participants",
    "language",
    "iati_identifier",
    "transaction_type",
    "aid_type",
    "finance_type",
    "flow_type",
    "humanitarian_scope",
    "items",
    "sources",
]
REQUIRED = ("provider", "channel", "modality", "stage", "flow_date", "description")
BOOLEANS = ("is_new_money", "is_internal", "is_lower_bound", "is_illustrative")
PLAIN = [c for c in COLUMNS if c in FIELDS and c not in ("parent_flow_id", "fulfils_flow_id")]


# --- rows to flows and back ----------------------------------------------------------------------


def _parse_bool(text: str, field: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "1", "y"):
        return True
    if lowered in ("false", "no", "0", "n", ""):
        return False
    raise Invalid(
        f"{field}: {text!r} is not yes or no", details=[{"field": field, "value": text, "reason": "not a boolean"}]
    )


def _recipients(text: str) -> list[dict[str, Any]]:
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        name, _, pct = part.rpartition(":") if ":" in part else (part, "", "100")
        entry: dict[str, Any] = {"percentage": pct.strip() or "100"}
        if name.startswith("region="):
            entry["region"] = name.removeprefix("region=").strip()
        else:
            entry["country"] = name.strip()
        out.append(entry)
    return out


def _items(text: str) -> list[dict[str, Any]]:
    out = []
    keys = ("item", "quantity", "unit", "valuation", "unit_value", "value_currency")
    for part in (p.strip() for p in text.split(";")):
        if part:
            values = [v.strip() for v in part.split(":")]
            out.append({k: v for k, v in zip(keys, values, strict=False) if v})
    return out


def _sources(text: str) -> list[dict[str, Any]]:
    out = []
    for line in (entry.strip() for entry in text.splitlines()):
        if line:
            citation, url, page = ([p.strip() for p in line.split(" | ")] + ["", ""])[:3]
            out.append({"citation": citation, "url": url or None, "page": page or None})
    return out


def _flow_id(session: Session, ref: str, field: str, refs: dict[str, int]) -> int | None:
    ref = ref.strip()
    if not ref:
        return None
    if ref in refs:
        return refs[ref]
    if ref.startswith("#") and ref[1:].isdigit():
        return int(ref[1:])
    found = session.scalar(select(Flow.id).where(Flow.ref == ref))
    if found is None:
        raise Invalid(
            f"{field}: no flow with ref {ref!r}", details=[{"field": field, "value": ref, "reason": "unknown ref"}]
        )
    return found


def row_to_flow(session: Session, row: dict[str, str], refs: dict[str, int]) -> FlowCreate:
    """One CSV row as a ``FlowCreate``; raises ``Invalid`` naming the field."""
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            raise Invalid(f"{name} is required", details=[{"field": name, "value": row.get(name), "reason": "missing"}])
    data: dict[str, Any] = {c: row[c] for c in PLAIN if (row.get(c) or "").strip()}
    for name in ("ref", "provider", "receiver", "reporter", "amount", "currency"):
        if (row.get(name) or "").strip():
            data[name] = row[name].strip()
    for name in BOOLEANS:
        if name in row and row[name].strip():
            data[name] = _parse_bool(row[name], name)
    data["recipients"] = _recipients(row.get("recipients") or "")
    data["items"] = _items(row.get("items") or "")
    data["sources"] = _sources(row.get("sources") or "")
    data["parent_flow_id"] = _flow_id(session, row.get("parent_ref") or "", "parent_ref", refs)
    data["fulfils_flow_id"] = _flow_id(session, row.get("fulfils_ref") or "", "fulfils_ref", refs)
    try:
        return FlowCreate.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        reason = str(err["msg"])
        raise Invalid(
            f"{field}: {reason}",
            details=[{"field": field, "value": None if isinstance(value, dict | list) else value, "reason": reason}],
        ) from None


def _ref_of(session: Session, flow_id: int | None) -> str:
    if flow_id is None:
        return ""
    ref = session.scalar(select(Flow.ref).where(Flow.id == flow_id))
    return ref or f"#{flow_id}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "value"):
        return str(value.value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def version_to_row(session: Session, v: FlowVersion) -> dict[str, str]:
    """A version as a CSV row of the import format."""
    row = {c: _text(getattr(v, c)) for c in PLAIN}
    row.update(
        ref=v.flow.ref or f"#{v.flow_id}",
        provider=str(v.provider_id),
        receiver=_text(v.receiver_id),
        reporter=str(v.reporter_id),
        amount=_text(v.amount),
        currency=_text(v.currency),
        parent_ref=_ref_of(session, v.parent_flow_id),
        fulfils_ref=_ref_of(session, v.fulfils_flow_id),
        recipients="; ".join(
            f"{r.country_code if r.country_code else 'region=' + (r.region or '')}:{r.percentage.normalize():f}"
            for r in v.recipients
        ),
        items="; ".join(
            ":".join(
                _text(x) for x in (i.item_code, i.quantity, i.unit_code, i.valuation, i.unit_value, i.value_currency)
            ).rstrip(":")
            for i in v.items
        ),
        sources="\n".join(" | ".join((s.citation, s.url or "", s.page or "")).rstrip(" |") for s in v.sources),
    )
    for name in BOOLEANS:
        row[name] = _text(getattr(v, name))
    return row


def _comparable(session: Session, data: FlowCreate) -> dict[str, Any]:
    """``data`` with organisations as ids and countries as codes, for "did anything change?"."""
    out = data.model_dump(mode="json", exclude={"ref", "explicit_rate", "override_reason"})
    for name in ("provider", "receiver", "reporter"):
        if out[name]:
            out[name] = _organisation(session, out[name], name).id
    out["reporter"] = out["reporter"] or out["provider"]
    for r in out["recipients"]:
        if r["country"]:
            r["country"] = resolve_country(r["country"]).alpha2
        r["percentage"] = str(Decimal(r["percentage"]).normalize())
    for line in out["items"]:
        line["item"] = line["item"].upper()
        if line["unit_value"] is not None:
            line["unit_value"] = str(Decimal(line["unit_value"]).normalize())
    if out["amount"] is not None:
        out["amount"] = str(Decimal(out["amount"]).normalize())
    if out["currency"]:
        out["currency"] = out["currency"].upper()
    return out


def _unchanged(session: Session, v: FlowVersion, data: FlowCreate) -> bool:
    current = row_to_flow(session, version_to_row(session, v), {})
    mine = _comparable(session, current)
    theirs = _comparable(session, data)
    for units in (mine["items"], theirs["items"]):
        for line in units:
            line.pop("unit", None)
    return mine == theirs


# --- import and export ---------------------------------------------------------------------------


def import_csv(
    session: Session,
    actor: Actor,
    text: str,
    filename: str,
    *,
    on_error: OnError = OnError.ERROR_FIRST,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import flows from CSV text: new refs become flows, changed ones new versions, the rest nothing.

    In the error modes nothing is written when any row is bad (the caller's transaction rolls back
    on the ``Invalid`` raised); in ``warn`` and ``skip`` the good rows are written and the report
    lists every bad one with file, line, field, value and reason.
    """
    problems = Problems(filename, on_error)
    report = ImportReport(file=filename)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("ref", *REQUIRED) if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(
            f"{filename}: missing columns {', '.join(missing)}",
            details=[
                {"file": filename, "line": 1, "field": c, "value": None, "reason": "missing column"} for c in missing
            ],
        )
    rows = [(reader.line_num, row) for row in reader]
    refs: dict[str, int] = {}
    # The report totals of the whole file are added up in memory and written once.
    with totals.batched(session):
        for n, (line, row) in enumerate(rows, start=1):
            report.rows_read += 1
            try:
                if not (row.get("ref") or "").strip():
                    raise Invalid("ref is required", details=[{"field": "ref", "value": None, "reason": "missing"}])
                data = row_to_flow(session, row, refs)
                existing = (
                    _flow_id(session, data.ref or "", "ref", refs)
                    if data.ref and _exists(session, data.ref, refs)
                    else None
                )
                if existing is None:
                    refs[data.ref or ""] = record_flow(
                        session, actor, data.model_copy(update={"ref": _own_ref(data.ref)})
                    ).flow_id
                    report.accepted += 1
                elif _unchanged(session, current_version(session, existing), data):
                    report.unchanged += 1
                else:
                    revise_flow(
                        session,
                        actor,
                        existing,
                        data.model_copy(update={"ref": None}),
                        f"CSV import {filename} line {line}",
                    )
                    report.accepted += 1
            except SolidarityError as exc:
                detail = exc.details[0] if isinstance(exc.details, list) and exc.details else {}
                report.rejected += 1
                problems.add(line=line, field=detail.get("field"), value=detail.get("value"), reason=exc.message)
            if progress is not None:
                progress(n, len(rows))
    problems.raise_if_failed()
    report.problems = problems.listed()
    return report


def _exists(session: Session, ref: str, refs: dict[str, int]) -> bool:
    if ref in refs or ref.startswith("#"):
        return True
    return session.scalar(select(Flow.id).where(Flow.ref == ref)) is not None


def _own_ref(ref: str | None) -> str | None:
    return None if ref is None or ref.startswith("#") else ref


def export_rows(session: Session, filters: Filters) -> Iterator[dict[str, str]]:
    """Every current flow under ``filters`` as rows of the import format, by id."""
    query = filters.apply(select(FlowVersion)).order_by(FlowVersion.flow_id)
    for v in session.scalars(query):
        yield version_to_row(session, v)


def write_csv(rows: Iterable[dict[str, str]], stream: io.TextIOBase | Any) -> int:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
