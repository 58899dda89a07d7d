"""Database objects that migrations create outside the models, which schema comparison must ignore.

The knowledge module's full-text index differs per engine: an FTS5 virtual table (and the shadow
tables SQLite makes for it) on SQLite; on PostgreSQL the ``knowledge_search`` table with its
``tsvector`` and GIN index and the ``knowledge_search_rank`` table of ranking vectors (revision
0015), both filled by a trigger (before revision 0013: a generated column). Neither can be
described by a portable model, so autogenerate and the schema drift test skip them by name.

>>> include_object(None, "knowledge_fts_data", "table", True, None)
False
>>> include_object(None, "knowledge_search", "table", True, None)
False
>>> include_object(None, "knowledge_search_rank", "table", True, None)
False
>>> include_object(None, "knowledge_documents", "table", True, None)
True
"""

from __future__ import annotations

from typing import Any

UNMAPPED_TABLE_PREFIXES = ("knowledge_fts", "knowledge_search")
UNMAPPED_COLUMNS = frozenset({"search_vector"})
UNMAPPED_INDEXES = frozenset({"ix_knowledge_documents_search_vector"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: ``False`` for the engine-specific search objects."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMAPPED_TABLE_PREFIXES)
    if type_ == "column":
        return name not in UNMAPPED_COLUMNS
    if type_ == "index":
        return name not in UNMAPPED_INDEXES
    return True
