"""Finding documents: the filters, and the ranked full-text search on either engine.

A search runs in two steps so that a broad term costs about the same as a narrow one:

1. **Candidates**: the ids of matching documents (filters applied), newest first, at most
   ``MAX_RANKED`` + 1 of them. No score is computed, so this is a walk over the index (FTS5's
   doclist; on PostgreSQL GIN bitmaps over a window of the newest ids) and the id order. When
   more than ``MAX_RANKED`` match, the count is reported as a lower bound ("more than 1,000")
   instead of being counted to the end.
2. **Ranking**: only the candidates are scored (``bm25`` inside FTS5 on SQLite, ``ts_rank`` on
   PostgreSQL) and the page is cut from them; snippets are drawn for the page's documents only.

A query matching up to ``MAX_RANKED`` documents is therefore ranked exactly over all of them; a
broader one is ranked among its ``MAX_RANKED`` newest matches: scoring every one of 50,000 matches
cost 100-170 ms on SQLite and up to 4 s on PostgreSQL, and a term that common says little about
which documents are best. docs/performance.md has the figures.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    String,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from solidarity.knowledge.models import Document, DocumentCountry, DocumentTopic, DocumentType
from solidarity.knowledge.search import ParsedQuery, fts5_query, highlight, parse_query
from solidarity.reference.countries import resolve_country

MAX_RANKED = 1000
"""Matches ranked per query; past this the count is a lower bound and the newest matches are ranked."""
WINDOW = 8 * MAX_RANKED
"""PostgreSQL looks for candidates among the newest ``WINDOW`` ids first (see ``_candidates_postgresql``)."""
T = TypeVar("T")
# bm25 weights: title 10, summary 4, text 1, CJK terms 4
_RANK_PAGE = (
    "SELECT rowid, bm25(knowledge_fts, 10.0, 4.0, 1.0, 4.0) AS rank FROM knowledge_fts "
    "WHERE knowledge_fts MATCH :match AND rowid >= :floor ORDER BY rank, rowid LIMIT :limit OFFSET :offset"
)
_RANK_ALL = (
    "SELECT rowid AS id, bm25(knowledge_fts, 10.0, 4.0, 1.0, 4.0) AS rank FROM knowledge_fts "
    "WHERE knowledge_fts MATCH :match AND rowid >= :floor"
)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    count: int
    is_lower_bound: bool = False
    """``count`` is a floor: more documents match than were counted."""


@dataclass(frozen=True)
class DocumentFilters:
    language: str | None = None
    topic: str | None = None
    organisation_id: int | None = None
    country: str | None = None
    document_type: DocumentType | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float
    snippet: str


def filter_conditions(filters: DocumentFilters, on: Any = Document) -> list[ColumnElement[bool]]:
    """The filters as conditions on ``Document`` (or on ``on``, a table with the same filter columns);
    ``Invalid`` for an unknown country."""
    conditions: list[ColumnElement[bool]] = []
    if filters.language:
        conditions.append(on.language == filters.language.lower())
    if filters.document_type:
        conditions.append(on.document_type == filters.document_type)
    if filters.organisation_id:
        conditions.append(on.organisation_id == filters.organisation_id)
    if filters.date_from:
        conditions.append(on.published_on >= filters.date_from)
    if filters.date_to:
        conditions.append(on.published_on <= filters.date_to)
    if filters.topic:
        conditions.append(
            exists().where(DocumentTopic.document_id == on.id, DocumentTopic.topic == filters.topic.lower())
        )
    if filters.country:
        code = resolve_country(filters.country).alpha2
        conditions.append(exists().where(DocumentCountry.document_id == on.id, DocumentCountry.country_code == code))
    return conditions


def snippet(doc: Document, query: ParsedQuery) -> str:
    """Highlighted HTML from the summary and text of ``doc`` around the first match."""
    return highlight(f"{doc.summary}\n{doc.body_text}".strip() or doc.title, query)


def search(
    session: Session,
    q: str,
    filters: DocumentFilters = DocumentFilters(),
    *,
    limit: int = 20,
    offset: int = 0,
) -> Page[Hit]:
    """Documents matching every word of ``q`` (Chinese by character bigrams), best first, with snippets.

    At most ``MAX_RANKED`` matches are ranked (the newest when more match, and then the page's
    ``is_lower_bound`` is set). Raises ``Invalid`` ("Nothing to search for") when ``q`` holds no
    word or character, or for an unknown country filter; search-syntax characters in ``q`` are
    ignored, never interpreted.
    """
    parsed = parse_query(q)
    postgresql = session.get_bind().dialect.name == "postgresql"
    conditions = filter_conditions(filters, _SEARCH.c if postgresql else Document)
    candidates = (_candidates_postgresql if postgresql else _candidates_sqlite)(session, parsed, conditions)
    is_lower_bound = len(candidates) > MAX_RANKED
    candidates = candidates[:MAX_RANKED]
    if not candidates or offset >= len(candidates):
        return Page([], len(candidates), is_lower_bound)
    if postgresql:
        ranked = _rank_postgresql(session, parsed, candidates, limit=limit, offset=offset)
    else:
        ranked = _rank_sqlite(session, parsed, candidates, conditions, limit=limit, offset=offset)
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_([r[0] for r in ranked])))}
    hits = [
        Hit(documents[doc_id], round(score, 6), snippet(documents[doc_id], parsed))
        for doc_id, score in ranked
        if doc_id in documents
    ]
    return Page(hits, len(candidates), is_lower_bound)


# --- SQLite: FTS5 ---------------------------------------------------------------------------------


def _candidates_sqlite(session: Session, parsed: ParsedQuery, conditions: list[ColumnElement[bool]]) -> list[int]:
    match = fts5_query(parsed)
    if not conditions:  # FTS5 alone walks its doclist backwards by rowid: no table, no sort
        rows = session.execute(
            text("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH :match ORDER BY rowid DESC LIMIT :n"),
            {"match": match, "n": MAX_RANKED + 1},
        )
        return [r[0] for r in rows]
    hits = (
        text("SELECT rowid AS id FROM knowledge_fts WHERE knowledge_fts MATCH :match")
        .bindparams(match=match)
        .columns(id=Integer)
        .cte("hits")
        .prefix_with("MATERIALIZED")  # match once; otherwise SQLite may rerun the MATCH per document row
    )
    query = (
        select(Document.id)
        .select_from(Document.__table__.join(hits, hits.c.id == Document.id))
        .where(*conditions)
        .order_by(Document.id.desc())
        .limit(MAX_RANKED + 1)
    )
    return list(session.scalars(query))


def _rank_sqlite(
    session: Session,
    parsed: ParsedQuery,
    candidates: Sequence[int],
    conditions: list[ColumnElement[bool]],
    *,
    limit: int,
    offset: int,
) -> list[tuple[int, float]]:
    """bm25 over the matches from the oldest candidate up (FTS5 seeks there), best first."""
    params = {"match": fts5_query(parsed), "floor": min(candidates)}
    if not conditions:  # the matches from the floor up are exactly the candidates
        rows = session.execute(
            text(_RANK_PAGE),
            params | {"limit": limit, "offset": offset},
        )
        return [(r[0], -float(r[1])) for r in rows]
    ranked = (
        text(_RANK_ALL).bindparams(**params).columns(id=Integer, rank=Float).cte("ranked").prefix_with("MATERIALIZED")
    )
    query = (
        select(Document.id, ranked.c.rank)
        .select_from(Document.__table__.join(ranked, ranked.c.id == Document.id))
        .where(*conditions)
        .order_by(ranked.c.rank, Document.id)
        .limit(limit)
        .offset(offset)
    )
    return [(r[0], -float(r[1])) for r in session.execute(query)]


# --- PostgreSQL: tsvector in knowledge_search -----------------------------------------------------

_SEARCH = table(
    "knowledge_search",
    column("id", Integer),
    column("language", String),
    column("document_type", String),
    column("organisation_id", Integer),
    column("published_on", Date),
    column("search_vector"),
)
"""One narrow row per document (migration 0013), kept in step by a trigger."""


def _tsquery(parsed: ParsedQuery) -> ColumnElement[Any]:
    parts: list[ColumnElement[Any]] = [
        func.plainto_tsquery(literal_column("'english'::regconfig"), w) for w in parsed.words
    ]
    parts += [func.plainto_tsquery(literal_column("'simple'::regconfig"), t) for t in parsed.cjk]
    return functools.reduce(lambda a, b: a.op("&&")(b), parts)


def _candidates_postgresql(session: Session, parsed: ParsedQuery, conditions: list[ColumnElement[bool]]) -> list[int]:
    """The newest matches, from GIN bitmaps limited to a window of the newest ids.

    Ordering every match by id visits a heap row per match (10,000 pages for a term in a sixth of
    the library: 110 ms), and the planner would rather walk the ids backwards testing each row's
    tsvector, read out of line: 28 us a row, 340 ms. So the bitmap is forced (for this statement
    only) and ANDed with an id range: the newest ``WINDOW`` ids first, then wide enough for the
    density of matches seen so far (the whole library when none were) until ``MAX_RANKED`` + 1
    matches are found or the range covers the whole library.
    """
    matched = _SEARCH.c.search_vector.op("@@", is_comparison=True)(_tsquery(parsed))
    newest = session.scalar(select(func.max(_SEARCH.c.id))) or 0
    window = WINDOW
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_indexscan = off"))
    while True:
        floor = newest - window
        in_range = [_SEARCH.c.id > floor] if floor > 0 else []
        query = select(_SEARCH.c.id).where(matched, *in_range, *conditions)
        ids = list(session.scalars(query.order_by(_SEARCH.c.id.desc()).limit(MAX_RANKED + 1)))
        if len(ids) > MAX_RANKED or floor <= 0:
            break
        # Widen to where the matches seen so far say 1.5 times enough would be; none seen: everything.
        window = max(window * 2, window * (MAX_RANKED + 1) * 3 // (2 * len(ids))) if ids else newest
    # Back to the defaults for the rest of the transaction (after an error the rollback undoes SET LOCAL).
    session.execute(text("RESET enable_seqscan"))
    session.execute(text("RESET enable_indexscan"))
    return ids


def _rank_postgresql(
    session: Session, parsed: ParsedQuery, candidates: Sequence[int], *, limit: int, offset: int
) -> list[tuple[int, float]]:
    """ts_rank over the candidates only (each one's tsvector is read once), best first. ts_rank, not
    ts_rank_cd: half the cost (2,000 vectors: 18 ms against 31 ms) and the same weights by field."""
    score = func.ts_rank(_SEARCH.c.search_vector, _tsquery(parsed), 1).cast(Float)
    query = (
        select(_SEARCH.c.id, score.label("score"))
        .where(_SEARCH.c.id.in_(list(candidates)))
        .order_by(score.desc(), _SEARCH.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [(r[0], float(r[1])) for r in session.execute(query)]
