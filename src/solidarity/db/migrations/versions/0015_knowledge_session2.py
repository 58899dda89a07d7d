"""knowledge: PostgreSQL ranks over a small inline vector, and finds the newest matches by id block

Revision ID: 0015
Revises: 0014

A PostgreSQL search ranks at most 1,000 candidates with ``ts_rank``. Over ``search_vector`` that
read each candidate's whole vector: a Chinese document's (every character and bigram of its text,
over 2 KB) lives compressed in TOAST, so each score fetched and decompressed it, 15 us a vector,
about 15 ms of the 25-40 ms a broad Chinese query took; a long document's vector is far larger.

``knowledge_search_rank`` holds one ``rank_vector`` per document, built from what ranking weighs:
the words of the title (weight A), of the summary's first 1,000 characters (B) and of the body's
first 300 (C), and the CJK character and bigram terms of the title, of the summary's first 60
characters and of the body's first 30 (same weights; denser text, so a shorter prefix). CJK runs
are blanked before the words are taken (the English parser keeps a run as one long lexeme that no
query reaches). It is stored uncompressed in the row (``STORAGE MAIN`` with ``toast_tuple_target``
8160: only a vector over about 8 KB is compressed), so a score reads one heap row.
``search_vector`` still decides what matches.

Each ``search_vector`` also gets the lexeme ``#<id / 1000>``, its block of 1,000 ids (no query
word can produce a ``#``). A search limited to the newest ids ANDs its terms with the blocks it
wants (``'#97' | '#98' | '#99'``) inside the one GIN scan: GIN walks the small block lists and
jumps through a common term's long list to the ids they hold, where ANDing with a primary-key
range first read the whole list (a term in half the library: 48,000 ids, 5-8 ms, now 0.6 ms).

``knowledge_cjk_terms(text)`` is ``knowledge.search.cjk_terms`` in SQL (a test compares them), so
the trigger can split each field; the trigger fills both tables in the same transaction as each
write, and deleting a document deletes its rows (foreign keys). Existing documents are backfilled.
SQLite (FTS5, ranked by ``bm25`` over the full text) is unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CJK_CLASS = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]+"
# Each distinct character and bigram of each CJK run, in order of first appearance, as in Python.
_CJK_FUNCTION = (
    "CREATE FUNCTION knowledge_cjk_terms(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "  # noqa: S608
    "SELECT coalesce(string_agg(term, ' ' ORDER BY first), '') FROM ("
    "SELECT term, min(ord) AS first FROM ("
    "SELECT 'x' || h.hex || CASE WHEN v.n = 2 THEN h.next ELSE '' END AS term, "
    "r.k * 100000000 + v.n * 10000000 + h.i AS ord "
    f"FROM regexp_matches(t, '{_CJK_CLASS}', 'g') WITH ORDINALITY AS r(run, k), "
    "LATERAL (SELECT u.i, lpad(to_hex(ascii(u.c)), 5, '0') AS hex, "
    "lead(lpad(to_hex(ascii(u.c)), 5, '0')) OVER (ORDER BY u.i) AS next "
    "FROM unnest(string_to_array(r.run[1], NULL)) WITH ORDINALITY AS u(c, i)) h, "
    "(VALUES (1), (2)) AS v(n) WHERE v.n = 1 OR h.next IS NOT NULL"
    ") terms GROUP BY term) firsts $$"
)


def _field(value: str, words: int | None, cjk: int | None, weight: str) -> str:
    """A field's words (its CJK runs blanked: they would be one long lexeme no query reaches) and
    its CJK terms, each from the first ``words`` / ``cjk`` characters (all when None)."""
    words_text = f"left(coalesce({value}, ''), {words})" if words else f"coalesce({value}, '')"
    cjk_text = f"left({value}, {cjk})" if cjk else value
    return (
        f"setweight(to_tsvector('english'::regconfig, regexp_replace({words_text}, '{_CJK_CLASS}', ' ', 'g')) || "
        f"to_tsvector('simple'::regconfig, knowledge_cjk_terms({cjk_text})), '{weight}')"
    )


_RANK_VECTOR = " || ".join(
    [
        _field("{row}title", None, None, "A"),
        _field("{row}summary", 1000, 60, "B"),
        _field("{row}body_text", 300, 30, "C"),
    ]
)
# Revision 0013's matching vector and upsert; the upgrade adds the id block lexeme to the vector.
_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({row}summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({row}body_text, '')), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce({row}cjk_terms, '')), 'B')"
)
_BLOCK = "array_to_tsvector(ARRAY['#' || ({row}id / 1000)])"
_COLUMNS = "id, language, document_type, organisation_id, published_on, search_vector"
_SEARCH_UPSERT = (
    f"INSERT INTO knowledge_search ({_COLUMNS}) VALUES (NEW.id, NEW.language, NEW.document_type, "  # noqa: S608
    "NEW.organisation_id, NEW.published_on, {vector}) "
    "ON CONFLICT (id) DO UPDATE SET language = EXCLUDED.language, document_type = EXCLUDED.document_type, "
    "organisation_id = EXCLUDED.organisation_id, published_on = EXCLUDED.published_on, "
    "search_vector = EXCLUDED.search_vector; "
)
_RANK_UPSERT = (
    "INSERT INTO knowledge_search_rank (id, rank_vector) "  # noqa: S608
    f"VALUES (NEW.id, {_RANK_VECTOR.format(row='NEW.')}) "
    "ON CONFLICT (id) DO UPDATE SET rank_vector = EXCLUDED.rank_vector; "
)
_SYNC = (
    "CREATE OR REPLACE FUNCTION knowledge_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN {body}RETURN NULL; END $$"
)

_UPGRADE = [
    _CJK_FUNCTION,
    "CREATE TABLE knowledge_search_rank ("
    "id integer PRIMARY KEY REFERENCES knowledge_documents (id) ON DELETE CASCADE, "
    "rank_vector tsvector NOT NULL) WITH (toast_tuple_target = 8160)",
    "ALTER TABLE knowledge_search_rank ALTER COLUMN rank_vector SET STORAGE MAIN",
    f"INSERT INTO knowledge_search_rank (id, rank_vector) SELECT id, {_RANK_VECTOR.format(row='')} "  # noqa: S608
    "FROM knowledge_documents ORDER BY id",
    "UPDATE knowledge_search SET search_vector = search_vector || array_to_tsvector(ARRAY['#' || (id / 1000)])",
    _SYNC.format(body=_SEARCH_UPSERT.format(vector=f"{_VECTOR} || {_BLOCK}".format(row="NEW.")) + _RANK_UPSERT),
]
_DOWNGRADE = [
    _SYNC.format(body=_SEARCH_UPSERT.format(vector=_VECTOR.format(row="NEW."))),
    "UPDATE knowledge_search SET search_vector = ts_delete(search_vector, '#' || (id / 1000))",
    "DROP TABLE knowledge_search_rank",
    "DROP FUNCTION knowledge_cjk_terms(text)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE:
            op.execute(statement)
