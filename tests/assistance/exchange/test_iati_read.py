"""Reading IATI 2.03: the official example, mapping, every kind of bad input, each named by path."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from solidarity.assistance.exchange.iati_read import IatiStats, XmlLimits, read_iati
from solidarity.errors import Invalid
from solidarity.imports import OnError, Problems
from tests.assistance.exchange.iati_docs import activity, document, read_text, transaction


def test_the_annotated_example_imports_with_only_an_explained_warning(annotated_example: Path) -> None:
    problems = Problems(annotated_example.name, OnError.ERROR_ALL)
    stats = IatiStats()
    with annotated_example.open("rb") as stream:
        flows = list(read_iati(stream, problems, stats=stats))
    assert not problems.has_errors
    assert stats.activities == 1
    # The example's transaction is dated 2012-01-01, before the activity's actual start (2012-04-28).
    assert [w.reason for w in problems.warnings] == ["before the activity starts (2012-04-28)"]
    (flow,) = flows
    assert flow.key == "AA-AAA-123456789-ABC123#1234"
    assert (flow.stage, flow.boundary) == ("disbursement", "incoming")
    assert flow.provider is not None
    assert flow.provider.ref == "BB-BBB-123456789"
    assert flow.receiver is not None
    assert flow.receiver.name == "Agency A"
    assert flow.provider_activity_id == "BB-BBB-123456789-1234AA"
    assert flow.receiver_activity_id == "AA-AAA-123456789-1234"
    assert (flow.amount, flow.currency, flow.value_date) == (Decimal(1000), "EUR", dt.date(2012, 1, 1))
    assert [c.code for c in flow.countries] == ["TM"]
    assert [(s.vocabulary, s.code) for s in flow.sectors] == [("2", "111")]
    assert (flow.aid_type, flow.finance_type, flow.flow_type) == ("A01", "110", "10")
    assert flow.is_humanitarian is True
    assert "EQ-2015-000048-NPL" in flow.emergency_codes
    assert flow.line == 265


def test_transaction_types_map_to_stages_and_directions() -> None:
    codes = ["1", "2", "3", "4", "11", "12", "13"]
    body = "".join(transaction(code, ref=f"t{code}") for code in codes)
    flows, problems = read_text(document(activity(body)))
    assert not problems.has_errors
    assert [(f.transaction_type, f.stage, f.boundary) for f in flows] == [
        ("1", "disbursement", "incoming"),
        ("2", "commitment", "outgoing"),
        ("3", "disbursement", "outgoing"),
        ("4", "expenditure", "outgoing"),
        ("11", "commitment", "incoming"),
        ("12", "pledge", "outgoing"),
        ("13", "pledge", "incoming"),
    ]


def test_roles_sectors_recipients_and_scope_are_read_with_percentages() -> None:
    body = (
        '<reporting-org ref="GB-GOV-1" type="10"><narrative>FCDO</narrative></reporting-org>'
        '<participating-org role="1" ref="GB-GOV-1"><narrative>FCDO</narrative></participating-org>'
        '<participating-org role="4" ref="XM-DAC-41122"><narrative>UNICEF</narrative></participating-org>'
        '<recipient-country code="AF" percentage="60"/><recipient-country code="PK" percentage="40"/>'
        '<sector vocabulary="1" code="12264" percentage="70"/><sector vocabulary="10" code="7" percentage="30"/>'
        '<humanitarian-scope type="1" vocabulary="1-2" code="EP-2020-000012-001"/>'
        '<humanitarian-scope type="2" vocabulary="2-1" code="HAFG20"/>'
        '<default-flow-type code="10"/><default-finance-type code="110"/><default-aid-type code="C01"/>'
        + transaction("3")
    )
    (flow,), problems = read_text(document(activity(body, attributes='default-currency="GBP" humanitarian="1"')))
    assert not problems.has_errors
    assert flow.provider is not None
    assert flow.provider.name == "FCDO"
    assert flow.receiver is not None
    assert flow.receiver.name == "UNICEF"
    assert [(c.code, c.percentage) for c in flow.countries] == [("AF", Decimal(60)), ("PK", Decimal(40))]
    assert flow.on_boundary == "shared"
    assert [(s.vocabulary, s.code, s.percentage) for s in flow.sectors] == [
        ("1", "12264", Decimal(70)),
        ("10", "7", Decimal(30)),
    ]
    assert (flow.emergency_codes, flow.appeal_codes) == (("EP-2020-000012-001",), ("HAFG20",))
    assert (flow.currency, flow.aid_type, flow.finance_type, flow.flow_type) == ("GBP", "C01", "110", "10")
    assert flow.is_humanitarian is True


def test_transaction_without_value_date_is_rejected_with_its_path() -> None:
    flows, problems = read_text(document(activity(transaction("3", value_date=None))))
    assert flows == []
    (problem,) = problems.errors
    assert problem.field == "iati-activity[GB-1-12345]/transaction[1]/value/@value-date"
    assert problem.reason == "transaction without a value date"
    assert problem.line == 3


def test_missing_identifier_is_a_problem_and_rejects_the_activity() -> None:
    flows, problems = read_text(document(activity(transaction(), identifier="")))
    assert flows == []
    (problem,) = problems.errors
    assert (problem.field, problem.reason) == ("iati-activity[#1]/iati-identifier", "missing iati-identifier")


UNKNOWN_CODES = [
    (transaction("99"), "transaction[1]/transaction-type/@code", "unknown transaction type"),
    ('<participating-org role="7"/>' + transaction(), "participating-org[1]/@role", "unknown organisation role"),
    ('<sector vocabulary="1" code="122"/>' + transaction(), "sector[1]/@code", "unknown code in sector vocabulary 1"),
    ('<sector vocabulary="10" code="XYZ"/>' + transaction(), "sector[1]/@code", "unknown code in sector vocabulary 10"),
    ('<default-finance-type code="999"/>' + transaction(), "default-finance-type/@code", "unknown finance-type code"),
    (transaction(extra='<flow-type code="77"/>'), "transaction[1]/flow-type/@code", "unknown flow-type code"),
    (
        transaction(extra='<aid-type code="Z99"/>'),
        "transaction[1]/aid-type[1]/@code",
        "unknown aid-type code (vocabulary 1)",
    ),
    (
        '<humanitarian-scope type="5" code="X"/>' + transaction(),
        "humanitarian-scope[1]/@type",
        "unknown humanitarian scope type",
    ),
]


@pytest.mark.parametrize(("body", "path", "reason"), UNKNOWN_CODES)
def test_unknown_codelist_value_is_a_problem_naming_the_element(body: str, path: str, reason: str) -> None:
    flows, problems = read_text(document(activity(body)))
    assert flows == []
    assert [(p.field, p.reason) for p in problems.errors] == [(f"iati-activity[GB-1-12345]/{path}", reason)]


def test_unknown_currency_and_bad_number_are_problems() -> None:
    body = transaction(amount="lots") + (
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2020-01-01"/>'
        '<value currency="XXQ" value-date="2020-01-01">5</value></transaction>'
    )
    _, problems = read_text(document(activity(body)))
    assert [(p.field, p.reason) for p in problems.errors] == [
        ("iati-activity[GB-1-12345]/transaction[1]/value", "not a number"),
        ("iati-activity[GB-1-12345]/transaction[2]/value/@currency", "unknown currency"),
    ]


def test_error_first_mode_stops_at_the_first_problem() -> None:
    with pytest.raises(Invalid, match=r"value/@value-date.*transaction without a value date"):
        read_text(document(activity(transaction(value_date=None))), OnError.ERROR_FIRST)


def test_skip_mode_keeps_good_activities_and_rejects_bad_ones_whole() -> None:
    good = activity(transaction(ref="a"), identifier="GB-1-1")
    bad = activity(transaction(ref="a") + transaction(value_date=None, ref="b"), identifier="GB-1-2")
    problems = Problems("test.xml", OnError.SKIP)
    stats = IatiStats()
    flows = list(read_iati(io.BytesIO(document(good, bad).encode()), problems, stats=stats))
    assert [f.key for f in flows] == ["GB-1-1#a"]
    assert stats.rejected == 1
    assert problems.error_count == 1


def test_plausibility_flags_a_transaction_above_ten_billion_usd() -> None:
    flows, problems = read_text(document(activity(transaction(amount="12000000000"))))
    assert len(flows) == 1
    assert not problems.has_errors
    assert [w.reason for w in problems.warnings] == ["a single transaction above 10 billion USD"]


def test_plausibility_converts_other_currencies_before_flagging() -> None:
    body = transaction(amount="12000000000")
    _, problems = read_text(document(activity(body, attributes='default-currency="JPY"')))
    assert problems.warnings == []  # 12 billion yen is about 110 million USD


def test_value_date_before_the_activity_start_is_flagged() -> None:
    body = '<activity-date type="2" iso-date="2020-06-01"/>' + transaction(value_date="2020-05-01")
    _, problems = read_text(document(activity(body)))
    assert [(w.field, w.reason) for w in problems.warnings] == [
        ("iati-activity[GB-1-12345]/transaction[1]/value/@value-date", "before the activity starts (2020-06-01)")
    ]


def test_loan_repayments_are_skipped_with_a_warning_not_an_error() -> None:
    flows, problems = read_text(document(activity(transaction("6"))))
    assert flows == []
    assert not problems.has_errors
    assert problems.warnings[0].reason == "Loan Repayment is not an assistance flow; skipped"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<iati-activities version="2.03"><iati-activity>
<iati-identifier>&lol3;</iati-identifier></iati-activity></iati-activities>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity>
<iati-identifier>&secret;</iati-identifier></iati-activity></iati-activities>
"""

PLAIN_DOCTYPE = """<?xml version="1.0"?>
<!-- a comment first -->
<!DOCTYPE iati-activities SYSTEM "http://example.org/iati.dtd">
<iati-activities version="2.03"/>
"""


@pytest.mark.parametrize(("text", "line"), [(BILLION_LAUGHS, 2), (EXTERNAL_ENTITY, 2), (PLAIN_DOCTYPE, 3)])
def test_document_type_declarations_are_refused_before_parsing(text: str, line: int) -> None:
    with pytest.raises(Invalid, match="document type and entity declarations are refused") as caught:
        read_text(text, OnError.SKIP)
    assert caught.value.details[0]["line"] == line


def test_doctype_in_utf16_is_refused_by_the_parsed_tree_check() -> None:
    problems = Problems("test.xml", OnError.SKIP)
    data = EXTERNAL_ENTITY.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    with pytest.raises(Invalid, match="refused"):
        list(read_iati(io.BytesIO(data), problems))


def test_nesting_past_the_depth_limit_is_refused() -> None:
    deep = "<x>" * 30 + "</x>" * 30
    text = document(activity(transaction(extra=deep)))
    with pytest.raises(Invalid, match="nested deeper than 20"):
        list(read_iati(io.BytesIO(text.encode()), Problems("t.xml"), limits=XmlLimits(max_depth=20)))


def test_a_file_past_the_size_limit_is_refused() -> None:
    text = document(*(activity(transaction(), identifier=f"GB-1-{n}") for n in range(200)))
    with pytest.raises(Invalid, match="larger than the 4096 bytes"):
        list(read_iati(io.BytesIO(text.encode()), Problems("t.xml"), limits=XmlLimits(max_bytes=4096)))


def test_malformed_xml_names_its_line() -> None:
    text = document(activity(transaction())).replace("</transaction>", "</transactoin>")
    with pytest.raises(Invalid, match=r"line 3: malformed XML") as caught:
        read_text(text, OnError.SKIP)
    assert caught.value.details[0]["line"] == 3


def test_a_file_that_is_not_iati_is_refused() -> None:
    with pytest.raises(Invalid, match="root element is <html>"):
        read_text("<html><body/></html>")


def test_a_file_without_activities_is_a_problem() -> None:
    _, problems = read_text('<iati-activities version="2.03"></iati-activities>')
    assert problems.errors[0].reason == "no iati-activity in the file"
