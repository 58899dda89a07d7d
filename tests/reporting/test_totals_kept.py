"""Daily totals kept from the sums an import adds up while writing equal the SQL recomputation, column by column."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db import transaction
from solidarity.reporting.models import DailyTotal
from solidarity.reporting.writing import Touched, refresh_totals
from tests.reporting.conftest import DATA, Importer, who_rows


def _totals(session: Session) -> list[tuple[object, ...]]:
    t = DailyTotal
    return [
        tuple(row)
        for row in session.execute(
            select(
                t.scope, t.frequency, t.measure, t.date, t.new_value, t.cumulative_value, t.areas, t.version_id
            ).order_by(t.scope, t.frequency, t.measure, t.date)
        )
    ]


def _recomputed(session: Session) -> list[tuple[object, ...]]:
    kept = _totals(session)
    spans: dict[tuple[str, str], Touched] = {}
    for _scope, frequency, measure, date, *_ in kept:
        assert isinstance(date, dt.date)
        span = spans.setdefault((str(frequency), str(measure)), Touched(date, date))
        span.first, span.last = min(span.first, date), max(span.last, date)
    session.execute(delete(DailyTotal))
    refresh_totals(session, spans)
    return _totals(session)


def test_first_import_keeps_the_totals_sql_would_compute(import_text: Importer, db: sessionmaker[Session]) -> None:
    # Regions, "Other" without a region, blank new counts, a correction.
    import_text((DATA / "who" / "WHO-COVID-19-global-daily-data.csv").read_bytes(), "who-daily.csv")
    with transaction(db) as session:
        kept = _totals(session)
        assert kept, "the import wrote no totals"
        assert kept == _recomputed(session)


def test_new_dates_after_the_totals_are_kept_and_overlapping_ones_recomputed(
    import_text: Importer, db: sessionmaker[Session]
) -> None:
    import_text(who_rows("2023-01-02,FR,France,EURO,5,5,,0", "2023-01-02,DE,Germany,EURO,7,7,1,1"))
    # Only new dates: the kept sums; France's blank deaths on the second day are no figure.
    import_text(who_rows("2023-01-03,FR,France,EURO,1,6,,", "2023-01-03,KE,Kenya,AFRO,2,2,0,0"))
    # Overlaps the totals: recomputed, France corrected on the first day.
    import_text(who_rows("2023-01-02,FR,France,EURO,4,4,,0", "2023-01-04,FR,France,EURO,1,7,0,0"))
    with transaction(db) as session:
        kept = _totals(session)
        by_key = {row[:4]: row[4:] for row in kept}
        assert by_key[("global", "daily", "cases", dt.date(2023, 1, 2))] == (11, 11, 2, 3)
        assert by_key[("global", "daily", "deaths", dt.date(2023, 1, 3))] == (0, 0, 1, 2)
        assert by_key[("EURO", "daily", "cases", dt.date(2023, 1, 3))] == (1, 6, 1, 2)
        assert kept == _recomputed(session)
