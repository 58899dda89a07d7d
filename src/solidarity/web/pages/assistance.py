"""Assistance pages: overview, flows with their versions and chains, the new-flow form, Table 1 and reports.

Every number on a report links to the flows behind it (the flows list under the same filters).
The forms (record, revise, another source's figure) are in ``assistance_forms``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.assistance import service
from solidarity.assistance.models import Boundary, Channel, FlowVersion, Modality, Stage, Terms
from solidarity.assistance.reports import TABLE1_TITLE, ReportRow
from solidarity.errors import Invalid, NotFound, SolidarityError
from solidarity.knowledge import service as knowledge
from solidarity.partners import networks
from solidarity.partners import service as partners
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.maps import ColourScale, MapEntry, choropleth, legend
from solidarity.web.pages import assistance_forms
from solidarity.web.templating import render

router = APIRouter(prefix="/assistance")
# the forms first: "/flows/new" must match before "/flows/{flow_id}"
router.include_router(assistance_forms.router)
PAGE = 50
STAGES = [s.value for s in Stage]
USD_SCALE = ColourScale((100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000), "USD paid")
REPORTS = {"provider": "Provider", "recipient": "Recipient", "channel": "Channel", "modality": "Modality"}


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid(f"{text!r} is not a date (YYYY-MM-DD)", details=[{"field": "date", "value": text}]) from None


def _filters(session: Session, request: Request) -> tuple[service.Filters, dict[str, str]]:
    q = request.query_params
    raw = {
        k: q.get(k, "").strip()
        for k in (
            "start",
            "end",
            "emergency",
            "provider",
            "recipient",
            "stage",
            "channel",
            "modality",
            "item",
            "illustrative",
        )
    }
    filters = service.make_filters(
        session,
        start=_date(raw["start"]),
        end=_date(raw["end"]),
        emergency=raw["emergency"],
        provider=raw["provider"],
        recipient=raw["recipient"],
        stage=raw["stage"],
        channel=raw["channel"],
        modality=raw["modality"],
        item=raw["item"],
        illustrative=_yes_no(raw["illustrative"], "illustrative"),
    )
    if filters.item:
        raw["item"] = filters.item
    return filters, {k: v for k, v in raw.items() if v}


def _yes_no(text: str, field: str) -> bool | None:
    """``yes``/``no`` (or empty: either) from a query parameter."""
    lowered = text.lower()
    if lowered in ("", "any"):
        return None
    if lowered in ("yes", "true", "1"):
        return True
    if lowered in ("no", "false", "0"):
        return False
    raise Invalid(f"{field}: {text!r} is not yes or no", details=[{"field": field, "value": text}])


def flows_link(form: dict[str, str], **extra: Any) -> str:
    """The flows list under the page's filters plus ``extra``: where a number's records are."""
    query = {**form, **{k: str(v) for k, v in extra.items() if v not in (None, "")}}
    return "/assistance/flows" + (f"?{urlencode(query)}" if query else "")


def _illustrative_count(session: Session, filters: service.Filters) -> int:
    """How many illustrative flows (not from any source) a report under ``filters`` includes."""
    if filters.illustrative is False:
        return 0
    return service.list_flows(session, dataclasses.replace(filters, illustrative=True), limit=1)[1]


def money(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    out = {}
    for org_id in ids:
        if org_id is not None:
            try:
                out[org_id] = partners.get_organisation(session, org_id).name
            except SolidarityError:
                out[org_id] = f"organisation {org_id}"
    return out


def _common(form: dict[str, str]) -> dict[str, Any]:
    return {
        "form": form,
        "flows_link": flows_link,
        "money": money,
        "stages": STAGES,
        "channels": [c.value for c in Channel],
        "modalities": [m.value for m in Modality],
        "terms": [t.value for t in Terms],
        "boundaries": [b.value for b in Boundary],
        "reports": REPORTS,
    }


@router.get("")
def overview(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    filters, form = _filters(session, request)
    # the headline figures are the sources': illustrative records are left out here and said so
    left_out = _illustrative_count(session, filters) if filters.illustrative is None else 0
    if filters.illustrative is None:
        filters = dataclasses.replace(filters, illustrative=False)
    channels = service.by_channel(session, filters)
    official = sum((r.paid_usd for r in channels if Channel(r.key).is_official), Decimal(0))
    private = sum((r.paid_usd for r in channels if not Channel(r.key).is_official), Decimal(0))
    pledges, _ = service.list_flows(session, service.Filters(stage="pledge"), limit=20)
    context = _common(form) | {
        "official": official,
        "private": private,
        "channels": channels,
        "capacity": service.capacity(session, filters),
        "discrepancies": service.discrepancies(session),
        "claims": [c for c in service.list_claims(session) if c.amount is None],
        "pledges": pledges,
        "table1_title": TABLE1_TITLE,
        "illustrative_left_out": left_out,
    }
    return render(request, "assistance/overview.html", context)


@router.get("/flows")
def flows_page(request: Request, actor: ActorDep, session: SessionDep, page: int = 1) -> Response:
    filters, form = _filters(session, request)
    page = max(page, 1)
    rows, count = service.list_flows(session, filters, limit=PAGE, offset=(page - 1) * PAGE)
    ids: set[int | None] = {r.receiver_id for r in rows}
    ids.update(r.provider_id for r in rows)
    names = _names(session, ids)
    query = urlencode(form)
    context = _common(form) | {
        "rows": rows,
        "count": count,
        "page": page,
        "pages": max(1, -(-count // PAGE)),
        "names": names,
        "csv": f"/api/v1/assistance/flows?format=csv{'&' + query if query else ''}",
        "query": query,
        "without_extra": flows_link({k: v for k, v in form.items() if k not in ("item", "illustrative")}),
    }
    return render(request, "assistance/flows.html", context)


@router.get("/flows/{flow_id}")
def flow_page(
    request: Request, flow_id: int, actor: ActorDep, session: SessionDep, version: int | None = None
) -> Response:
    shown = service.get_version(session, flow_id, version)
    history = service.versions(session, flow_id)
    up, down = service.chain(session, flow_id)
    fulfilled_by = service.fulfilling(session, flow_id)
    related = [shown, *history, *up, *down, *fulfilled_by]
    names = _names(session, {v.provider_id for v in related} | {v.receiver_id for v in related} | {shown.reporter_id})
    subject = shown.claim_subject
    current = shown if shown.is_current else history[-1]
    joint_action = None
    if shown.joint_action_id is not None:
        try:
            joint_action = networks.get_joint_action(session, shown.joint_action_id)
        except SolidarityError:
            joint_action = None
    context = _common({}) | {
        "joint_action": joint_action,
        "may_revise": assistance_forms.may_write(actor, current.provider_id, current.reporter_id),
        "others": service.discrepancies(session, {subject}) if subject else [],
        "notes": [c for c in service.list_claims(session, subject) if c.amount is None] if subject else [],
        "flow": shown,
        "history": history,
        "up": up,
        "down": down,
        "fulfilled_by": fulfilled_by,
        "names": names,
        "training_material": knowledge.documents_for_training_session(session, flow_id),
    }
    return render(request, "assistance/flow.html", context)


@router.get("/reports/table1")
def table1_page(
    request: Request, actor: ActorDep, session: SessionDep, print_view: Annotated[int, Query(alias="print")] = 0
) -> Response:
    filters, form = _filters(session, request)
    table = service.table1(session, filters)
    sources: list[str] = []
    for row in table.rows:
        for entry in row.entries:
            for source in entry.sources:
                if source["citation"] not in sources:
                    sources.append(source["citation"])
    context = _common(form) | {
        "table": table,
        "title": TABLE1_TITLE,
        "sources": sources,
        "is_print": bool(print_view),
        "today": dt.date.today().isoformat(),
        "row_modality": {"Material supplying": "in-kind", "Cash support": "financial"},
        "json_link": "/api/v1/assistance/reports/table1" + (f"?{urlencode(form)}" if form else ""),
    }
    return render(request, "assistance/table1.html", context)


@router.get("/reports/items")
def items_page(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    filters, form = _filters(session, request)
    context = _common(form) | {
        "rows": service.by_item(session, filters),
        "by": "items",
        "illustrative_count": _illustrative_count(session, filters),
    }
    return render(request, "assistance/items.html", context)


@dataclasses.dataclass
class JointActionView:
    """A public-private joint action with its flows: the action's own (counted) and members' parts of it."""

    id: int
    title: str
    network: str
    flows: list[FlowVersion]


def _joint_actions(session: Session, filters: service.Filters) -> list[JointActionView]:
    """The joint actions behind the public-private channel under ``filters``, each with every flow recorded for it."""
    if filters.channel not in (None, Channel.PUBLIC_PRIVATE.value):
        return []
    rows, _ = service.list_flows(session, dataclasses.replace(filters, channel=Channel.PUBLIC_PRIVATE.value), limit=500)
    grouped: dict[int, list[FlowVersion]] = defaultdict(list)
    for v in rows:
        if v.joint_action_id is not None:
            grouped[v.joint_action_id].append(v)
    out = []
    for action_id, flows in sorted(grouped.items()):
        try:
            action = networks.get_joint_action(session, action_id)
            title, network = action.title, action.network.name
        except SolidarityError:
            title, network = f"joint action {action_id}", ""
        flows.sort(key=lambda f: (f.parent_flow_id is not None, f.flow_date, f.flow_id))
        out.append(JointActionView(action_id, title, network, flows))
    return out


@router.get("/reports/{by}")
def report_page(request: Request, by: str, actor: ActorDep, session: SessionDep) -> Response:
    if by not in REPORTS:
        raise NotFound(f"No assistance report by {by!r}")
    filters, form = _filters(session, request)
    functions = {
        "provider": service.by_provider,
        "recipient": service.by_recipient,
        "channel": service.by_channel,
        "modality": service.by_modality,
    }
    rows: list[ReportRow] = functions[by](session, filters)
    context = _common(form) | {
        "rows": rows,
        "by": by,
        "title": REPORTS[by],
        "illustrative_count": _illustrative_count(session, filters),
    }
    if by == "channel":
        context["joint_actions"] = _joint_actions(session, filters)
        ids: set[int | None] = {f.provider_id for a in context["joint_actions"] for f in a.flows}
        context["names"] = _names(session, ids)
    if by == "recipient":
        entries = {
            r.key: MapEntry(float(r.paid_usd), flows_link(form, recipient=r.key)) for r in rows if r.paid_usd > 0
        }
        context["map_svg"] = choropleth(
            entries, scale=USD_SCALE, title="Assistance paid or delivered, USD", describe=lambda v: f"{v:,.0f} USD"
        )
        context["map_legend"] = legend(USD_SCALE)
    return render(request, "assistance/report.html", context)


@router.get("/pledges/{flow_id}")
def pledge_page(request: Request, flow_id: int, actor: ActorDep, session: SessionDep, on: str = "") -> Response:
    progress = service.pledge_progress(session, flow_id, _date(on))
    names = _names(session, {progress.pledge.provider_id})
    commitments = [c for c in progress.commitments if c.flow_date <= progress.on]
    payments = [p for p in progress.payments if p.flow_date <= progress.on]
    context = _common({}) | {
        "illustrative": sum(1 for f in [*commitments, *payments] if f.is_illustrative),
        "progress": progress,
        "chart": progress.chart(),
        "names": names,
        "on": on,
        "commitments": commitments,
        "payments": payments,
    }
    return render(request, "assistance/pledge.html", context)
