"""genomes: pathogen datasets, genome sets, genomes, analyses, mutation index, terms and downloads

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "genome_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("directory", sa.String(length=1000), nullable=False),
        sa.Column("files_sha256", sa.JSON(), nullable=False),
        sa.Column("reference_length", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genome_datasets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_genome_datasets_name_version")),
    )
    op.create_table(
        "genome_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("genome_count", sa.Integer(), nullable=False),
        sa.Column("set_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_genome_downloads_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genome_downloads")),
    )
    with op.batch_alter_table("genome_downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_downloads_user_id"), ["user_id"], unique=False)

    op.create_table(
        "genome_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.String(length=40), nullable=True),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("embargo_until", sa.Date(), nullable=True),
        sa.Column("genome_count", sa.Integer(), nullable=False),
        sa.Column("has_incomplete_attribution", sa.Boolean(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["genome_datasets.id"], name=op.f("fk_genome_sets_dataset_id_genome_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_genome_sets_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"], ["users.id"], name=op.f("fk_genome_sets_submitted_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genome_sets")),
        sa.UniqueConstraint("set_id", name=op.f("uq_genome_sets_set_id")),
    )
    with op.batch_alter_table("genome_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_sets_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_genome_sets_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "genome_terms_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("terms_version", sa.String(length=20), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_genome_terms_acceptances_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genome_terms_acceptances")),
        sa.UniqueConstraint("user_id", "terms_version", name=op.f("uq_genome_terms_acceptances_user_id_terms_version")),
    )
    with op.batch_alter_table("genome_terms_acceptances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_terms_acceptances_user_id"), ["user_id"], unique=False)

    op.create_table(
        "genomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("accession", sa.String(length=40), nullable=True),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("virus_name", sa.String(length=300), nullable=False),
        sa.Column("sequence_sha256", sa.String(length=64), nullable=False),
        sa.Column("sequence_zlib", sa.LargeBinary(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("country_name", sa.String(length=200), nullable=True),
        sa.Column("division", sa.String(length=200), nullable=True),
        sa.Column("host", sa.String(length=200), nullable=True),
        sa.Column("sex", sa.String(length=40), nullable=True),
        sa.Column("age", sa.String(length=40), nullable=True),
        sa.Column("originating_lab", sa.Text(), nullable=True),
        sa.Column("submitting_lab", sa.Text(), nullable=True),
        sa.Column("authors", sa.Text(), nullable=True),
        sa.Column("sequencing_technology", sa.String(length=200), nullable=True),
        sa.Column("assembly_method", sa.String(length=200), nullable=True),
        sa.Column("coverage", sa.String(length=40), nullable=True),
        sa.Column("has_incomplete_attribution", sa.Boolean(), nullable=False),
        sa.Column("embargo_until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["genome_datasets.id"], name=op.f("fk_genomes_dataset_id_genome_datasets")
        ),
        sa.ForeignKeyConstraint(["set_id"], ["genome_sets.id"], name=op.f("fk_genomes_set_id_genome_sets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genomes")),
        sa.UniqueConstraint("accession", name=op.f("uq_genomes_accession")),
        sa.UniqueConstraint("dataset_id", "sequence_sha256", name=op.f("uq_genomes_dataset_id_sequence_sha256")),
    )
    with op.batch_alter_table("genomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genomes_country_code"), ["country_code"], unique=False)
        batch_op.create_index("ix_genomes_dataset_date", ["dataset_id", "collection_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_genomes_set_id"), ["set_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_genomes_virus_name"), ["virus_name"], unique=False)

    op.create_table(
        "genome_missing_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("genome_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["genome_id"], ["genomes.id"], name=op.f("fk_genome_missing_ranges_genome_id_genomes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genome_missing_ranges")),
    )
    with op.batch_alter_table("genome_missing_ranges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_missing_ranges_genome_id"), ["genome_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_genome_missing_ranges_start"), ["start"], unique=False)

    op.create_table(
        "genome_mutations",
        sa.Column("mutation", sa.String(length=80), nullable=False),
        sa.Column("genome_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("site", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["genome_id"], ["genomes.id"], name=op.f("fk_genome_mutations_genome_id_genomes")),
        sa.PrimaryKeyConstraint("mutation", "genome_id", name=op.f("pk_genome_mutations")),
    )
    with op.batch_alter_table("genome_mutations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_mutations_genome_id"), ["genome_id"], unique=False)
        batch_op.create_index("ix_genome_mutations_kind_site", ["kind", "site"], unique=False)

    op.create_table(
        "genome_results",
        sa.Column("genome_id", sa.Integer(), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=False),
        sa.Column("clade", sa.String(length=40), nullable=True),
        sa.Column("clade_version", sa.String(length=100), nullable=True),
        sa.Column("qc_status", sa.String(length=20), nullable=True),
        sa.Column("qc_score", sa.Float(), nullable=True),
        sa.Column("mutation_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["genome_id"], ["genomes.id"], name=op.f("fk_genome_results_genome_id_genomes")),
        sa.PrimaryKeyConstraint("genome_id", name=op.f("pk_genome_results")),
    )
    with op.batch_alter_table("genome_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_genome_results_clade"), ["clade"], unique=False)
        batch_op.create_index(batch_op.f("ix_genome_results_mutation_count"), ["mutation_count"], unique=False)
        batch_op.create_index(batch_op.f("ix_genome_results_qc_status"), ["qc_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("genome_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genome_results_qc_status"))
        batch_op.drop_index(batch_op.f("ix_genome_results_mutation_count"))
        batch_op.drop_index(batch_op.f("ix_genome_results_clade"))

    op.drop_table("genome_results")
    with op.batch_alter_table("genome_mutations", schema=None) as batch_op:
        batch_op.drop_index("ix_genome_mutations_kind_site")
        batch_op.drop_index(batch_op.f("ix_genome_mutations_genome_id"))

    op.drop_table("genome_mutations")
    with op.batch_alter_table("genome_missing_ranges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genome_missing_ranges_start"))
        batch_op.drop_index(batch_op.f("ix_genome_missing_ranges_genome_id"))

    op.drop_table("genome_missing_ranges")
    with op.batch_alter_table("genomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genomes_virus_name"))
        batch_op.drop_index(batch_op.f("ix_genomes_set_id"))
        batch_op.drop_index("ix_genomes_dataset_date")
        batch_op.drop_index(batch_op.f("ix_genomes_country_code"))

    op.drop_table("genomes")
    with op.batch_alter_table("genome_terms_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genome_terms_acceptances_user_id"))

    op.drop_table("genome_terms_acceptances")
    with op.batch_alter_table("genome_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genome_sets_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_genome_sets_dataset_id"))

    op.drop_table("genome_sets")
    with op.batch_alter_table("genome_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_genome_downloads_user_id"))

    op.drop_table("genome_downloads")
    op.drop_table("genome_datasets")
