"""Assistance web forms: revising a flow (a new version, organisation-scoped) and adding another source's figure."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.assistance import ledger
from solidarity.assistance.models import Claim, Flow, FlowVersion
from solidarity.assistance.schemas import FlowCreate
from solidarity.db import transaction
from tests.conftest import Person, csrf_from, sign_in

from .conftest import SYSTEM


def _flow_id(db: sessionmaker[Session], ref: str) -> int:
    with transaction(db) as session:
        found = session.scalar(select(Flow.id).where(Flow.ref == ref))
    assert found is not None, ref
    return found


def _version_count(db: sessionmaker[Session], flow_id: int) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).where(FlowVersion.flow_id == flow_id)) or 0


def _form_values(html: str) -> dict[str, str]:
    """The values a rendered flow form carries: inputs, selected options and textareas."""
    values = dict(re.findall(r'<input type="[a-z]+" name="([a-z_]+)" value="([^"]*)"', html))
    values |= dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    for name, options in re.findall(r'<select name="([a-z_]+)">(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', options)
        values[name] = selected.group(1) if selected else ""
    for name, text in re.findall(r'<textarea name="([a-z_]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = text
    return {k: v.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&") for k, v in values.items()}


def _italian_flow(db: sessionmaker[Session], make: Callable[..., FlowCreate], it: int) -> int:
    with transaction(db) as session:
        data = make(
            it,
            ref="it-masks-rs",
            modality="in-kind",
            stage="delivery",
            amount=None,
            currency=None,
            recipients=[{"country": "RS", "percentage": 100}],
            items=[{"item": "MASK-SURG", "quantity": 5000}],
            sources=[{"citation": "Press release of 1 April 2020", "url": "https://example.org/pr", "page": "2"}],
            description="Masks to Serbia",
        )
        return ledger.record_flow(session, SYSTEM, data).flow_id


def test_revise_form_writes_a_new_version_keeping_every_other_field_and_the_history(
    client: TestClient,
    db: sessionmaker[Session],
    demo: dict[str, int],
    flow: Callable[..., FlowCreate],
    make_person: Callable[..., Person],
) -> None:
    flow_id = _italian_flow(db, flow, demo["IT"])
    sign_in(client, make_person(Role.EDITOR, organisation_id=demo["IT"]))
    shown = client.get(f"/assistance/flows/{flow_id}")
    assert f'href="/assistance/flows/{flow_id}/revise"' in shown.text
    form = client.get(f"/assistance/flows/{flow_id}/revise")
    assert form.status_code == 200
    values = _form_values(form.text)
    assert (values["provider"], values["recipients"], values["items"]) == (
        "Government of Italy",
        "RS:100",
        "MASK-SURG:5000:each:none",
    )
    assert values["sources"] == "Press release of 1 April 2020 | https://example.org/pr | 2"
    assert values["version"] == "1"
    posted = values | {"items": "MASK-SURG:6000:each:none", "reason": "Final delivery note counts 6,000"}
    done = client.post(f"/assistance/flows/{flow_id}/revise", data=posted, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    assert "6,000" in page
    assert "Final delivery note counts 6,000" in page
    assert f'href="/assistance/flows/{flow_id}?version=1"' in page
    old = client.get(f"/assistance/flows/{flow_id}", params={"version": 1}).text
    assert "5,000" in old
    assert "not the current one" in old
    first, second = client.get(f"/api/v1/assistance/flows/{flow_id}/versions").json()
    changed = {k for k in first if first[k] != second[k]}
    assert changed == {"version", "is_current", "items", "changed_at", "changed_by", "change_reason"}, changed


def test_editors_revise_only_their_organisations_flows_and_coordinators_any(
    client: TestClient, db: sessionmaker[Session], demo: dict[str, int], make_person: Callable[..., Person]
) -> None:
    cash = _flow_id(db, "demo-cn-who-cash-2020")
    csrf = sign_in(client, make_person(Role.EDITOR, organisation_id=demo["IT"]))
    assert 'data-testid="revise-link"' not in client.get(f"/assistance/flows/{cash}").text
    assert client.get(f"/assistance/flows/{cash}/revise").status_code == 403
    refused = client.post(
        f"/assistance/flows/{cash}/revise",
        data={"csrf_token": csrf, "version": "1", "reason": "try", "provider": "IT", "description": "x"},
    )
    assert refused.status_code == 403
    assert "may only revise flows their organisation provides or reports" in refused.text
    assert _version_count(db, cash) == 1

    coordinator = TestClient(client.app)
    sign_in(coordinator, make_person(Role.COORDINATOR, organisation_id=demo["IT"], modules=["assistance"]))
    values = _form_values(coordinator.get(f"/assistance/flows/{cash}/revise").text)
    done = coordinator.post(
        f"/assistance/flows/{cash}/revise",
        data=values | {"sector_dac": "12263", "reason": "Sector corrected"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert _version_count(db, cash) == 2


def test_revise_form_bad_input_is_shown_again_with_a_4xx_and_writes_nothing(
    client: TestClient,
    db: sessionmaker[Session],
    demo: dict[str, int],
    flow: Callable[..., FlowCreate],
    make_person: Callable[..., Person],
) -> None:
    flow_id = _flow_id(db, "demo-cn-who-cash-2020")
    with transaction(db) as session:
        own = ledger.record_flow(session, SYSTEM, flow(demo["IT"], ref="it-cash")).flow_id
    sign_in(client, make_person(Role.EDITOR, organisation_id=demo["IT"]))
    values = _form_values(client.get(f"/assistance/flows/{own}/revise").text)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"reason": ""}, 422, "Say why the flow changes"),
        ({"recipients": "IT:60; RS:30"}, 422, "recipients.percentage"),
        ({"currency": "XYZ"}, 422, "XYZ"),
        ({"amount": "-5"}, 422, "amount"),
        ({"items": "MASK-SURG:-3", "modality": "in-kind"}, 422, "items.0.quantity"),
        ({"flow_date": "2020-13-45"}, 422, "flow_date"),
        ({"provider": str(demo["CN"]), "reporter": str(demo["CN"])}, 403, "may only record flows"),
        ({"version": "0"}, 409, "changed while you edited it"),
        ({"fulfils_ref": f"#{flow_id}"}, 422, "not a pledge or commitment"),
    ]
    for change, status, text in cases:
        posted = values | {"reason": "A change"} | change
        response = client.post(f"/assistance/flows/{own}/revise", data=posted)
        assert response.status_code == status, (change, response.status_code, response.text[-800:])
        assert text in response.text, (change, text)
        assert 'data-testid="form-error"' in response.text
        for name, value in change.items():
            if name != "version":
                assert f">{value}<" in response.text or f'value="{value}"' in response.text, (name, value)
    assert _version_count(db, own) == 1
    assert client.get("/assistance/flows/999999/revise").status_code == 404


def test_claim_form_keeps_both_figures_side_by_side_with_a_discrepancy_flag(
    client: TestClient, db: sessionmaker[Session], demo: dict[str, int], make_person: Callable[..., Person]
) -> None:
    cash = _flow_id(db, "demo-cn-who-cash-2020")
    sign_in(client, make_person(Role.EDITOR, organisation_id=demo["CN"]))
    form = client.get("/assistance/claims/new", params={"flow": cash})
    assert form.status_code == 200
    assert 'value="CN -&gt; WHO cash support 2020" readonly' in form.text
    fields = {
        "csrf_token": csrf_from(form.text),
        "flow": str(cash),
        "subject": "something else",
        "statement": "WHO's donor list shows US$48 million from China",
        "claim_date": "2020-07-15",
        "amount": "48000000",
        "currency": "USD",
        "citation": "WHO, COVID-19 Solidarity Response Fund donors, July 2020",
    }
    done = client.post("/assistance/claims/new", data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(done.headers["location"]).text
    side = page[page.index('data-testid="claims"') :]
    for text in ("discrepancy", "50,000,000", "55,000,000", "48,000,000", "donor list shows", "both are kept"):
        assert text in side, text
    with transaction(db) as session:
        subjects = {c.subject for c in session.scalars(select(Claim))}
    assert "something else" not in subjects, "a flow's claims keep the flow's subject"
    assert _version_count(db, cash) == 1
    assert client.get("/api/v1/assistance/reports/channel").status_code == 200
    table = client.get("/api/v1/assistance/claims").json()
    (entry,) = [d for d in table if d["subject"] == "CN -> WHO cash support 2020"]
    assert (entry["ledger_usd"], len(entry["claims"]), entry["is_discrepant"]) == ("50000000.00", 2, True)


def test_claim_form_names_the_subject_on_a_flow_without_one_and_refuses_bad_input(
    client: TestClient,
    db: sessionmaker[Session],
    demo: dict[str, int],
    flow: Callable[..., FlowCreate],
    make_person: Callable[..., Person],
) -> None:
    with transaction(db) as session:
        own = ledger.record_flow(session, SYSTEM, flow(demo["IT"], ref="it-cash")).flow_id
    cn_flow = _flow_id(db, "demo-cn-who-srf-fundraising")
    csrf = sign_in(client, make_person(Role.EDITOR, organisation_id=demo["IT"]))
    base = {"csrf_token": csrf, "statement": "The ministry's report says US$1,000", "citation": "Ministry report"}
    missing = client.post(
        "/assistance/claims/new", data=base | {"flow": str(own), "subject": "IT cash", "statement": ""}
    )
    assert missing.status_code == 422
    assert "statement: Field required" in missing.text
    no_currency = client.post(
        "/assistance/claims/new", data=base | {"flow": str(own), "subject": "IT cash", "amount": "1000"}
    )
    assert no_currency.status_code == 422
    assert "currency" in no_currency.text
    no_citation = client.post(
        "/assistance/claims/new",
        data=base | {"flow": str(own), "subject": "IT cash", "citation": "", "amount": "1000", "currency": "USD"},
    )
    assert no_citation.status_code == 422
    assert "citation" in no_citation.text
    others = client.post("/assistance/claims/new", data=base | {"flow": str(cn_flow), "subject": "CN SRF"})
    assert others.status_code == 403
    assert "names no subject" in others.text
    assert _version_count(db, own) == 1
    assert _version_count(db, cn_flow) == 1

    agree = base | {"flow": str(own), "subject": "IT cash", "amount": "1000", "currency": "USD"}
    done = client.post("/assistance/claims/new", data=agree, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = client.get(f"/assistance/flows/{own}").text
    assert "the sources agree" in page
    assert "Ministry report" in page
    assert _version_count(db, own) == 2, "the flow names the subject in a new version"


def test_form_overrides_are_a_coordinators_recorded_decision(
    client: TestClient,
    db: sessionmaker[Session],
    demo: dict[str, int],
    flow: Callable[..., FlowCreate],
    make_person: Callable[..., Person],
) -> None:
    with transaction(db) as session:
        commitment = ledger.record_flow(session, SYSTEM, flow(demo["IT"], stage="commitment", ref="it-commit"))
    payment = {
        "provider": str(demo["IT"]),
        "channel": "bilateral",
        "modality": "financial",
        "stage": "disbursement",
        "flow_date": "2020-06-01",
        "amount": "1500",
        "currency": "USD",
        "fulfils_ref": "it-commit",
        "description": "Payment above its commitment",
        "sources": "Ministry report",
    }
    no_rate = payment | {"fulfils_ref": "", "currency": "XOF", "flow_date": "1990-01-02", "description": "Old CFA"}
    editor_csrf = sign_in(client, make_person(Role.EDITOR, organisation_id=demo["IT"]))
    form = client.get("/assistance/flows/new").text
    assert 'name="override_reason"' not in form, "editors are not offered overrides"
    over = client.post("/assistance/flows/new", data=payment | {"csrf_token": editor_csrf})
    assert over.status_code == 422
    assert f"would exceed commitment {commitment.flow_id}" in over.text
    missing = client.post("/assistance/flows/new", data=no_rate | {"csrf_token": editor_csrf})
    assert missing.status_code == 422
    assert "No exchange rate" in missing.text
    sneaked = client.post(
        "/assistance/flows/new",
        data=no_rate | {"csrf_token": editor_csrf, "explicit_rate": "0.0017", "override_reason": "bank statement"},
    )
    assert sneaked.status_code == 422
    assert "Only a coordinator may give an explicit rate" in sneaked.text

    coordinator = TestClient(client.app)
    csrf = sign_in(coordinator, make_person(Role.COORDINATOR, organisation_id=demo["RS"], modules=["assistance"]))
    assert 'name="override_reason"' in coordinator.get("/assistance/flows/new").text
    accepted = coordinator.post(
        "/assistance/flows/new",
        data=payment | {"csrf_token": csrf, "override_reason": "Exchange loss covered, see letter of 2 June"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    assert "Exchange loss covered, see letter of 2 June" in coordinator.get(accepted.headers["location"]).text
    rated = coordinator.post(
        "/assistance/flows/new",
        data=no_rate | {"csrf_token": csrf, "explicit_rate": "0.0017", "override_reason": "bank statement"},
        follow_redirects=False,
    )
    assert rated.status_code == 303, rated.text
    shown = coordinator.get(rated.headers["location"]).text
    assert "explicit rate by" in shown
    assert "bank statement" in shown
    revise = rated.headers["location"] + "/revise"
    values = _form_values(coordinator.get(revise).text)
    assert (values["explicit_rate"], values["override_reason"]) == ("0.0017", "bank statement")
    again = coordinator.post(
        revise, data=values | {"description": "Old CFA francs", "reason": "Wording"}, follow_redirects=False
    )
    assert again.status_code == 303, again.text
    assert "Old CFA francs" in coordinator.get(rated.headers["location"]).text


def test_a_claim_without_a_flow_or_an_amount_is_a_dated_note_on_the_overview(
    client: TestClient, demo: dict[str, int], make_person: Callable[..., Person]
) -> None:
    csrf = sign_in(client, make_person(Role.EDITOR, organisation_id=demo["WFP"]))
    form = client.get("/assistance/claims/new").text
    assert 'value="World Food Programme"' in form, "the reporter defaults to the editor's organisation"
    note = {
        "csrf_token": csrf,
        "subject": "UN Humanitarian Response Depot, Guangzhou",
        "statement": "Second batch of supplies dispatched from the Guangzhou hub",
        "claim_date": "2020-05-20",
        "citation": "WFP press note, May 2020",
        "reporter": "WFP",
    }
    done = client.post("/assistance/claims/new", data=note, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/assistance#sources"
    overview = client.get("/assistance").text
    assert "2020-05-20 Second batch of supplies dispatched from the Guangzhou hub" in overview
    other = client.post("/assistance/claims/new", data=note | {"reporter": str(demo["CN"])})
    assert other.status_code == 403, "an editor records claims only as their own organisation"
