"""Two submissions with the same Idempotency-Key at once: the second answers the first's result."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor, Role
from solidarity.db import transaction
from solidarity.imports import ImportReport
from solidarity.reporting import service
from solidarity.reporting.models import Figure, ReportVersion
from solidarity.reporting.schemas import FigureSubmission
from tests.conftest import ENGINE, Person
from tests.reporting.conftest import TODAY, assert_derived_tables_agree

KEY = "submission-2020-03-03"


def _records(new: int = 4) -> list[FigureSubmission]:
    return [FigureSubmission(area="NA", date=dt.date(2020, 3, 3), new=new, cumulative=new)]


def _count(db: sessionmaker[Session], model: type[object]) -> int:
    with transaction(db) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _submit(db: sessionmaker[Session], actor: Actor, new: int = 4) -> ImportReport:
    with transaction(db) as session:
        return service.submit_records(session, actor, _records(new), KEY, today=TODAY)


def test_a_key_committed_after_the_check_replays_the_first_result(
    db: sessionmaker[Session], make_person: Callable[..., Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sequentially, on either engine: the second request checked the key before the first committed."""
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    first = _submit(db, coordinator.actor)
    real = service._earlier_submission
    calls: list[str] = []

    def not_yet_committed(session: Session, actor: Actor, key: str) -> ImportReport | None:
        calls.append(key)
        return None if len(calls) == 1 else real(session, actor, key)

    monkeypatch.setattr(service, "_earlier_submission", not_yet_committed)
    second = _submit(db, coordinator.actor, new=99)
    assert len(calls) == 2
    assert (second.version, second.accepted) == (first.version, first.accepted)
    assert _count(db, ReportVersion) == 1
    assert _count(db, Figure) == 1
    with transaction(db) as session:
        assert_derived_tables_agree(session)


@pytest.mark.skipif(ENGINE != "postgresql", reason="SQLite serialises writers before the key is checked")
def test_two_threads_racing_with_one_key_publish_one_version(
    db: sessionmaker[Session], make_person: Callable[..., Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = make_person(Role.COORDINATOR, modules=["reporting"])
    with transaction(db) as session:
        service.ensure_area(session, Actor.system("test"), "NA")
    both_checked = threading.Barrier(2, timeout=30)
    real = service._earlier_submission

    calls: list[str] = []

    def checked_together(session: Session, actor: Actor, key: str) -> ImportReport | None:
        calls.append(threading.current_thread().name)
        found = real(session, actor, key)
        if threading.current_thread().name.startswith("racer") and not hasattr(threading.current_thread(), "done"):
            threading.current_thread().done = True  # type: ignore[attr-defined]
            both_checked.wait()
        return found

    monkeypatch.setattr(service, "_earlier_submission", checked_together)
    results: dict[str, ImportReport] = {}
    failures: list[BaseException] = []

    def racer(name: str) -> None:
        try:
            results[name] = _submit(db, coordinator.actor)
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=racer, args=(f"racer-{n}",), name=f"racer-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(calls) == 3, "the second racer hit the unique key and read the first's result"
    assert _count(db, ReportVersion) == 1
    with transaction(db) as session:
        stored = session.scalars(select(ReportVersion.id)).one()
    # Both racers name the one stored version. Its id need not be 1: the loser's insert may have
    # drawn 1 from PostgreSQL's sequence before it hit the key, and sequences do not roll back.
    assert {report.version for report in results.values()} == {stored}
    assert _count(db, Figure) == 1
    with transaction(db) as session:
        assert_derived_tables_agree(session)
