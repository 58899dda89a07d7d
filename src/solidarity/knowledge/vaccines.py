"""The vaccine R&D landscape: candidates by platform and phase, their developers, partners and trials."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from solidarity.actor import Actor
from solidarity.audit import service as audit
from solidarity.errors import Conflict, Invalid, NotFound
from solidarity.knowledge.models import (
    PartyRole,
    Phase,
    Platform,
    VaccineCandidate,
    VaccineParty,
    VaccinePhase,
    VaccineTrialSite,
)
from solidarity.knowledge.querying import Page
from solidarity.knowledge.schemas import CandidateCreate, CandidateUpdate, PhaseEntry
from solidarity.knowledge.service import MODULE, _organisation
from solidarity.partners import service as partners
from solidarity.reference.countries import resolve_country


def _party(session: Session, role: PartyRole, text: str) -> VaccineParty:
    """A registered organisation when the text names one, else the free-text name."""
    try:
        org = partners.resolve_organisation(session, text)
    except (NotFound, Invalid):
        return VaccineParty(role=role, name=text.strip()[:300], organisation_id=None)
    return VaccineParty(role=role, name=org.name, organisation_id=org.id)


def _phases(entries: list[PhaseEntry]) -> tuple[list[VaccinePhase], Phase]:
    seen: dict[Phase, dt.date] = {}
    for entry in entries:
        if entry.phase in seen:
            raise Invalid(
                f"Phase {entry.phase.value} is listed twice",
                details=[{"field": "phases", "value": entry.phase.value, "reason": "duplicate phase"}],
            )
        seen[entry.phase] = entry.started_on
    furthest = max(seen, key=lambda p: p.order) if seen else Phase.PRECLINICAL
    rows = [VaccinePhase(phase=p, started_on=d) for p, d in sorted(seen.items(), key=lambda item: item[1])]
    return rows, furthest


def snapshot(candidate: VaccineCandidate) -> dict[str, Any]:
    return audit.snapshot(candidate) | {
        "parties": [f"{p.role.value}: {p.name}" for p in candidate.parties],
        "phases": {p.phase.value: p.started_on.isoformat() for p in candidate.phases},
        "trial_countries": [s.country_code for s in candidate.trial_sites],
    }


def add_candidate(session: Session, actor: Actor, data: CandidateCreate) -> VaccineCandidate:
    """Add a vaccine candidate; its phase is the furthest of its phase history.

    Developers and partners that name a registered organisation are linked to it; other names
    are kept as text. ``Conflict`` if the name is taken; ``Invalid`` for an unknown trial country.
    """
    org = _organisation(session, data.organisation)
    owner = org.id if org is not None else actor.organisation_id
    actor.require_write(MODULE, owner)
    existing = session.scalar(select(VaccineCandidate).where(VaccineCandidate.name == data.name.strip()))
    if existing is not None:
        raise Conflict(f"Vaccine candidate {data.name!r} exists already", details={"existing_id": existing.id})
    phases, furthest = _phases(data.phases)
    candidate = VaccineCandidate(
        name=data.name.strip(),
        platform=data.platform,
        phase=furthest,
        description=data.description.strip(),
        is_global_public_good=data.is_global_public_good,
        public_good_source=data.public_good_source,
        source=data.source,
        organisation_id=owner,
    )
    candidate.parties = [_party(session, PartyRole.DEVELOPER, d) for d in data.developers] + [
        _party(session, PartyRole.PARTNER, p) for p in data.partners
    ]
    candidate.phases = phases
    codes = dict.fromkeys(resolve_country(c, field="trial_countries").alpha2 for c in data.trial_countries)
    candidate.trial_sites = [VaccineTrialSite(country_code=c) for c in codes]
    session.add(candidate)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="add",
        entity_type="vaccine_candidate",
        entity_id=candidate.id,
        after=snapshot(candidate),
    )
    return candidate


def get_candidate(session: Session, candidate_id: int) -> VaccineCandidate:
    candidate = session.get(VaccineCandidate, candidate_id)
    if candidate is None:
        raise NotFound(f"Vaccine candidate {candidate_id} does not exist")
    return candidate


def update_candidate(session: Session, actor: Actor, candidate_id: int, data: CandidateUpdate) -> VaccineCandidate:
    """Change the fields sent (``phases`` and ``trial_countries`` replace the whole list)."""
    candidate = get_candidate(session, candidate_id)
    actor.require_write(MODULE, candidate.organisation_id)
    before = snapshot(candidate)
    values = data.model_dump(exclude_unset=True, exclude={"phases", "trial_countries"})
    for name, value in values.items():
        setattr(candidate, name, value)
    if data.phases is not None:
        phases, candidate.phase = _phases(data.phases)
        candidate.phases.clear()
        session.flush()  # the old rows go before the new ones meet the (candidate, phase) unique key
        candidate.phases = phases
    if data.trial_countries is not None:
        codes = dict.fromkeys(resolve_country(c, field="trial_countries").alpha2 for c in data.trial_countries)
        candidate.trial_sites.clear()
        session.flush()
        candidate.trial_sites = [VaccineTrialSite(country_code=c) for c in codes]
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="update",
        entity_type="vaccine_candidate",
        entity_id=candidate.id,
        before=before,
        after=snapshot(candidate),
    )
    return candidate


def delete_candidate(session: Session, actor: Actor, candidate_id: int) -> None:
    candidate = get_candidate(session, candidate_id)
    actor.require_write(MODULE, candidate.organisation_id)
    before = snapshot(candidate)
    session.delete(candidate)
    session.flush()
    audit.record(
        session,
        actor,
        module=MODULE,
        action="delete",
        entity_type="vaccine_candidate",
        entity_id=candidate_id,
        before=before,
    )


def list_candidates(
    session: Session,
    *,
    platform: Platform | None = None,
    phase: Phase | None = None,
    trial_country: str | None = None,
    is_global_public_good: bool | None = None,
    limit: int = 500,
    offset: int = 0,
) -> Page[VaccineCandidate]:
    """Candidates matching the filters, furthest phase first, then by name."""
    conditions: list[Any] = []
    if platform:
        conditions.append(VaccineCandidate.platform == platform)
    if phase:
        conditions.append(VaccineCandidate.phase == phase)
    if is_global_public_good is not None:
        conditions.append(VaccineCandidate.is_global_public_good == is_global_public_good)
    if trial_country:
        code = resolve_country(trial_country).alpha2
        conditions.append(
            exists().where(VaccineTrialSite.candidate_id == VaccineCandidate.id, VaccineTrialSite.country_code == code)
        )
    count = session.scalar(select(func.count()).select_from(VaccineCandidate).where(*conditions)) or 0
    rows = list(
        session.scalars(
            select(VaccineCandidate)
            .where(*conditions)
            .options(
                selectinload(VaccineCandidate.parties),
                selectinload(VaccineCandidate.phases),
                selectinload(VaccineCandidate.trial_sites),
            )
            .order_by(VaccineCandidate.name)
        )
    )
    rows.sort(key=lambda c: -c.phase.order)
    return Page(rows[offset : offset + limit], count)


def counts_by_platform_and_phase(candidates: list[VaccineCandidate]) -> dict[str, Any]:
    """Chart data: for each phase, the number of candidates of each platform.

    >>> counts_by_platform_and_phase([])["labels"][0]
    'Inactivated'
    """
    counts = Counter((c.platform, c.phase) for c in candidates)
    return {
        "labels": [p.label for p in Platform],
        "datasets": [{"label": ph.label, "data": [counts[(pl, ph)] for pl in Platform]} for ph in Phase],
    }


def timeline(candidates: list[VaccineCandidate]) -> list[dict[str, Any]]:
    """Every phase start of every candidate, oldest first: the landscape's timeline."""
    events = [{"date": p.started_on, "candidate": c, "phase": p.phase} for c in candidates for p in c.phases]
    return sorted(events, key=lambda e: (e["date"], e["candidate"].name))
