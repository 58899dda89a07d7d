"""The public reporting pages: the global dashboard and one page per area.

Everything is drawn on the server first: headline figures, tables, the world map (inline SVG from
``web.maps``). ``static/charts.js`` then turns the JSON beside each chart into a Chart.js canvas;
without JavaScript the table under each chart carries the same figures. Forms use GET, so every
view (a milestone step, an ``as_of`` date) has its own address and works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from solidarity.errors import Invalid, NotFound
from solidarity.knowledge import measures as knowledge_measures
from solidarity.reporting import incidence, queries
from solidarity.reporting.analytics.growth import growth
from solidarity.reporting.analytics.milestones import WUHAN_FIRST_REPORT
from solidarity.reporting.analytics.quality import summarise_quality
from solidarity.reporting.analytics.series import Series
from solidarity.reporting.models import AreaKind
from solidarity.reporting.records import Frequency, Measure
from solidarity.web import charts, maps
from solidarity.web.deps import ActorDep, SessionDep
from solidarity.web.templating import render

router = APIRouter(prefix="/reporting")

DEFAULT_STEP = 100_000
DEFAULT_COUNT = 20
"""Milestones listed unless the reader asks for more; the CSV has them all."""
MAX_COUNT = 1000
MAP_WINDOWS = (7, 14)
KIND_LABELS = {
    AreaKind.COUNTRY.value: "country",
    AreaKind.TERRITORY.value: "territory",
    AreaKind.SUBNATIONAL.value: "subnational area",
    AreaKind.CONVEYANCE.value: "ship or conveyance",
    AreaKind.EVENT.value: "event",
    AreaKind.OTHER.value: "not a country",
}
NOT_ON_MAP_NOTE = (
    "Not a country: its figures are kept apart, left off the world map and counted in global totals as the "
    "source counts them."
)


def area_href(code: str) -> str:
    return f"/reporting/areas/{code}"


def _api(path: str, **params: Any) -> str:
    return f"/api/v1/reporting/{path}?{urlencode({k: v for k, v in params.items() if v is not None})}"


@dataclass(frozen=True)
class Headline:
    label: str
    value: str


def _last_known(series: Series) -> tuple[dt.date, float | int] | None:
    for date, value in reversed(series.pairs()):
        if value is not None:
            return date, value
    return None


def _sum_recent(new: Series, days: int = 7) -> int | float | None:
    """New counts over the last ``days`` days of the series (a weekly value counts when its date is inside)."""
    if new.end is None:
        return None
    start = new.end - dt.timedelta(days=days - 1)
    values = [value for date, value in new.pairs() if date >= start and value is not None]
    return sum(values) if values else None


def _headline(
    cases: queries.StoredSeries, deaths: queries.StoredSeries, session: Session | None = None
) -> list[Headline]:
    """Totals to date and new counts of the last 7 days.

    For the world or a region (pass ``session``), the total adds each area's latest cumulative count:
    the day's total would hold only the areas that reported that day, and collapse when one ministry
    publishes a day ahead of the others.
    """
    items: list[Headline] = []
    for stored, noun in ((cases, "cases"), (deaths, "deaths")):
        last = _last_known(stored.cumulative)
        summed = (
            queries.last_reported_total(session, stored.scope.code, stored.measure, stored.frequency)
            if session is not None and stored.scope.is_total
            else None
        )
        if summed is not None:
            when = f"to {summed.newest}" if summed.oldest == summed.newest else f"latest reports, to {summed.newest}"
            items.append(Headline(f"{noun} in total, {when}", charts.figure(summed.total)))
        elif last is not None:
            items.append(Headline(f"{noun} in total, to {last[0]}", charts.figure(last[1])))
        recent = _sum_recent(stored.new)
        if recent is not None:
            items.append(Headline(f"new {noun}, last 7 days", charts.figure(recent)))
    return items


def _provenance(session: Session, *stored: queries.StoredSeries) -> dict[str, Any]:
    versions = [s.version for s in stored if s.version is not None]
    sources = sorted({source for s in stored for source in s.sources})
    ends = [s.new.end or s.cumulative.end for s in stored if len(s.new) or len(s.cumulative)]
    version = max(versions) if versions else None
    published = queries.get_version(session, version).published_at if version is not None else None
    return {
        "source": ", ".join(sources),
        "version": version,
        "published_at": published.strftime("%Y-%m-%d %H:%M UTC") if published else None,
        "last_date": max(e for e in ends if e is not None) if ends else None,
        "frequency": stored[0].frequency.value if stored else None,
    }


def _series_pair(
    session: Session, code: str, as_of: dt.datetime | None
) -> tuple[queries.StoredSeries, queries.StoredSeries]:
    """Cases and deaths of one scope, daily if it has daily case figures, else weekly."""
    cases = queries.get_series(session, code, Measure.CASES, Frequency.DAILY, as_of=as_of)
    frequency = Frequency.DAILY
    if not len(cases.new) and not len(cases.cumulative):
        weekly = queries.get_series(session, code, Measure.CASES, Frequency.WEEKLY, as_of=as_of)
        if len(weekly.new) or len(weekly.cumulative):
            cases, frequency = weekly, Frequency.WEEKLY
    deaths = queries.get_series(session, code, Measure.DEATHS, frequency, as_of=as_of)
    return cases, deaths


def _has_figures(stored: queries.StoredSeries) -> bool:
    return bool(len(stored.new) or len(stored.cumulative))


def _epicurve(stored: queries.StoredSeries, label: str, colour: str) -> charts.Chart | None:
    return charts.epicurve_chart(stored.new, label=label, colour=colour) if len(stored.new) else None


def _complete_epicurve(stored: queries.StoredSeries, label: str, colour: str) -> tuple[charts.Chart | None, str | None]:
    """A total's curve without its trailing incomplete dates, and a note saying how many were left out.

    A date is incomplete when far fewer areas reported than on the last complete date
    (``queries.completeness``): drawn, the world's curve would fall to one early ministry's figures.
    """
    complete = stored.completeness()
    tail = []
    for date in reversed(stored.new.dates):
        if date not in complete:
            continue
        if complete[date]:
            break
        tail.append(date)
    if not tail or len(tail) == len(complete):
        return _epicurve(stored, label, colour), None
    last_complete = max(date for date, ok in complete.items() if ok)
    kept = stored.new.dates.index(last_complete) + 1
    chart = charts.epicurve_chart(
        Series(stored.new.start, stored.new.frequency, stored.new.values[:kept]), label=label, colour=colour
    )
    unit = "weeks" if stored.frequency is Frequency.WEEKLY else "days"
    if len(tail) == 1:
        unit = unit.removesuffix("s")
        head = f"The last {unit} ({tail[0].isoformat()}) is incomplete"
    else:
        head = f"The last {len(tail)} {unit} ({min(tail).isoformat()} to {max(tail).isoformat()}) are incomplete"
    note = (
        f"{head}: only {stored.areas[tail[0]]} of {stored.areas[last_complete]} areas have reported"
        f" (on {tail[0].isoformat()}), so the chart ends on {last_complete.isoformat()}."
    )
    return chart, note


# --- the dashboard ------------------------------------------------------------------------------


def _map_context(session: Session, window: int) -> dict[str, Any]:
    recent = incidence.recent_incidence(session, days=window)
    # every country with a page links to it, also when it has nothing recent to colour it by
    entries = {area.code: maps.MapEntry(None, area_href(area.code)) for area, _ in queries.list_areas(session)}
    entries.update(
        (area.code, maps.MapEntry(area.per_100k, area_href(area.code)))
        for area in recent.areas
        if area.per_100k is not None
    )
    scale = maps.INCIDENCE_SCALE
    title = f"New cases per 100,000 people in the {window} days to {recent.end}"
    rows = [
        {
            "name": area.name,
            "href": area_href(area.code),
            "new": charts.figure(area.new),
            "rate": charts.figure(area.per_100k, 1),
        }
        for area in recent.areas
    ]
    return {
        "window": window,
        "end": recent.end,
        "svg": maps.choropleth(entries, scale=scale, title=title),
        "legend": maps.legend(scale),
        "unit": "Per 100,000:",
        "breaks": ", ".join(charts.figure(b) for b in scale.breaks),
        "rows": rows,
    }


def _area_groups(session: Session) -> list[dict[str, Any]]:
    areas = queries.list_areas(session)
    children: dict[str, int] = {}
    for _, parent_code in areas:
        if parent_code:
            children[parent_code] = children.get(parent_code, 0) + 1
    places = [a for a, parent in areas if parent is None and a.kind in (AreaKind.COUNTRY, AreaKind.TERRITORY)]
    others = [a for a, parent in areas if parent is None and a.kind not in (AreaKind.COUNTRY, AreaKind.TERRITORY)]
    groups = []
    for title, members in (("Countries and territories", places), ("Not on the map", others)):
        if members:
            entries = [
                {"name": a.name, "href": area_href(a.code), "children": children.get(a.code, 0)}
                for a in sorted(members, key=lambda a: a.name)
            ]
            groups.append({"title": title, "areas": entries})
    return groups


@router.get("", name="reporting_dashboard")
def dashboard(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    measure: Annotated[Measure, Query(description="cases or deaths, for the milestones")] = Measure.CASES,
    step: Annotated[str, Query(description="milestone step")] = str(DEFAULT_STEP),
    count: Annotated[int, Query(ge=1, le=MAX_COUNT, description="how many milestones to list")] = DEFAULT_COUNT,
    window: Annotated[int, Query(description="map period in days: 7 or 14")] = 7,
) -> Response:
    if measure not in (Measure.CASES, Measure.DEATHS):
        measure = Measure.CASES
    window = window if window in MAP_WINDOWS else MAP_WINDOWS[0]
    cases, deaths = _series_pair(session, queries.GLOBAL, None)
    context: dict[str, Any] = {
        "has_data": _has_figures(cases) or _has_figures(deaths),
        "links": _officer_links(actor),
        "milestone_form": {
            "measure": measure.value,
            "step": step,
            "step_text": step,
            "count": count,
            "origin": WUHAN_FIRST_REPORT.isoformat(),
        },
        "map": {"window": window},
    }
    if not context["has_data"]:
        return render(request, "reporting/dashboard.html", context)
    milestone_rows, milestone_error = _milestones(session, measure, step, count)
    context["cases_chart"], context["cases_note"] = _complete_epicurve(cases, "New cases", "cases")
    context["deaths_chart"], context["deaths_note"] = _complete_epicurve(deaths, "New deaths", "deaths")
    context.update(
        headline=_headline(cases, deaths, session),
        provenance=_provenance(session, cases, deaths),
        map=_map_context(session, window),
        milestones=milestone_rows,
        milestone_error=milestone_error,
        area_groups=_area_groups(session),
        downloads=[
            ("Global cases (CSV)", _api("series", area=queries.GLOBAL, measure="cases", format="csv")),
            ("Global deaths (CSV)", _api("series", area=queries.GLOBAL, measure="deaths", format="csv")),
            ("Milestones, all (CSV)", _api("milestones", measure=measure.value, step=step, format="csv")),
            ("Areas (CSV)", _api("areas", format="csv")),
        ],
    )
    context["milestone_form"]["step_text"] = charts.figure(_int_or_none(step))
    return render(request, "reporting/dashboard.html", context)


def _officer_links(actor: Any) -> list[tuple[str, str]]:
    if not actor.is_authenticated:
        return []
    return [("Submit figures", "/reporting/submit"), ("Import a file", "/reporting/import")]


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.replace(",", "").replace("_", "").strip())
    except ValueError:
        return None


def _milestones(
    session: Session, measure: Measure, step_text: str, count: int
) -> tuple[list[dict[str, Any]], str | None]:
    step = _int_or_none(step_text)
    if step is None:
        return [], f"Step {step_text!r} is not a whole number."
    try:
        found = queries.get_milestones(session, measure=measure, step=step, count=count)
    except Invalid as exc:
        return [], exc.message
    rows = []
    for item in found:
        m = item.milestone
        rows.append(
            {
                "milestone": charts.figure(m.milestone),
                "date": m.date.isoformat(),
                "days_since_previous": m.days_since_previous,
                "days_since_origin": m.days_since_origin,
                "source": item.source,
                "version": item.version if item.version is not None else "–",
            }
        )
    return rows, None


# --- one area -----------------------------------------------------------------------------------


def _as_of(text: str) -> tuple[dt.date | None, dt.datetime | None]:
    """A date from the picker means the end of that day in UTC; a full timestamp (from a revision link)
    means that moment. Blank means the latest figures."""
    wanted = text.strip()
    if not wanted:
        return None, None
    try:
        if "T" in wanted:
            moment = dt.datetime.fromisoformat(wanted.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            return moment.astimezone(dt.UTC).date(), moment
        day = dt.date.fromisoformat(wanted)
    except ValueError:
        raise Invalid(
            f"as_of {text!r} is not a date in YYYY-MM-DD form",
            details=[{"field": "as_of", "value": text, "reason": "not a date"}],
        ) from None
    return day, dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def _as_of_label(text: str, moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if "T" in text:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"the end of {moment.date()} (UTC)"


def _rt_context(session: Session, code: str, as_of: dt.datetime | None) -> tuple[charts.Chart | None, dict[str, Any]]:
    try:
        sourced = queries.get_rt(session, code, as_of=as_of)
    except (NotFound, Invalid) as exc:
        return None, {"reason": exc.message}
    result = sourced.result
    info: dict[str, Any] = {"si_mean": result.si_mean, "si_sd": result.si_sd, "window": result.window}
    if not result.estimates:
        info["reason"] = "Too few cases yet to estimate Rt (Cori et al. need at least a dozen cumulative cases)."
        return None, info
    last = result.estimates[-1]
    info["latest"] = {
        "mean": charts.figure(last.mean, 2),
        "lower": charts.figure(last.lower, 2),
        "upper": charts.figure(last.upper, 2),
        "end": last.end.isoformat(),
        "reliable": last.is_reliable,
        "window_cases": f"{last.window_cases:,.0f}",
    }
    unreliable = sum(not e.is_reliable for e in result.estimates)
    if unreliable:
        info["unreliable"] = (
            f"{unreliable} of {len(result.estimates)} windows hold fewer than {result.min_window_cases:g} cases "
            f"(or their posterior coefficient of variation is {result.max_cv:g} or more): their Rt is not "
            "reliable; the chart draws them grey and dashed and the table marks them."
        )
    adjusted = len(result.negative_dates) + len(result.missing_dates)
    if adjusted:
        info["adjusted"] = (
            f"{len(result.negative_dates)} negative and {len(result.missing_dates)} missing daily counts were "
            "counted as zero for Rt."
        )
    return charts.rt_chart(result), info


def _growth_text(cases: queries.StoredSeries) -> str:
    fitted = growth(cases.cumulative, window=14) if len(cases.cumulative) else None
    if fitted is None:
        return "Doubling time: not defined (too few figures, or a zero or missing count in the last 14 days)."
    span = f"fitted over {fitted.start} to {fitted.end}"
    doubling = fitted.doubling_time
    if doubling is None or doubling > 365:
        return f"Cumulative cases are not doubling: growth {fitted.rate * 100:.2f}% a day ({span})."
    return f"Cumulative cases double every {doubling:,.1f} days: growth {fitted.rate * 100:.1f}% a day ({span})."


def _quality(cases: queries.StoredSeries, deaths: queries.StoredSeries, revisions: int) -> dict[str, Any]:
    flags: list[dict[str, str]] = []
    last_reported: dt.date | None = None
    for stored, noun in ((cases, "cases"), (deaths, "deaths")):
        summary = summarise_quality(
            new=stored.new, cumulative=stored.cumulative, revisions=revisions, off_weekday=stored.off_weekday
        )
        for date in summary.off_weekday:
            flags.append(
                {
                    "kind": "weekday",
                    "tone": "bad",
                    "text": f"{date}: a weekly {noun} figure on a {date:%A}, off the series' weekday"
                    " (left out of the curve)",
                }
            )
        for date, value in summary.negative_new:
            flags.append(
                {
                    "kind": "negative",
                    "tone": "warn",
                    "text": f"{date}: new {noun} {charts.figure(value)} (a correction, kept as published)",
                }
            )
        for date in summary.cumulative_decreases:
            flags.append({"kind": "decrease", "tone": "bad", "text": f"{date}: cumulative {noun} went down"})
        if summary.gaps:
            shown = ", ".join(d.isoformat() for d in summary.gaps[:6])
            more = f" and {len(summary.gaps) - 6} more" if len(summary.gaps) > 6 else ""
            flags.append(
                {"kind": "gaps", "tone": "warn", "text": f"{len(summary.gaps)} dates without {noun}: {shown}{more}"}
            )
        if summary.last_reported and (last_reported is None or summary.last_reported > last_reported):
            last_reported = summary.last_reported
    facts = [("Last figure", str(last_reported) if last_reported else "–"), ("Revisions", str(revisions))]
    return {"flags": flags, "facts": facts}


def _revisions(session: Session, code: str, as_of: dt.datetime | None) -> list[dict[str, Any]]:
    history = [r for r in queries.revision_history(session, code) if as_of is None or r.published_at <= as_of]
    rows = []
    for index, revision in enumerate(history):
        published = revision.published_at
        rows.append(
            {
                "version": revision.version,
                "published": published.strftime("%Y-%m-%d %H:%M UTC"),
                "source": revision.source_name,
                "changed": charts.figure(revision.changed),
                "what": "first publication" if index == 0 else "revision",
                "as_of": published.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
        )
    rows.reverse()
    return rows


@router.get("/areas/{code}", name="reporting_area")
def area_page(request: Request, actor: ActorDep, session: SessionDep, code: str, as_of: str = "") -> Response:
    day, as_of_time = _as_of(as_of)
    scope = queries.find_scope(session, code)
    if scope.area is None:
        raise NotFound(
            f"{scope.name} is not an area; the world and regions are on the dashboard",
            details=[{"field": "code", "value": code, "reason": "not an area"}],
        )
    area = scope.area
    all_areas = queries.list_areas(session)
    parent_code = next((p for a, p in all_areas if a.id == area.id), None)
    parent = next((a for a, _ in all_areas if a.code == parent_code), None) if parent_code else None
    children = sorted(
        ({"name": a.name, "href": area_href(a.code)} for a, p in all_areas if p == area.code), key=lambda c: c["name"]
    )
    cases, deaths = _series_pair(session, area.code, as_of_time)
    revisions = _revisions(session, area.code, as_of_time)
    rt_chart, rt_info = _rt_context(session, area.code, as_of_time) if _has_figures(cases) else (None, {})
    context: dict[str, Any] = {
        "area": {
            "code": area.code,
            "name": area.name,
            "href": area_href(area.code),
            "kind_label": KIND_LABELS.get(area.kind, area.kind),
            "note": None if area.is_on_map or area.kind == AreaKind.SUBNATIONAL else NOT_ON_MAP_NOTE,
        },
        "parent": {"name": parent.name, "href": area_href(parent.code)} if parent else None,
        "children": children,
        "as_of": day.isoformat() if day else None,
        "as_of_label": _as_of_label(as_of, as_of_time),
        "today": dt.date.today().isoformat(),
        "has_data": _has_figures(cases) or _has_figures(deaths),
        "headline": _headline(cases, deaths),
        "provenance": _provenance(session, cases, deaths),
        "cases_chart": _epicurve(cases, "New cases", "cases"),
        "deaths_chart": _epicurve(deaths, "New deaths", "deaths"),
        "cumulative_chart": charts.cumulative_chart([("Cases", cases.cumulative), ("Deaths", deaths.cumulative)])
        if len(cases.cumulative) or len(deaths.cumulative)
        else None,
        "rt_chart": rt_chart,
        "rt": rt_info,
        "growth": {"text": _growth_text(cases)},
        "quality": _quality(cases, deaths, max(len(revisions) - 1, 0)),
        "revisions": revisions,
        "downloads": _area_downloads(area.code, cases.frequency, as_of_time),
        "measures": knowledge_measures.measures_for_area(session, area.country_code),
    }
    if context["cases_chart"] is not None and context["measures"]:
        context["cases_chart"].data["markers"] = [
            {"date": m.start_date.isoformat(), "label": m.measure_type.label} for m in context["measures"]
        ]
    return render(request, "reporting/area.html", context)


def _area_downloads(code: str, frequency: Frequency, moment: dt.datetime | None) -> dict[str, Any]:
    as_of = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None
    common = {"area": code, "frequency": frequency.value, "as_of": as_of, "format": "csv"}
    cases = _api("series", measure="cases", **common)
    deaths = _api("series", measure="deaths", **common)
    return {
        "cases": cases,
        "deaths": deaths,
        "links": [
            ("Cases (CSV)", cases),
            ("Deaths (CSV)", deaths),
            ("Rt (CSV)", _api("rt", area=code, format="csv")),
            ("Revisions (CSV)", _api("revisions", area=code, format="csv")),
            ("Quality (JSON)", _api("quality", area=code)),
            ("Quality problems (CSV)", _api("quality", area=code, format="csv")),
        ],
    }
