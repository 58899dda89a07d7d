"""CSV import and export: round trip, idempotence, new versions for changed rows, the --on-error modes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.assistance import importing, ledger
from solidarity.assistance.ledger import Filters
from solidarity.assistance.models import Flow, FlowVersion
from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.imports import OnError

from .conftest import SYSTEM

HEADER = "ref,provider,receiver,recipients,channel,modality,stage,flow_date,amount,currency,items,description,sources\n"


def _csv(org: dict[str, int], *extra: str) -> str:
    rows = [
        f"a-1,{org['CN']},{org['WHO']},,multilateral,financial,disbursement,2020-05-04,1000,EUR,,Cash to WHO,"
        '"Source A | https://example.org/a | 4"',
        f"a-2,{org['CN']},,IT:60; RS:40,bilateral,in-kind,delivery,2020-05-05,,,"
        "MASK-SURG:1000; VENT-ICU:2:unit:declared:25000:USD,Masks and ventilators,Source B",
        f"a-3,{org['WHO']},,IT:100,multilateral,financial,disbursement,2020-06-01,400,USD,,Passed on,Source C",
    ]
    return (
        HEADER.replace(",sources\n", ",sources,parent_ref\n")
        + "\n".join(r + ("," if i < 2 else ",a-1") for i, r in enumerate(rows))
        + "\n"
        + "".join(extra)
    )


def _versions(db: sessionmaker[Session]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(FlowVersion)) or 0


def test_import_then_export_round_trips_and_a_second_import_changes_nothing(
    db: sessionmaker[Session], orgs: dict[str, int]
) -> None:
    with transaction(db) as session:
        report = importing.import_csv(session, SYSTEM, _csv(orgs), "flows.csv")
    assert (report.rows_read, report.accepted, report.unchanged) == (3, 3, 0)
    with transaction(db) as session:
        child = ledger.current_version(session, report_ids(session)["a-3"])
        assert child.parent_flow_id == report_ids(session)["a-1"]
        split = ledger.current_version(session, report_ids(session)["a-2"])
        assert [(r.country_code, r.percentage) for r in split.recipients] == [("IT", Decimal(60)), ("RS", Decimal(40))]
        assert [(i.item_code, i.quantity, i.unit_value) for i in split.items] == [
            ("MASK-SURG", 1000, None),
            ("VENT-ICU", 2, Decimal("25000")),
        ]
        buffer = io.StringIO()
        assert importing.write_csv(importing.export_rows(session, Filters()), buffer) == 3
    exported = buffer.getvalue()
    with transaction(db) as session:
        again = importing.import_csv(session, SYSTEM, exported, "export.csv")
        same = importing.import_csv(session, SYSTEM, _csv(orgs), "flows.csv")
    assert (again.accepted, again.unchanged) == (0, 3)
    assert (same.accepted, same.unchanged) == (0, 3)
    assert _versions(db) == 3


def report_ids(session: Session) -> dict[str, int]:
    return {ref: i for i, ref in session.execute(select(Flow.id, Flow.ref))}


def test_a_changed_row_becomes_a_new_version(db: sessionmaker[Session], orgs: dict[str, int]) -> None:
    with transaction(db) as session:
        importing.import_csv(session, SYSTEM, _csv(orgs), "flows.csv")
    changed = _csv(orgs).replace("2020-05-04,1000,EUR", "2020-05-04,1200,EUR")
    with transaction(db) as session:
        report = importing.import_csv(session, SYSTEM, changed, "flows-v2.csv")
        assert (report.accepted, report.unchanged) == (1, 2)
        history = ledger.versions(session, report_ids(session)["a-1"])
        assert [v.amount for v in history] == [Decimal("1000.00"), Decimal("1200.00")]
        assert history[1].change_reason == "CSV import flows-v2.csv line 2"


BAD_ROWS = (
    "b-1,{CN},,IT:60; RS:30,bilateral,financial,disbursement,2020-05-04,10,USD,,Bad split,Src,\n"
    "b-2,{CN},,,bilateral,in-kind,delivery,2020-05-04,,,MASK-SURG:-4,Negative,Src,\n"
)


def test_error_modes_write_nothing_and_name_every_bad_line(db: sessionmaker[Session], orgs: dict[str, int]) -> None:
    text = _csv(orgs, BAD_ROWS.format(CN=orgs["CN"]))
    with pytest.raises(Invalid) as first, transaction(db) as session:
        importing.import_csv(session, SYSTEM, text, "bad.csv")
    assert first.value.details[0]["line"] == 5
    assert first.value.details[0]["field"] == "recipients.percentage"
    with pytest.raises(Invalid) as every, transaction(db) as session:
        importing.import_csv(session, SYSTEM, text, "bad.csv", on_error=OnError.ERROR_ALL)
    assert [(d["line"], d["field"]) for d in every.value.details] == [
        (5, "recipients.percentage"),
        (6, "items.0.quantity"),
    ]
    assert _versions(db) == 0


@pytest.mark.parametrize("mode", [OnError.SKIP, OnError.WARN])
def test_skip_and_warn_write_the_good_rows_and_list_the_bad(
    db: sessionmaker[Session], orgs: dict[str, int], mode: OnError
) -> None:
    text = _csv(orgs, BAD_ROWS.format(CN=orgs["CN"]))
    with transaction(db) as session:
        report = importing.import_csv(session, SYSTEM, text, "bad.csv", on_error=mode)
    assert (report.accepted, report.rejected) == (3, 2)
    assert [(p["file"], p["line"]) for p in report.problems] == [("bad.csv", 5), ("bad.csv", 6)]
    assert _versions(db) == 3


def test_the_illustrative_flag_is_read_and_written_as_a_csv_column(
    db: sessionmaker[Session], orgs: dict[str, int]
) -> None:
    head = "ref,provider,channel,modality,stage,flow_date,amount,currency,description,is_illustrative\n"
    row = f"i-1,{orgs['CN']},bilateral,financial,disbursement,2020-05-04,10,USD,Made up,yes\n"
    with transaction(db) as session:
        importing.import_csv(session, SYSTEM, head + row, "flows.csv")
        (version,) = ledger.list_flows(session, Filters(illustrative=True))[0]
        assert version.flow.ref == "i-1"
        assert importing.version_to_row(session, version)["is_illustrative"] == "yes"
        with pytest.raises(Invalid) as refused:
            importing.import_csv(session, SYSTEM, head + row.replace(",yes", ",perhaps"), "flows.csv")
        assert "is_illustrative: 'perhaps' is not yes or no" in str(refused.value)
