"""knowledge: documents with full-text search on both engines, vaccine candidates, measures

Revision ID: 0006
Revises: 0005

The search index is engine-specific and not part of the models (see ``solidarity.db.unmapped``):
SQLite gets an external-content FTS5 table over the documents, kept in step by triggers, with the
porter stemmer; PostgreSQL gets a generated ``tsvector`` column (English for the text, ``simple``
for the CJK bigram terms) with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5("
    "title, summary, body_text, cjk_terms, content='knowledge_documents', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_documents BEGIN "
    "INSERT INTO knowledge_fts(rowid, title, summary, body_text, cjk_terms) "
    "VALUES (new.id, new.title, new.summary, new.body_text, new.cjk_terms); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_documents BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, summary, body_text, cjk_terms) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body_text, old.cjk_terms); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE ON knowledge_documents BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, summary, body_text, cjk_terms) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body_text, old.cjk_terms); "
    "INSERT INTO knowledge_fts(rowid, title, summary, body_text, cjk_terms) "
    "VALUES (new.id, new.title, new.summary, new.body_text, new.cjk_terms); END",
]
_POSTGRESQL_SEARCH = [
    "ALTER TABLE knowledge_documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body_text, '')), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(cjk_terms, '')), 'B')) STORED",
    "CREATE INDEX ix_knowledge_documents_search_vector ON knowledge_documents USING GIN (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "knowledge_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=12), nullable=False),
        sa.Column(
            "document_type",
            sa.Enum(
                "guideline",
                "protocol",
                "experience_report",
                "training_material",
                "research",
                "other",
                name="documenttype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_kind", sa.String(length=20), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("cjk_terms", sa.Text(), nullable=False),
        sa.Column("translation_group", sa.Integer(), nullable=True),
        sa.Column("training_session_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_knowledge_documents_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
    )
    with op.batch_alter_table("knowledge_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_documents_document_type"), ["document_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_documents_language"), ["language"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_documents_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_documents_published_on"), ["published_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_knowledge_documents_training_session_id"), ["training_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_knowledge_documents_translation_group"), ["translation_group"], unique=False
        )

    op.create_table(
        "knowledge_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("area_name", sa.String(length=200), nullable=True),
        sa.Column(
            "measure_type",
            sa.Enum(
                "city_lockdown",
                "national_lockdown",
                "stay_at_home",
                "mandatory_quarantine",
                "border_measures",
                "mass_testing",
                "contact_tracing",
                "mask_mandate",
                "school_closing",
                "workplace_closing",
                "public_events_ban",
                "gathering_restrictions",
                "public_transport_closing",
                "internal_movement_restrictions",
                "other",
                name="measuretype",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_knowledge_measures_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_measures")),
    )
    with op.batch_alter_table("knowledge_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_measures_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_measures_measure_type"), ["measure_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_measures_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_measures_start_date"), ["start_date"], unique=False)

    op.create_table(
        "knowledge_vaccine_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "platform",
            sa.Enum(
                "inactivated",
                "recombinant_protein",
                "live_attenuated_influenza_vectored",
                "adenovirus_vectored",
                "nucleic_acid",
                "other",
                name="platform",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "phase",
            sa.Enum(
                "preclinical", "phase_1", "phase_2", "phase_3", "authorised", name="phase", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_global_public_good", sa.Boolean(), nullable=False),
        sa.Column("public_good_source", sa.String(length=1000), nullable=True),
        sa.Column("source", sa.String(length=1000), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_knowledge_vaccine_candidates_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_vaccine_candidates")),
        sa.UniqueConstraint("name", name=op.f("uq_knowledge_vaccine_candidates_name")),
    )
    with op.batch_alter_table("knowledge_vaccine_candidates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_vaccine_candidates_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_vaccine_candidates_phase"), ["phase"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_vaccine_candidates_platform"), ["platform"], unique=False)

    op.create_table(
        "knowledge_document_countries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_document_countries_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_document_countries")),
        sa.UniqueConstraint(
            "document_id", "country_code", name=op.f("uq_knowledge_document_countries_document_id_country_code")
        ),
    )
    with op.batch_alter_table("knowledge_document_countries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_document_countries_country_code"), ["country_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_document_countries_document_id"), ["document_id"], unique=False)

    op.create_table(
        "knowledge_document_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_document_measures_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["knowledge_measures.id"],
            name=op.f("fk_knowledge_document_measures_measure_id_knowledge_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_document_measures")),
        sa.UniqueConstraint(
            "document_id", "measure_id", name=op.f("uq_knowledge_document_measures_document_id_measure_id")
        ),
    )
    with op.batch_alter_table("knowledge_document_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_document_measures_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_document_measures_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "knowledge_document_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_document_topics_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_document_topics")),
        sa.UniqueConstraint("document_id", "topic", name=op.f("uq_knowledge_document_topics_document_id_topic")),
    )
    with op.batch_alter_table("knowledge_document_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_document_topics_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_knowledge_document_topics_topic"), ["topic"], unique=False)

    op.create_table(
        "knowledge_vaccine_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column(
            "role", sa.Enum("developer", "partner", name="partyrole", native_enum=False, length=20), nullable=False
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["knowledge_vaccine_candidates.id"],
            name=op.f("fk_knowledge_vaccine_parties_candidate_id_knowledge_vaccine_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_knowledge_vaccine_parties_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_vaccine_parties")),
    )
    with op.batch_alter_table("knowledge_vaccine_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_vaccine_parties_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_knowledge_vaccine_parties_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "knowledge_vaccine_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum(
                "preclinical", "phase_1", "phase_2", "phase_3", "authorised", name="phase", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["knowledge_vaccine_candidates.id"],
            name=op.f("fk_knowledge_vaccine_phases_candidate_id_knowledge_vaccine_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_vaccine_phases")),
        sa.UniqueConstraint("candidate_id", "phase", name=op.f("uq_knowledge_vaccine_phases_candidate_id_phase")),
    )
    with op.batch_alter_table("knowledge_vaccine_phases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_vaccine_phases_candidate_id"), ["candidate_id"], unique=False)

    op.create_table(
        "knowledge_vaccine_trial_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["knowledge_vaccine_candidates.id"],
            name=op.f("fk_knowledge_vaccine_trial_sites_candidate_id_knowledge_vaccine_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_vaccine_trial_sites")),
        sa.UniqueConstraint(
            "candidate_id", "country_code", name=op.f("uq_knowledge_vaccine_trial_sites_candidate_id_country_code")
        ),
    )
    with op.batch_alter_table("knowledge_vaccine_trial_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_vaccine_trial_sites_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_knowledge_vaccine_trial_sites_country_code"), ["country_code"], unique=False
        )

    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_SEARCH if dialect == "sqlite" else _POSTGRESQL_SEARCH if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS knowledge_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    with op.batch_alter_table("knowledge_vaccine_trial_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_trial_sites_country_code"))
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_trial_sites_candidate_id"))

    op.drop_table("knowledge_vaccine_trial_sites")
    with op.batch_alter_table("knowledge_vaccine_phases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_phases_candidate_id"))

    op.drop_table("knowledge_vaccine_phases")
    with op.batch_alter_table("knowledge_vaccine_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_parties_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_parties_candidate_id"))

    op.drop_table("knowledge_vaccine_parties")
    with op.batch_alter_table("knowledge_document_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_document_topics_topic"))
        batch_op.drop_index(batch_op.f("ix_knowledge_document_topics_document_id"))

    op.drop_table("knowledge_document_topics")
    with op.batch_alter_table("knowledge_document_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_document_measures_measure_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_document_measures_document_id"))

    op.drop_table("knowledge_document_measures")
    with op.batch_alter_table("knowledge_document_countries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_document_countries_document_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_document_countries_country_code"))

    op.drop_table("knowledge_document_countries")
    with op.batch_alter_table("knowledge_vaccine_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_candidates_platform"))
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_candidates_phase"))
        batch_op.drop_index(batch_op.f("ix_knowledge_vaccine_candidates_organisation_id"))

    op.drop_table("knowledge_vaccine_candidates")
    with op.batch_alter_table("knowledge_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_measures_start_date"))
        batch_op.drop_index(batch_op.f("ix_knowledge_measures_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_measures_measure_type"))
        batch_op.drop_index(batch_op.f("ix_knowledge_measures_country_code"))

    op.drop_table("knowledge_measures")
    with op.batch_alter_table("knowledge_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_translation_group"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_training_session_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_published_on"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_language"))
        batch_op.drop_index(batch_op.f("ix_knowledge_documents_document_type"))

    op.drop_table("knowledge_documents")
