"""The import pipeline: areas, validation, flags, versions, all-or-nothing, on WHO, JHU and OWID files."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.imports import OnError
from solidarity.reporting import queries
from solidarity.reporting.areas import AreaTable
from solidarity.reporting.importing import CUMULATIVE_DECREASE, DERIVED_NEW, NEGATIVE_NEW, Pipeline
from solidarity.reporting.models import CurrentFigure, Figure, ReportingArea, ReportVersion
from solidarity.reporting.records import Measure
from tests.reporting.conftest import DATA, Importer, assert_derived_tables_agree, who_rows


def _area(session: Session, code: str) -> ReportingArea:
    area = session.scalar(select(ReportingArea).where(ReportingArea.code == code))
    assert area is not None, f"no area {code}"
    return area


def _current(session: Session, code: str, date: str, measure: str = "cases") -> CurrentFigure:
    row = session.scalar(
        select(CurrentFigure).where(
            CurrentFigure.area_id == _area(session, code).id,
            CurrentFigure.date == dt.date.fromisoformat(date),
            CurrentFigure.measure == measure,
        )
    )
    assert row is not None
    return row


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_who_daily_file_keeps_namibia_kosovo_other_and_curacao(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    report = import_text((DATA / "who" / "WHO-COVID-19-global-daily-data.csv").read_bytes(), "who-daily.csv")
    assert report.version == 1
    assert report.rejected == 0
    with transaction(db) as session:
        assert _area(session, "NA").name == "Namibia"
        assert _area(session, "XK").kind == "territory"
        assert _area(session, "CW").name.startswith("Cura")
        other = _area(session, "XX")
        assert other.kind == "other"
        assert not other.is_on_map
        assert _current(session, "XX", "2020-03-15").cumulative_value == 696
        # "Other" counts in the global total as WHO counts it.
        world = queries.get_series(session, "global", Measure.CASES)
        assert world.cumulative.value_on(dt.date(2020, 3, 15)) == 3 + 2 + 696 + 1
        assert_derived_tables_agree(session)


def test_negative_new_count_is_accepted_flagged_and_shown(import_text: Importer, db: sessionmaker[Session]) -> None:
    report = import_text((DATA / "who" / "WHO-COVID-19-global-daily-data.csv").read_bytes(), "who-daily.csv")
    assert report.flagged >= 1
    assert any(p["severity"] == "warning" and p["value"] == "-1" for p in report.problems)
    with transaction(db) as session:
        row = _current(session, "NA", "2020-03-16")
        assert row.new_value == -1
        assert NEGATIVE_NEW in (row.flags or [])
        assert queries.get_series(session, "NA").new.value_on(dt.date(2020, 3, 16)) == -1


def test_falling_cumulative_is_flagged(import_text: Importer, db: sessionmaker[Session]) -> None:
    import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,-2,3,0,0"))
    with transaction(db) as session:
        assert CUMULATIVE_DECREASE in (_current(session, "FR", "2020-03-04").flags or [])


def test_blank_new_count_is_derived_from_cumulative(import_text: Importer, db: sessionmaker[Session]) -> None:
    import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,,12,0,0"))
    with transaction(db) as session:
        row = _current(session, "FR", "2020-03-04")
        assert (row.new_value, row.flags) == (7, [DERIVED_NEW])


def test_duplicate_area_and_date_in_one_file_is_an_error_and_nothing_is_written(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    text = who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-03,FR,France,EURO,6,6,0,0")
    with pytest.raises(Invalid) as raised:
        import_text(text, on_error=OnError.ERROR_ALL)
    assert any("twice" in d["reason"] or "duplicate" in d["reason"] for d in raised.value.details), raised.value.details
    with transaction(db) as session:
        assert _count(session, Figure) == 0
        assert _count(session, ReportVersion) == 0


@pytest.mark.parametrize("broken", ["area", "version"])
def test_an_import_cannot_write_a_figure_whose_area_or_version_does_not_exist(
    import_text: Importer, db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    # The figures keep no foreign keys (migration 0014): the import checks the ids it wrote itself.
    # Break the ids it would write and the import must fail and leave nothing.
    if broken == "area":
        monkeypatch.setattr(AreaTable, "id_for", lambda self, spec: 987_654)
    else:
        create_version = Pipeline._version_id

        def missing_version(self: Pipeline) -> int:
            create_version(self)  # the version row is made, but the figures name another
            return 987_654

        monkeypatch.setattr(Pipeline, "_version_id", missing_version)
    with pytest.raises(RuntimeError, match="not all of which exist"):
        import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,1,6,0,0"))
    with transaction(db) as session:
        assert _count(session, Figure) == 0
        assert _count(session, CurrentFigure) == 0
        assert _count(session, ReportVersion) == 0


def test_unknown_area_code_fails_the_import_naming_line_field_and_value(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    text = who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-03,QQ,Atlantis,EURO,1,1,0,0")
    with pytest.raises(Invalid) as raised:
        import_text(text)
    detail = raised.value.details[0]
    assert (detail["line"], detail["field"], detail["value"]) == (3, "Country_code", "QQ")
    with transaction(db) as session:
        assert _count(session, Figure) == 0


def test_skip_mode_writes_good_rows_and_lists_every_bad_one(import_text: Importer, db: sessionmaker[Session]) -> None:
    text = who_rows(
        "2020-03-03,FR,France,EURO,5,5,0,0",
        "2020-03-03,QQ,Atlantis,EURO,1,1,0,0",
        "2020-03-04,ZZ,Nowhere,EURO,1,1,0,0",
        "2020-03-05,ZZ,Nowhere,EURO,1,1,0,0",
        "2020-03-04,FR,France,EURO,1,6,0,0",
    )
    report = import_text(text, on_error=OnError.SKIP)
    errors = [p for p in report.problems if p["severity"] == "error"]
    assert [p["line"] for p in errors] == [3, 4, 5]
    assert report.rejected == 6
    assert report.accepted == 4
    with transaction(db) as session:
        assert _count(session, CurrentFigure) == 4


def test_future_dates_are_refused(import_text: Importer, db: sessionmaker[Session]) -> None:
    with pytest.raises(Invalid) as raised:
        import_text(who_rows("2030-03-01,FR,France,EURO,5,5,0,0"))
    assert "future" in raised.value.message


def test_negative_cumulative_is_an_error(import_text: Importer) -> None:
    with pytest.raises(Invalid):
        import_text(who_rows("2020-03-03,FR,France,EURO,5,-5,0,0"))


def test_same_file_imported_twice_changes_nothing_the_second_time(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    text = who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,1,6,0,0")
    first = import_text(text)
    with transaction(db) as session:
        before = (_count(session, Figure), _count(session, ReportVersion))
    second = import_text(text)
    assert second.is_duplicate_file
    assert second.version == first.version
    with transaction(db) as session:
        assert (_count(session, Figure), _count(session, ReportVersion)) == before


def test_unchanged_rows_are_not_written_again_and_no_empty_version_is_made(import_text: Importer) -> None:
    import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0"), "a.csv")
    again = import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0") + "\n", "b.csv")
    assert (again.unchanged, again.accepted, again.version) == (2, 0, None)


def test_correction_adds_a_version_and_as_of_returns_the_old_figure(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,1,6,0,0"), "v1.csv")
    with transaction(db) as session:
        first_published = session.scalars(select(ReportVersion.published_at)).one()
    corrected = import_text(
        who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,4,9,0,0"), "v2.csv"
    )
    assert corrected.version == 2
    assert corrected.accepted == 1
    assert corrected.unchanged == 3
    with transaction(db) as session:
        day = dt.date(2020, 3, 4)
        assert queries.get_series(session, "FR").cumulative.value_on(day) == 9
        assert queries.get_series(session, "FR", as_of=first_published).cumulative.value_on(day) == 6
        assert queries.get_series(session, "global", as_of=first_published).cumulative.value_on(day) == 6
        history = queries.revision_history(session, "FR")
        assert [(r.version, r.changed) for r in history] == [(1, 4), (2, 1)]
        assert [f.cumulative for f in queries.figure_history(session, "FR", day)] == [6, 9]
        assert _count(session, Figure) == 5  # the old figure is still there
        assert_derived_tables_agree(session)


def test_a_version_is_audited_with_who_and_what(import_text: Importer, db: sessionmaker[Session]) -> None:
    from solidarity.audit.models import AuditEntry

    import_text(who_rows("2020-03-03,FR,France,EURO,5,5,0,0"))
    with transaction(db) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "publish_version")).one()
        assert entry.actor_label == "test"
        assert entry.entity_id == "1"
        assert entry.after is not None
        assert entry.after["accepted"] == 2
        assert entry.after["areas_created"] == ["FR"]


def test_failure_midway_leaves_no_partial_version(import_text: Importer, db: sessionmaker[Session]) -> None:
    rows = [f"2020-03-{day:02d},FR,France,EURO,1,{day},0,0" for day in range(1, 29)]
    rows.append("2020-03-29,FR,France,EURO,1,x,0,0")
    with pytest.raises(Invalid):
        import_text(who_rows(*rows))
    with transaction(db) as session:
        assert _count(session, Figure) == 0
        assert _count(session, CurrentFigure) == 0


def test_jhu_provinces_add_up_to_their_country_and_ships_stay_apart(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    confirmed = DATA / "jhu" / "time_series_covid19_confirmed_global.csv"
    report = import_text(confirmed.read_bytes(), "time_series_covid19_confirmed_global.csv")
    assert report.rejected == 0
    with transaction(db) as session:
        canada = _current(session, "CA", "2020-04-12")
        assert canada.cumulative_value == 13  # Grand Princess passengers counted by Canada
        assert _area(session, "CA-GRAND-PRINCESS").kind == "subnational"
        ship = _area(session, "X-DIAMOND-PRINCESS")
        assert ship.kind == "conveyance"
        assert not ship.is_on_map
        assert _area(session, "X-OLYMPICS-2020").kind == "event"
        assert _current(session, "X-DIAMOND-PRINCESS", "2020-04-12").cumulative_value == 712
        world = queries.get_series(session, "global").cumulative.value_on(dt.date(2020, 4, 12))
        assert world == 13 + 712 + 9 + 10512  # provinces not counted twice
        assert_derived_tables_agree(session)


def test_jhu_deaths_file_derives_new_counts_and_flags_the_hubei_revision(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    deaths = DATA / "jhu" / "time_series_covid19_deaths_global.csv"
    import_text(deaths.read_bytes(), "time_series_covid19_deaths_global.csv")
    with transaction(db) as session:
        china = queries.get_series(session, "CN", Measure.DEATHS)
        hubei = queries.get_series(session, "CN-HB", Measure.DEATHS)
        assert hubei.new.value_on(dt.date(2020, 4, 17)) == 1290  # Wuhan's revision of 17 April 2020
        assert china.cumulative.value_on(dt.date(2020, 4, 17)) >= hubei.cumulative.value_on(dt.date(2020, 4, 17))
        assert_derived_tables_agree(session)


def test_owid_file_skips_aggregates_and_keeps_kosovo(import_text: Importer, db: sessionmaker[Session]) -> None:
    report = import_text((DATA / "owid" / "owid-covid-data.csv").read_bytes(), "owid-covid-data.csv")
    assert report.version == 1
    with transaction(db) as session:
        codes = {a.code for a in session.scalars(select(ReportingArea))}
        assert {"NA", "XK", "AF", "ZW"} <= codes
        assert not any(code.startswith("OWID") for code in codes)
        assert_derived_tables_agree(session)


def test_weekly_file_imported_as_daily_is_refused(import_text: Importer) -> None:
    with pytest.raises(Invalid):
        import_text((DATA / "who" / "WHO-COVID-19-global-data.csv").read_bytes(), "weekly.csv", frequency="daily")


def test_file_in_no_known_format_lists_what_each_format_expects(import_text: Importer) -> None:
    with pytest.raises(Invalid) as raised:
        import_text("a,b,c\n1,2,3\n", "mystery.csv")
    assert "WHO" in str(raised.value.details) + raised.value.message


def test_file_sorted_by_date_then_out_of_order_is_checked_across_chunks(
    import_text: Importer, db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from solidarity.reporting import importing

    # Chunks of four figures: every area's series is checked in pieces, and the last rows go back in time.
    monkeypatch.setattr(importing, "MAX_BUFFERED", 4)
    import_text(who_rows("2020-03-01,FR,France,EURO,1,1,0,0", "2020-03-02,FR,France,EURO,1,2,0,0"), "v1.csv")
    rows = [
        "2020-03-02,FR,France,EURO,3,4,0,0",
        "2020-03-02,DE,Germany,EURO,2,2,0,0",
        "2020-03-03,FR,France,EURO,,9,0,0",
        "2020-03-03,DE,Germany,EURO,1,3,0,0",
        "2020-03-05,FR,France,EURO,1,10,0,0",
        "2020-03-04,DE,Germany,EURO,0,3,0,0",
        "2020-03-04,FR,France,EURO,-2,7,0,0",
    ]
    report = import_text(who_rows(*rows), "v2.csv", on_error=OnError.ERROR_ALL)
    assert (report.accepted, report.unchanged, report.version) == (13, 1, 2)
    with transaction(db) as session:
        assert (_current(session, "FR", "2020-03-03").new_value, _current(session, "FR", "2020-03-03").flags) == (
            5,
            [DERIVED_NEW],
        )
        # The 4 March row came after the 5th: checked against what this import wrote for the 3rd.
        late = _current(session, "FR", "2020-03-04")
        assert (late.version_id, late.cumulative_value) == (2, 7)
        assert set(late.flags or []) == {CUMULATIVE_DECREASE, NEGATIVE_NEW}
        assert _current(session, "FR", "2020-03-02").version_id == 2
        assert _current(session, "FR", "2020-03-01").version_id == 1
        assert_derived_tables_agree(session)

    duplicate = [*rows[:2], "2020-03-06,FR,France,EURO,1,11,0,0", "2020-03-07,FR,France,EURO,1,12,0,0", rows[0]]
    with pytest.raises(Invalid) as raised:
        import_text(who_rows(*duplicate), "v3.csv", on_error=OnError.ERROR_ALL)
    assert [d["line"] for d in raised.value.details if "twice" in d["reason"]] == [6, 6]


def test_records_a_parser_refuses_are_counted_as_rejected(import_text: Importer) -> None:
    text = who_rows("2020-03-03,FR,France,EURO,5,5,0,0", "2020-03-04,FR,France,EURO,x,6,0,0")
    report = import_text(text, on_error=OnError.SKIP)
    assert [p["line"] for p in report.problems if p["severity"] == "error"] == [3]
    assert report.rejected == 1
    assert report.accepted == 2
