"""Delivery chains in IATI: a transfer reported by both ends is counted once, and pass-through flows get a parent."""

from __future__ import annotations

from decimal import Decimal

from solidarity.assistance.exchange.records import counted_once, link_chains
from tests.assistance.exchange.iati_docs import activity, document, read_text, transaction

DONOR = activity(
    '<reporting-org ref="GB-GOV-1" type="10"><narrative>FCDO</narrative></reporting-org>'
    + transaction(
        "3",
        amount="1000000",
        ref="d1",
        extra=(
            '<receiver-org ref="XM-DAC-928" receiver-activity-id="XM-DAC-928-COVID">'
            "<narrative>WHO</narrative></receiver-org>"
        ),
    ),
    identifier="GB-GOV-1-COVID",
)
AGENCY = activity(
    '<reporting-org ref="XM-DAC-928" type="40"><narrative>World Health Organization</narrative></reporting-org>'
    + transaction(
        "1",
        amount="1000000",
        value_date="2020-05-03",
        ref="in1",
        extra=(
            '<provider-org ref="GB-GOV-1" provider-activity-id="GB-GOV-1-COVID">'
            "<narrative>FCDO</narrative></provider-org>"
        ),
    )
    + transaction(
        "3",
        amount="400000",
        ref="out1",
        extra='<receiver-org ref="AF-MOPH"><narrative>Ministry of Public Health</narrative></receiver-org>',
    ),
    identifier="XM-DAC-928-COVID",
)


def test_a_transfer_reported_by_both_ends_is_counted_once() -> None:
    flows, problems = read_text(document(DONOR, AGENCY))
    assert not problems.has_errors
    links = link_chains(flows)
    assert links.mirrors == {"XM-DAC-928-COVID#in1": "GB-GOV-1-COVID#d1"}
    counted = counted_once(flows, links)
    assert [f.key for f in counted] == ["GB-GOV-1-COVID#d1", "XM-DAC-928-COVID#out1"]
    assert sum(
        (f.amount or Decimal(0)) for f in counted if f.stage == "disbursement" and f.boundary == "outgoing"
    ) == Decimal(1_400_000)


def test_the_agency_pass_through_has_the_donor_transfer_as_parent() -> None:
    flows, _ = read_text(document(DONOR, AGENCY))
    assert link_chains(flows).parents == {"XM-DAC-928-COVID#out1": "GB-GOV-1-COVID#d1"}


def test_an_incoming_report_without_the_provider_report_stands_and_funds_the_pass_through() -> None:
    flows, _ = read_text(document(AGENCY))
    links = link_chains(flows)
    assert links.mirrors == {}
    assert links.parents == {"XM-DAC-928-COVID#out1": "XM-DAC-928-COVID#in1"}
    assert len(counted_once(flows, links)) == 2


def test_two_funders_make_no_guessed_parent() -> None:
    second_donor = activity(
        transaction(
            "3",
            amount="5",
            ref="d2",
            extra='<receiver-org receiver-activity-id="XM-DAC-928-COVID"><narrative>WHO</narrative></receiver-org>',
        ),
        identifier="DE-1-COVID",
    )
    flows, _ = read_text(document(DONOR, second_donor, AGENCY))
    assert link_chains(flows).parents == {}
