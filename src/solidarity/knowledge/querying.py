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
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    any_,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from solidarity.knowledge.models import Document, DocumentCountry, DocumentTopic, DocumentType
from solidarity.knowledge.search import ParsedQuery, fts5_query, highlight, parse_query
from solidarity.reference.countries import resolve_country

MAX_RANKED = 1000
"""Matches ranked per query; past this the count is a lower bound and the newest matches are ranked."""
ID_BLOCK = 1000
"""Each PostgreSQL ``search_vector`` holds the lexeme ``#<id // ID_BLOCK>`` (migration 0015)."""
MAX_BLOCKS = 8
"""The most id blocks a search names in its query; a wider window is an id range instead (GIN merges
the block lists it is given: 34 blocks cost more than the range, 5 cost a tenth of it)."""
MIN_WINDOW = 2 * MAX_RANKED
"""The fewest newest ids PostgreSQL looks among first, for a term in most documents (see ``_first_window``)."""
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
    if session.get_bind().dialect.name == "postgresql":
        found, ranked = _search_postgresql(session, parsed, filter_conditions(filters, _SEARCH.c), limit, offset)
    else:
        found, ranked = _search_sqlite(session, parsed, filter_conditions(filters), limit, offset)
    count, is_lower_bound = min(found, MAX_RANKED), found > MAX_RANKED
    if not ranked:
        return Page([], count, is_lower_bound)
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_([r[0] for r in ranked])))}
    hits = [
        Hit(documents[doc_id], round(score, 6), snippet(documents[doc_id], parsed))
        for doc_id, score in ranked
        if doc_id in documents
    ]
    return Page(hits, count, is_lower_bound)


# --- SQLite: FTS5 ---------------------------------------------------------------------------------


def _search_sqlite(
    session: Session, parsed: ParsedQuery, conditions: list[ColumnElement[bool]], limit: int, offset: int
) -> tuple[int, list[tuple[int, float]]]:
    """How many candidates were found (at most ``MAX_RANKED`` + 1), and the page of them ranked."""
    candidates = _candidates_sqlite(session, parsed, conditions)
    found, candidates = len(candidates), candidates[:MAX_RANKED]
    if not candidates or offset >= len(candidates):
        return found, []
    return found, _rank_sqlite(session, parsed, candidates, conditions, limit=limit, offset=offset)


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
_RANK = table("knowledge_search_rank", column("id", Integer), column("rank_vector"))
"""The vector that ranks a document (migration 0015), kept in step by the same trigger."""


def _tsquery(parsed: ParsedQuery) -> ColumnElement[Any]:
    parts: list[ColumnElement[Any]] = [
        func.plainto_tsquery(literal_column("'english'::regconfig"), w) for w in parsed.words
    ]
    parts += [func.plainto_tsquery(literal_column("'simple'::regconfig"), t) for t in parsed.cjk]
    return functools.reduce(lambda a, b: a.op("&&")(b), parts)


def _search_postgresql(
    session: Session, parsed: ParsedQuery, conditions: list[ColumnElement[bool]], limit: int, offset: int
) -> tuple[int, list[tuple[int, float]]]:
    """The newest matches (at most ``MAX_RANKED`` + 1, counted) and the page of them ranked, in one
    statement per window of ids (``_ranked_window``).

    Ordering every match by id visits a heap row per match (10,000 pages for a term in a sixth of
    the library: 110 ms), and the planner would rather walk the ids backwards testing each row's
    tsvector, read out of line: 28 us a row, 340 ms. So the bitmap is forced (for this search only:
    ``_FORCE_BITMAPS``; the search statement sets them back) and ANDed with an id range over the newest ids: first as
    wide as the planner's estimate of the matches says holds 1.5 times ``MAX_RANKED`` + 1 of them
    (``_first_window``), then wider by the density of matches seen so far (the whole library when
    none were) until ``MAX_RANKED`` + 1 matches are found or the range covers the whole library.
    """
    everything = _matching(parsed, conditions)
    newest, seqscan, indexscan, _, _ = session.execute(_FORCE_BITMAPS).one()
    newest, settings = int(newest or 0), (str(seqscan), str(indexscan))
    window = _first_window(newest, _estimated_matches(session, parsed, conditions, everything))
    while True:
        floor = newest - window
        query = _matching(parsed, conditions, _newer_than(floor, newest)) if floor > 0 else everything
        found, ranked = _ranked_window(session, parsed, query, floor <= 0, settings, limit=limit, offset=offset)
        if found > MAX_RANKED or floor <= 0:
            return found, ranked
        session.execute(_FORCE_BITMAPS)  # the search set them back as it ran
        # Widen to where the matches seen so far say 1.5 times enough would be; none seen: everything.
        window = max(window * 2, window * (MAX_RANKED + 1) * 3 // (2 * found)) if found else newest


_FORCE_BITMAPS = text(
    "SELECT (SELECT max(id) FROM knowledge_search), was.seqscan, was.indexscan, "
    "set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true) "
    "FROM (SELECT current_setting('enable_seqscan') AS seqscan, current_setting('enable_indexscan') AS indexscan "
    "OFFSET 0) AS was"
)
"""The newest id and the two settings as they were, then both scans off (OFFSET 0: read before set)."""
_SCANS = ("enable_seqscan", "enable_indexscan")


def _matching(
    parsed: ParsedQuery, conditions: list[ColumnElement[bool]], newer: str | ColumnElement[bool] | None = None
) -> Select[Any]:
    """The ids matching ``parsed`` and ``conditions``, among ``newer`` ids (``_newer_than``) if given."""
    tsquery, in_range = _tsquery(parsed), []
    if isinstance(newer, str):
        tsquery = tsquery.op("&&")(cast(newer, TSQUERY))
    elif newer is not None:
        in_range.append(newer)
    matched = _SEARCH.c.search_vector.op("@@", is_comparison=True)(tsquery)
    return select(_SEARCH.c.id).where(matched, *conditions, *in_range)


def _newer_than(floor: int, newest: int) -> str | ColumnElement[bool]:
    """The ids above ``floor``: when they span at most ``MAX_BLOCKS`` blocks of ``ID_BLOCK`` ids, a
    query for their block lexemes (migration 0015), which the GIN scan answers together with the
    terms, jumping through a common term's list to those blocks; else an id range, whose bitmap is
    ANDed with the terms' whole lists.

    >>> _newer_than(96_858, 100_000)
    "'#96' | '#97' | '#98' | '#99' | '#100' | '#101'"
    >>> str(_newer_than(66_806, 100_000))
    'knowledge_search.id > :id_1'
    """
    first, last = floor // ID_BLOCK, newest // ID_BLOCK + 1  # + 1: ids added since ``newest`` was read
    if last - first < MAX_BLOCKS:
        return " | ".join(f"'#{block}'" for block in range(first, last + 1))
    return _SEARCH.c.id > floor


def _estimated_matches(
    session: Session, parsed: ParsedQuery, conditions: list[ColumnElement[bool]], everything: Select[Any]
) -> float:
    """How many documents the planner expects ``everything`` (the query's matches) to return, from
    ANALYZE's most common lexemes and values (a rare lexeme is guessed rarer than the rarest common one).

    The planner takes the terms of a query as independent, which underestimates words that go
    together ("ventilator oxygen": 2,342 estimated, 9,370 match) and so widens the first window
    too far (four times as many heap rows read); the rarest single term is the most that can
    match. With several terms the estimate is the geometric mean of the two (one EXPLAIN for all).
    """
    terms = [ParsedQuery([w], [], []) for w in parsed.words] + [ParsedQuery([], [t], []) for t in parsed.cjk]
    queries = [everything] + ([_matching(t, conditions) for t in terms] if len(terms) > 1 else [])
    compiled = (union_all(*queries) if len(queries) > 1 else queries[0]).compile(dialect=session.get_bind().dialect)
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    top = plan[0]["Plan"]
    members = [float(p["Plan Rows"]) for p in top.get("Plans", []) if p.get("Parent Relationship") == "Member"]
    if len(queries) == 1 or len(members) != len(queries):  # one query, or a branch planned away
        return float(top["Plan Rows"])
    return math.sqrt(members[0] * min(members[1:]))


def _first_window(newest: int, estimated: float) -> int:
    """How many of the newest ids to search first: where 1.5 times ``MAX_RANKED`` + 1 matches are
    expected at the estimated density of matches, at least ``MIN_WINDOW``.

    >>> _first_window(100_000, 48_000), _first_window(100_000, 1_500), _first_window(0, 0)
    (3129, 100100, 2000)
    """
    if estimated < 1:
        return max(MIN_WINDOW, newest)
    return max(MIN_WINDOW, math.ceil(1.5 * (MAX_RANKED + 1) * newest / estimated))


def _ranked_window(
    session: Session,
    parsed: ParsedQuery,
    matches: Select[Any],
    whole: bool,
    settings: tuple[str, str],
    *,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple[int, float]]]:
    """How many of ``matches`` were taken (the newest ``MAX_RANKED`` + 1) and, when that is final
    (more than ``MAX_RANKED``, or ``whole``: the window was the whole library), the page of the
    newest ``MAX_RANKED`` ranked by ts_rank over their ``rank_vector`` (migration 0015), best first,
    ties newest first.

    One statement: the ids never travel to Python and back, and it sets the scan settings back to
    ``settings`` (what ``_FORCE_BITMAPS`` found) as it runs, which only later statements see. The
    rank vector holds the title, the summary and the opening of the body, uncompressed in its row,
    so scoring 1,000 candidates reads 1,000 small rows, where the full ``search_vector`` of a
    Chinese document was fetched from TOAST and decompressed (15 us each). A candidate that matches
    only further into its body scores 0. The query is computed once (a subquery), not once per
    row. ts_rank, not ts_rank_cd: half the cost and the same weights by field.
    """
    candidates = (
        matches.order_by(_SEARCH.c.id.desc()).limit(MAX_RANKED + 1).cte("candidates").prefix_with("MATERIALIZED")
    )
    restore = [func.set_config(name, value, True) for name, value in zip(_SCANS, settings, strict=True)]
    counted = select(func.count().label("found"), *restore).select_from(candidates).subquery("counted")
    score = func.ts_rank(_RANK.c.rank_vector, select(_tsquery(parsed)).scalar_subquery(), 1).cast(Float).label("score")
    newest = select(candidates.c.id).order_by(candidates.c.id.desc()).limit(MAX_RANKED)
    page = (
        select(_RANK.c.id, score)
        .where(
            _RANK.c.id == any_(func.array(newest.scalar_subquery())), or_(counted.c.found > MAX_RANKED, literal(whole))
        )
        .order_by(score.desc(), _RANK.c.id.desc())
        .limit(limit)
        .offset(offset)
        .lateral("page")
    )
    statement = select(counted.c.found, page.c.id, page.c.score).select_from(counted.outerjoin(page, true()))
    rows = session.execute(statement).all()  # at least one row, the count; no page when not final
    return int(rows[0][0]), [(int(r[1]), float(r[2])) for r in rows if r[1] is not None]
