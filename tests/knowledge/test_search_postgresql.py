"""PostgreSQL's search objects: the rank vectors (migration 0015) and the SQL splitter of CJK text."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from solidarity.config import Settings
from solidarity.db import transaction
from solidarity.db.migrate import MIGRATIONS, upgrade
from solidarity.knowledge import querying, service
from solidarity.knowledge.models import Document, DocumentType
from solidarity.knowledge.schemas import DocumentUpdate
from solidarity.knowledge.search import cjk_terms
from tests.conftest import ENGINE
from tests.knowledge.test_search import SYSTEM, add

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="PostgreSQL's search objects and planner settings")


def _rank_vector(session: Session, doc_id: int) -> str | None:
    vector = session.scalar(text("SELECT rank_vector::text FROM knowledge_search_rank WHERE id = :id"), {"id": doc_id})
    return None if vector is None else str(vector)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "no CJK at all",
        "隔离措施",
        "abc 隔 def 隔离 隔离",
        "新冠肺炎防控方案：密切接触者应集中隔离。",
        "かなカナ한글",
        "𠀀𠀁 x",
    ],
)
def test_sql_cjk_terms_split_text_as_python_does(db: sessionmaker[Session], value: str) -> None:
    with transaction(db) as session:
        assert session.scalar(text("SELECT knowledge_cjk_terms(:value)"), {"value": value}) == cjk_terms(value)


def test_rank_vector_follows_insert_edit_and_delete(db: sessionmaker[Session], settings: Settings) -> None:
    with transaction(db) as session:
        doc_id = add(session, settings, "Quarantine of travellers", "Rules for arrivals.", language="en")
        assert "'quarantin':1A" in (_rank_vector(session, doc_id) or "")
    with transaction(db) as session:
        service.update_document(
            session,
            SYSTEM,
            doc_id,
            DocumentUpdate(title="Isolation wards", summary="隔离病房"),
            storage_dir=settings.data_dir,
            max_bytes=settings.max_upload_bytes,
        )
    with transaction(db) as session:
        vector = _rank_vector(session, doc_id) or ""
        assert "'isol':1A" in vector
        assert "quarantin" not in vector
        assert f"'{cjk_terms('隔离').split()[-1]}'" in vector  # the summary's bigram
        assert "'arriv'" in vector  # the body's opening
    with transaction(db) as session:
        service.delete_document(session, SYSTEM, doc_id)
    with transaction(db) as session:
        assert _rank_vector(session, doc_id) is None


def test_each_search_vector_holds_its_id_block(db: sessionmaker[Session]) -> None:
    rows = [
        {"id": i, "title": f"Doc {i}", "language": "en", "document_type": DocumentType.GUIDELINE, "cjk_terms": ""}
        for i in (999, 1000, 2001)
    ]
    with transaction(db) as session:
        session.execute(insert(Document), rows)
        vectors = dict(session.execute(text("SELECT id, search_vector::text FROM knowledge_search")).all())
    assert {i: f"'#{i // querying.ID_BLOCK}'" in v for i, v in vectors.items()} == {999: True, 1000: True, 2001: True}
    assert [f"'#{i // querying.ID_BLOCK}'" for i in (999, 1000, 2001)] == ["'#0'", "'#1'", "'#2'"]


def test_chinese_title_match_ranks_before_a_body_match(db: sessionmaker[Session], settings: Settings) -> None:
    with transaction(db) as session:
        title = add(session, settings, "隔离病房管理", "病房每日消毒。", language="zh")
        body = add(session, settings, "病房管理", "病房每日消毒，患者集中隔离。", language="zh")
    with transaction(db) as session:
        assert [h.document.id for h in service.search(session, "隔离").items] == [title, body]


def test_upgrade_builds_the_rank_vectors_of_existing_documents(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    with engine.begin() as connection:
        assert connection.scalar(text("SELECT to_regclass('knowledge_search_rank')")) is None
        row = {"title": "Mask guidance", "summary": "口罩", "body_text": "", "language": "en"}
        connection.execute(insert(Document), [row | {"document_type": DocumentType.GUIDELINE, "cjk_terms": ""}])
    upgrade(engine)
    with engine.begin() as connection:
        vector = connection.scalar(text("SELECT rank_vector::text FROM knowledge_search_rank"))
    mask, cover, bigram = cjk_terms("口罩").split()  # 口, 罩, 口罩
    assert vector == f"'guidanc':2A 'mask':1A '{mask}':3B '{bigram}':5B '{cover}':4B"


@pytest.mark.parametrize("before", ["on", "off"])
def test_a_search_leaves_the_scan_settings_as_it_found_them(
    db: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch, before: str
) -> None:
    monkeypatch.setattr(querying, "MAX_RANKED", 1)
    monkeypatch.setattr(querying, "_first_window", lambda newest, estimated: 1)  # widens: a second pass
    monkeypatch.setattr(querying, "MAX_BLOCKS", 0)  # an id range: one id, then all of them
    show = text("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan')")
    with transaction(db) as session:
        for n in range(3):
            add(session, settings, f"Triage {n}", "Triage desks.", language="en")
        session.execute(text(f"SET LOCAL enable_seqscan = {before}"))
        session.execute(text(f"SET LOCAL enable_indexscan = {before}"))
        assert service.search(session, "triage").count == 1
        assert tuple(session.execute(show).one()) == (before, before)
