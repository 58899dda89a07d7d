"""knowledge: PostgreSQL search moves to a narrow table, so a broad term is found without reading documents

Revision ID: 0013
Revises: 0012

The generated ``search_vector`` column lived in ``knowledge_documents``, whose rows carry the
documents' text: finding the newest 2,000 of 48,000 matches read most of the 130 MB table (or
detoasted a vector per row scanned), 60-350 ms. ``knowledge_search`` holds one row per document
without the text: the id, the columns the search filters on, and the ``tsvector`` (``toast_tuple_target``
128 moves the vectors of rows over 2 KB out of line; smaller ones stay inline: 97 MB for 100,000
documents). The search reads it through the GIN bitmap ANDed with a window of the newest ids. A
trigger keeps it in step with the documents in the same transaction. SQLite (FTS5) is unchanged.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce({row}title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({row}summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce({row}body_text, '')), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce({row}cjk_terms, '')), 'B')"
)
_COLUMNS = "id, language, document_type, organisation_id, published_on, search_vector"

_UPGRADE = [
    "CREATE TABLE knowledge_search ("
    "id integer PRIMARY KEY REFERENCES knowledge_documents (id) ON DELETE CASCADE, "
    "language varchar(12) NOT NULL, document_type varchar(40) NOT NULL, organisation_id integer, "
    "published_on date, search_vector tsvector NOT NULL) WITH (toast_tuple_target = 128)",
    f"INSERT INTO knowledge_search ({_COLUMNS}) SELECT id, language, document_type, organisation_id, "  # noqa: S608
    f"published_on, {_VECTOR.format(row='')} FROM knowledge_documents",
    "CREATE INDEX ix_knowledge_search_vector ON knowledge_search USING GIN (search_vector)",
    "CREATE INDEX ix_knowledge_search_language ON knowledge_search (language)",
    "CREATE FUNCTION knowledge_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608
    f"INSERT INTO knowledge_search ({_COLUMNS}) VALUES (NEW.id, NEW.language, NEW.document_type, "
    f"NEW.organisation_id, NEW.published_on, {_VECTOR.format(row='NEW.')}) "
    "ON CONFLICT (id) DO UPDATE SET language = EXCLUDED.language, document_type = EXCLUDED.document_type, "
    "organisation_id = EXCLUDED.organisation_id, published_on = EXCLUDED.published_on, "
    "search_vector = EXCLUDED.search_vector; RETURN NULL; END $$",
    "CREATE TRIGGER knowledge_search_sync AFTER INSERT OR UPDATE OF title, summary, body_text, cjk_terms, "
    "language, document_type, organisation_id, published_on ON knowledge_documents "
    "FOR EACH ROW EXECUTE FUNCTION knowledge_search_sync()",
    "DROP INDEX ix_knowledge_documents_search_vector",
    "ALTER TABLE knowledge_documents DROP COLUMN search_vector",
]
_DOWNGRADE = [
    "DROP TRIGGER knowledge_search_sync ON knowledge_documents",
    "DROP FUNCTION knowledge_search_sync()",
    "DROP TABLE knowledge_search",
    f"ALTER TABLE knowledge_documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_VECTOR.format(row='')}) "
    "STORED",
    "CREATE INDEX ix_knowledge_documents_search_vector ON knowledge_documents USING GIN (search_vector)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE:
            op.execute(statement)
