from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Actor
from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.errors import Invalid
from solidarity.knowledge import querying, service
from solidarity.knowledge.models import DocumentType
from solidarity.knowledge.querying import DocumentFilters
from solidarity.knowledge.schemas import DocumentCreate
from solidarity.knowledge.service import Upload

SYSTEM = Actor.system("test")

ZH_TEXT = "新冠肺炎防控方案：密切接触者应集中隔离医学观察十四天，并每日监测体温。"
EN_TEXT = "Prevention and control protocol: close contacts are placed in quarantine for fourteen days."


def add(session: Session, settings: Settings, title: str, body: str | None = None, **fields: object) -> int:
    upload = Upload("doc.txt", body.encode()) if body is not None else None
    data = DocumentCreate.model_validate({"title": title, **fields})
    doc = service.add_document(
        session, SYSTEM, data, upload=upload, storage_dir=settings.data_dir, max_bytes=settings.max_upload_bytes
    )
    return doc.id


@pytest.fixture
def library(db: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    with transaction(db) as session:
        zh = add(session, settings, "新冠肺炎防控方案", ZH_TEXT, language="zh", topics=["prevention"], countries=["CN"])
        en = add(
            session,
            settings,
            "Prevention and control protocol",
            EN_TEXT,
            language="en",
            translation_of=zh,
            topics=["prevention"],
            countries=["CN"],
            published_on=dt.date(2020, 3, 7),
        )
        masks = add(
            session,
            settings,
            "Masks in the community",
            "Wearing masks reduces spread. Quarantine is mentioned once.",
            language="en",
            document_type=DocumentType.RESEARCH,
            countries=["IT"],
            published_on=dt.date(2020, 6, 1),
        )
        title_hit = add(session, settings, "Quarantine of travellers", "Rules for arrivals.", language="en")
    return {"zh": zh, "en": en, "masks": masks, "title": title_hit}


def test_chinese_query_finds_the_chinese_document(db: sessionmaker[Session], library: dict[str, int]) -> None:
    with transaction(db) as session:
        result = service.search(session, "隔离")
        assert [h.document.id for h in result.items] == [library["zh"]]
        assert "<mark>隔离</mark>" in result.items[0].snippet


def test_single_chinese_character_finds_documents_containing_it(
    db: sessionmaker[Session], library: dict[str, int]
) -> None:
    with transaction(db) as session:
        assert [h.document.id for h in service.search(session, "隔").items] == [library["zh"]]


def test_english_query_finds_the_translation_and_ranks_title_matches_first(
    db: sessionmaker[Session], library: dict[str, int]
) -> None:
    with transaction(db) as session:
        result = service.search(session, "quarantined")
        ids = [h.document.id for h in result.items]
        assert ids[0] == library["title"]
        assert set(ids) == {library["title"], library["en"], library["masks"]}
        en = next(h for h in result.items if h.document.id == library["en"])
        assert "<mark>quarantine</mark>" in en.snippet
        translations = service.translations_of(session, [en.document])
        assert [d.id for d in translations[library["en"]]] == [library["zh"]]


def test_filters_narrow_the_search(db: sessionmaker[Session], library: dict[str, int]) -> None:
    with transaction(db) as session:

        def ids(**filters: object) -> set[int]:
            return {h.document.id for h in service.search(session, "quarantine", DocumentFilters(**filters)).items}

        assert ids(country="Italy") == {library["masks"]}
        assert ids(document_type=DocumentType.RESEARCH) == {library["masks"]}
        assert ids(topic="prevention") == {library["en"]}
        assert ids(date_from=dt.date(2020, 5, 1)) == {library["masks"]}
        assert ids(date_to=dt.date(2020, 5, 1)) == {library["en"]}
        assert ids(language="zh") == set()


@pytest.mark.parametrize(
    "query",
    ['"', "*", "NEAR(", "a OR", "') ; DROP TABLE knowledge_documents; --", "title:x", "-quarantine", "(((", "AND"],
)
def test_hostile_queries_never_break_the_search(db: sessionmaker[Session], library: dict[str, int], query: str) -> None:
    with transaction(db) as session:
        try:
            service.search(session, query)
        except Invalid as exc:
            refusal = exc.message
        else:
            refusal = "Nothing to search for"
        assert refusal.startswith("Nothing to search for")
        assert service.search(session, "quarantine").count == 3


def test_empty_query_is_refused_with_nothing_to_search_for(db: sessionmaker[Session]) -> None:
    with transaction(db) as session, pytest.raises(Invalid, match="Nothing to search for"):
        service.search(session, ' "" * ')


def test_stored_file_is_named_by_its_hash_not_the_client_name(db: sessionmaker[Session], settings: Settings) -> None:
    with transaction(db) as session:
        doc = service.get_document(session, add(session, settings, "T", "hello world"))
        path = service.file_path(settings.data_dir, doc.file_sha256 or "")
        assert path.read_bytes() == b"hello world"
        assert path.parent.parent == settings.data_dir / "knowledge"
        assert doc.file_name == "doc.txt"


def test_deleted_document_leaves_the_index(db: sessionmaker[Session], library: dict[str, int]) -> None:
    with transaction(db) as session:
        service.delete_document(session, SYSTEM, library["zh"])
    with transaction(db) as session:
        assert service.search(session, "隔离").count == 0
        assert Path  # keeps the import for type checkers honest


def test_demo_loads_once_and_the_chinese_guideline_is_searchable(db: sessionmaker[Session]) -> None:
    from solidarity.knowledge import demo

    with transaction(db) as session:
        assert demo.load(session, SYSTEM) == 4 + 5 + 3
    with transaction(db) as session:
        assert demo.load(session, SYSTEM) == 0
        assert service.search(session, "隔离").count == 1
        assert service.search(session, "quarantine").items[0].document.language == "en"


@pytest.mark.parametrize("max_blocks", [0, 8])  # PostgreSQL: an id range, or the id block lexemes
def test_a_broad_query_ranks_its_newest_matches_and_reports_a_lower_bound(
    db: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch, max_blocks: int
) -> None:
    monkeypatch.setattr(querying, "MAX_RANKED", 3)
    # PostgreSQL starts from the 2 newest ids and widens its window
    monkeypatch.setattr(querying, "_first_window", lambda newest, estimated: 2)
    monkeypatch.setattr(querying, "MAX_BLOCKS", max_blocks)
    with transaction(db) as session:
        oldest_title_hit = add(session, settings, "Triage at the door", "Triage desks.", language="en")
        ids = [add(session, settings, f"Guide {n}", "Fever clinics and triage.", language="en") for n in range(3)]
        newest_title_hit = add(session, settings, "Triage of fever cases", "Triage tents.", language="zh-hant")
        few = add(session, settings, "Oxygen supply", "Oxygen and triage.", language="en")
    with transaction(db) as session:
        broad = service.search(session, "triage", limit=10)
        assert (broad.count, broad.is_lower_bound) == (3, True)
        # the three newest matches, the title match first; the older title match is not ranked
        assert broad.items[0].document.id == newest_title_hit
        assert {h.document.id for h in broad.items} == {newest_title_hit, few, ids[2]}
        assert oldest_title_hit not in {h.document.id for h in broad.items}
        filtered = service.search(session, "triage", DocumentFilters(language="en"), limit=10)
        assert (filtered.count, filtered.is_lower_bound) == (3, True)
        assert {h.document.id for h in filtered.items} == {few, ids[2], ids[1]}
        second = service.search(session, "triage", DocumentFilters(language="en"), limit=2, offset=2)
        assert len(second.items) == 1
        narrow = service.search(session, "oxygen", limit=10)
        assert (narrow.count, narrow.is_lower_bound) == (1, False)
        exact = service.search(session, "fever", DocumentFilters(language="en"), limit=10)
        assert (exact.count, exact.is_lower_bound) == (3, False)
        assert {h.document.id for h in exact.items} == set(ids)


def test_a_match_deep_in_a_long_body_is_found_and_ranks_after_a_title_match(
    db: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(db) as session:
        deep = add(
            session, settings, "Field notes", "Daily routine on the ward. " * 60 + "Oxygen ran short.", language="en"
        )
        title = add(session, settings, "Oxygen at home", "Concentrators and cylinders.", language="en")
    with transaction(db) as session:
        result = service.search(session, "oxygen")
        assert [h.document.id for h in result.items] == [title, deep]
        assert "<mark>Oxygen</mark> ran short" in result.items[1].snippet
