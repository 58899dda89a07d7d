"""assistance: flows with append-only versions, recipients, item lines, sources; claims

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assistance_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_flows")),
        sa.UniqueConstraint("ref", name=op.f("uq_assistance_flows_ref")),
    )
    op.create_table(
        "assistance_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.String(length=2000), nullable=False),
        sa.Column("claim_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("citation", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("page", sa.String(length=40), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["organisations.id"], name=op.f("fk_assistance_claims_reporter_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_claims")),
    )
    with op.batch_alter_table("assistance_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_claims_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_claims_subject"), ["subject"], unique=False)
    op.create_table(
        "assistance_flow_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("receiver_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "bilateral", "multilateral", "public-private", "private", name="channel", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "modality",
            sa.Enum(
                "financial",
                "in-kind",
                "personnel",
                "training",
                "knowledge",
                name="modality",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "terms",
            sa.Enum("grant", "loan", "commercial-sale", "other", name="terms", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "pledge",
                "commitment",
                "disbursement",
                "delivery",
                "expenditure",
                name="stage",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "boundary", sa.Enum("single", "shared", name="boundary", native_enum=False, length=10), nullable=False
        ),
        sa.Column("is_new_money", sa.Boolean(), nullable=False),
        sa.Column("is_internal", sa.Boolean(), nullable=False),
        sa.Column("is_lower_bound", sa.Boolean(), nullable=False),
        sa.Column("flow_date", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("horizon_end", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("usd_rate", sa.Numeric(precision=28, scale=14), nullable=True),
        sa.Column("usd_rate_date", sa.Date(), nullable=True),
        sa.Column("usd_rate_source", sa.String(length=300), nullable=True),
        sa.Column("parent_flow_id", sa.Integer(), nullable=True),
        sa.Column("fulfils_flow_id", sa.Integer(), nullable=True),
        sa.Column("joint_action_id", sa.Integer(), nullable=True),
        sa.Column("claim_subject", sa.String(length=200), nullable=True),
        sa.Column("emergency_code", sa.String(length=40), nullable=True),
        sa.Column("sector_dac", sa.String(length=5), nullable=True),
        sa.Column("cluster", sa.String(length=40), nullable=True),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column(
            "capacity_kind",
            sa.Enum("expert-team", "training", name="capacitykind", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("capacity_count", sa.Integer(), nullable=True),
        sa.Column("capacity_countries", sa.Integer(), nullable=True),
        sa.Column("specialties", sa.String(length=500), nullable=True),
        sa.Column("team_size", sa.Integer(), nullable=True),
        sa.Column("activities", sa.String(length=2000), nullable=True),
        sa.Column("topic", sa.String(length=300), nullable=True),
        sa.Column(
            "delivery_mode",
            sa.Enum("online", "offline", "mixed", name="deliverymode", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("audience", sa.String(length=300), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=40), nullable=True),
        sa.Column("iati_identifier", sa.String(length=200), nullable=True),
        sa.Column("transaction_type", sa.String(length=4), nullable=True),
        sa.Column("aid_type", sa.String(length=10), nullable=True),
        sa.Column("finance_type", sa.String(length=10), nullable=True),
        sa.Column("flow_type", sa.String(length=10), nullable=True),
        sa.Column("humanitarian_scope", sa.String(length=60), nullable=True),
        sa.Column("override_reason", sa.String(length=1000), nullable=True),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        sa.Column("changed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("change_reason", sa.String(length=1000), nullable=True),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_assistance_flow_versions_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_user_id"], ["users.id"], name=op.f("fk_assistance_flow_versions_changed_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["assistance_flows.id"], name=op.f("fk_assistance_flow_versions_flow_id_assistance_flows")
        ),
        sa.ForeignKeyConstraint(
            ["fulfils_flow_id"],
            ["assistance_flows.id"],
            name=op.f("fk_assistance_flow_versions_fulfils_flow_id_assistance_flows"),
        ),
        sa.ForeignKeyConstraint(
            ["joint_action_id"],
            ["joint_actions.id"],
            name=op.f("fk_assistance_flow_versions_joint_action_id_joint_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_flow_id"],
            ["assistance_flows.id"],
            name=op.f("fk_assistance_flow_versions_parent_flow_id_assistance_flows"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organisations.id"], name=op.f("fk_assistance_flow_versions_provider_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["receiver_id"], ["organisations.id"], name=op.f("fk_assistance_flow_versions_receiver_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["organisations.id"], name=op.f("fk_assistance_flow_versions_reporter_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_flow_versions")),
        sa.UniqueConstraint("flow_id", "version", name=op.f("uq_assistance_flow_versions_flow_id_version")),
    )
    with op.batch_alter_table("assistance_flow_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_flow_versions_claim_subject"), ["claim_subject"], unique=False)
        batch_op.create_index("ix_assistance_flow_versions_current", ["is_current", "stage", "flow_date"], unique=False)
        batch_op.create_index(
            "ix_assistance_flow_versions_report",
            [
                "is_current",
                "is_internal",
                "provider_id",
                "channel",
                "modality",
                "stage",
                "boundary",
                "currency",
                "amount",
                "amount_usd",
                "parent_flow_id",
                "flow_date",
                "emergency_code",
                "flow_id",
            ],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assistance_flow_versions_emergency_code"), ["emergency_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistance_flow_versions_flow_id"), ["flow_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assistance_flow_versions_fulfils_flow_id"), ["fulfils_flow_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistance_flow_versions_iati_identifier"), ["iati_identifier"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistance_flow_versions_joint_action_id"), ["joint_action_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistance_flow_versions_parent_flow_id"), ["parent_flow_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistance_flow_versions_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_flow_versions_receiver_id"), ["receiver_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_flow_versions_reporter_id"), ["reporter_id"], unique=False)
    op.create_table(
        "assistance_flow_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column(
            "valuation",
            sa.Enum(
                "none",
                "declared",
                "market-price",
                "customs",
                "replacement-cost",
                name="valuation",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("unit_value", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("value_currency", sa.String(length=3), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_assistance_flow_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_code"], ["reference_items.code"], name=op.f("fk_assistance_flow_items_item_code_reference_items")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["reference_units.code"], name=op.f("fk_assistance_flow_items_unit_code_reference_units")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["assistance_flow_versions.id"],
            name=op.f("fk_assistance_flow_items_version_id_assistance_flow_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_flow_items")),
    )
    with op.batch_alter_table("assistance_flow_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_flow_items_item_code"), ["item_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_flow_items_version_id"), ["version_id"], unique=False)
    op.create_table(
        "assistance_flow_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("percentage", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "percentage > 0 AND percentage <= 100", name=op.f("ck_assistance_flow_recipients_percentage_range")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["assistance_flow_versions.id"],
            name=op.f("fk_assistance_flow_recipients_version_id_assistance_flow_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_flow_recipients")),
    )
    with op.batch_alter_table("assistance_flow_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_flow_recipients_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_flow_recipients_version_id"), ["version_id"], unique=False)
        batch_op.create_index(
            "ix_assistance_flow_recipients_report", ["version_id", "country_code", "percentage"], unique=False
        )
    op.create_table(
        "assistance_flow_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("page", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["assistance_flow_versions.id"],
            name=op.f("fk_assistance_flow_sources_version_id_assistance_flow_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_flow_sources")),
    )
    with op.batch_alter_table("assistance_flow_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_flow_sources_version_id"), ["version_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assistance_flow_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_flow_sources_version_id"))
    op.drop_table("assistance_flow_sources")
    with op.batch_alter_table("assistance_flow_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_assistance_flow_recipients_report")
        batch_op.drop_index(batch_op.f("ix_assistance_flow_recipients_version_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_recipients_country_code"))
    op.drop_table("assistance_flow_recipients")
    with op.batch_alter_table("assistance_flow_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_flow_items_version_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_items_item_code"))
    op.drop_table("assistance_flow_items")
    with op.batch_alter_table("assistance_flow_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_receiver_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_provider_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_parent_flow_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_joint_action_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_iati_identifier"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_fulfils_flow_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_flow_id"))
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_emergency_code"))
        batch_op.drop_index("ix_assistance_flow_versions_report")
        batch_op.drop_index("ix_assistance_flow_versions_current")
        batch_op.drop_index(batch_op.f("ix_assistance_flow_versions_claim_subject"))
    op.drop_table("assistance_flow_versions")
    with op.batch_alter_table("assistance_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_claims_subject"))
        batch_op.drop_index(batch_op.f("ix_assistance_claims_reporter_id"))
    op.drop_table("assistance_claims")
    op.drop_table("assistance_flows")
