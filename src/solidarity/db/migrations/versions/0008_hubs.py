"""hubs: locations, lots, stock ledger and balances, loans, requests, shipments, tracking

Revision ID: 0008
Revises: 0007
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The virtual locations every ledger needs; recipients (one per country) are added when first used.
VIRTUAL_LOCATIONS = (
    ("supplier", "Donors and suppliers"),
    ("in_transit", "In transit"),
    ("lost", "Lost"),
    ("damaged", "Damaged"),
    ("expired", "Expired"),
    ("consumed", "Consumed"),
)


def upgrade() -> None:
    op.create_table(
        "hubs_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "hub",
                "bin",
                "supplier",
                "in_transit",
                "recipient",
                "lost",
                "damaged",
                "expired",
                "consumed",
                name="locationkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("operator_organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_locations_operator_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["hubs_locations.id"], name=op.f("fk_hubs_locations_parent_id_hubs_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_hubs_locations_name")),
    )
    with op.batch_alter_table("hubs_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_locations_kind"), ["kind"], unique=False)

    op.create_table(
        "hubs_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lender_organisation_id", sa.Integer(), nullable=False),
        sa.Column("borrower_organisation_id", sa.Integer(), nullable=False),
        sa.Column("expected_return_on", sa.Date(), nullable=True),
        sa.Column("returned_quantity", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_loans_borrower_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs_locations.id"], name=op.f("fk_hubs_loans_hub_id_hubs_locations")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["reference_items.id"], name=op.f("fk_hubs_loans_item_id_reference_items")
        ),
        sa.ForeignKeyConstraint(
            ["lender_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_loans_lender_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_loans")),
    )
    op.create_table(
        "hubs_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["reference_items.id"], name=op.f("fk_hubs_lots_item_id_reference_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_lots")),
        sa.UniqueConstraint("item_id", "code", name=op.f("uq_hubs_lots_item_id_code")),
    )
    op.create_table(
        "hubs_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requesting_organisation_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("emergency_point", sa.String(length=200), nullable=True),
        sa.Column("hub_id", sa.Integer(), nullable=True),
        sa.Column(
            "priority",
            sa.Enum("low", "normal", "high", "critical", name="priority", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("needed_by", sa.Date(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "allocated",
                "dispatched",
                "delivered",
                "closed",
                "rejected",
                "cancelled",
                name="requeststate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs_locations.id"], name=op.f("fk_hubs_requests_hub_id_hubs_locations")),
        sa.ForeignKeyConstraint(
            ["requesting_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_requests_requesting_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_requests")),
    )
    with op.batch_alter_table("hubs_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_requests_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_hubs_requests_state"), ["state"], unique=False)

    op.create_table(
        "hubs_request_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("approved_quantity", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_hubs_request_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["reference_items.id"], name=op.f("fk_hubs_request_lines_item_id_reference_items")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["hubs_requests.id"], name=op.f("fk_hubs_request_lines_request_id_hubs_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_request_lines")),
    )
    with op.batch_alter_table("hubs_request_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_request_lines_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hubs_request_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "allocated",
                "dispatched",
                "delivered",
                "closed",
                "rejected",
                "cancelled",
                name="requeststate",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "allocated",
                "dispatched",
                "delivered",
                "closed",
                "rejected",
                "cancelled",
                name="requeststate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["hubs_requests.id"], name=op.f("fk_hubs_request_transitions_request_id_hubs_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_request_transitions")),
    )
    with op.batch_alter_table("hubs_request_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_request_transitions_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hubs_shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "picked",
                "packed",
                "dispatched",
                "delivered",
                "lost",
                "cancelled",
                name="shipmentstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("packages", sa.Integer(), nullable=True),
        sa.Column("expected_arrival", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_to", sa.String(length=20), nullable=True),
        sa.Column("lost_reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hubs_locations.id"], name=op.f("fk_hubs_shipments_hub_id_hubs_locations")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["hubs_requests.id"], name=op.f("fk_hubs_shipments_request_id_hubs_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_shipments")),
    )
    with op.batch_alter_table("hubs_shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_shipments_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_hubs_shipments_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hubs_shipments_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hubs_shipments_state"), ["state"], unique=False)

    op.create_table(
        "hubs_stock_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_hubs_stock_balances_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["reference_items.id"], name=op.f("fk_hubs_stock_balances_item_id_reference_items")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["hubs_locations.id"], name=op.f("fk_hubs_stock_balances_location_id_hubs_locations")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["hubs_lots.id"], name=op.f("fk_hubs_stock_balances_lot_id_hubs_lots")),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_stock_balances_owner_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_stock_balances")),
        sa.UniqueConstraint(
            "location_id",
            "item_id",
            "lot_id",
            "owner_organisation_id",
            name=op.f("uq_hubs_stock_balances_location_id_item_id_lot_id_owner_organisation_id"),
        ),
    )
    with op.batch_alter_table("hubs_stock_balances", schema=None) as batch_op:
        batch_op.create_index("ix_hubs_stock_balances_item", ["item_id", "location_id"], unique=False)

    op.create_table(
        "hubs_shipment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=True),
        sa.Column("rejected", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=1000), nullable=True),
        sa.CheckConstraint(
            "(accepted IS NULL AND rejected IS NULL) OR "
            "(accepted >= 0 AND rejected >= 0 AND accepted + rejected = quantity)",
            name=op.f("ck_hubs_shipment_lines_delivery_adds_up"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_hubs_shipment_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["reference_items.id"], name=op.f("fk_hubs_shipment_lines_item_id_reference_items")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["hubs_lots.id"], name=op.f("fk_hubs_shipment_lines_lot_id_hubs_lots")),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_shipment_lines_owner_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["hubs_shipments.id"], name=op.f("fk_hubs_shipment_lines_shipment_id_hubs_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_shipment_lines")),
    )
    with op.batch_alter_table("hubs_shipment_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_shipment_lines_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "hubs_stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_location_id", sa.Integer(), nullable=False),
        sa.Column("to_location_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("owner_organisation_id", sa.Integer(), nullable=False),
        sa.Column("to_owner_organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "receipt",
                "dispatch",
                "delivery",
                "return",
                "damage",
                "loss",
                "expiry",
                "consumption",
                "loan",
                "loan_return",
                "transfer",
                "reversal",
                name="movereason",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("reverses_move_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("assistance_flow_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_hubs_stock_moves_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["from_location_id"],
            ["hubs_locations.id"],
            name=op.f("fk_hubs_stock_moves_from_location_id_hubs_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["reference_items.id"], name=op.f("fk_hubs_stock_moves_item_id_reference_items")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["hubs_loans.id"], name=op.f("fk_hubs_stock_moves_loan_id_hubs_loans")),
        sa.ForeignKeyConstraint(["lot_id"], ["hubs_lots.id"], name=op.f("fk_hubs_stock_moves_lot_id_hubs_lots")),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_stock_moves_owner_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_move_id"],
            ["hubs_stock_moves.id"],
            name=op.f("fk_hubs_stock_moves_reverses_move_id_hubs_stock_moves"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["hubs_shipments.id"], name=op.f("fk_hubs_stock_moves_shipment_id_hubs_shipments")
        ),
        sa.ForeignKeyConstraint(
            ["to_location_id"], ["hubs_locations.id"], name=op.f("fk_hubs_stock_moves_to_location_id_hubs_locations")
        ),
        sa.ForeignKeyConstraint(
            ["to_owner_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_hubs_stock_moves_to_owner_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_stock_moves")),
        sa.UniqueConstraint("reverses_move_id", name=op.f("uq_hubs_stock_moves_reverses_move_id")),
    )
    with op.batch_alter_table("hubs_stock_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hubs_stock_moves_assistance_flow_id"), ["assistance_flow_id"], unique=False
        )
        batch_op.create_index(
            "ix_hubs_stock_moves_from", ["from_location_id", "item_id", "lot_id", "owner_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hubs_stock_moves_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index(
            "ix_hubs_stock_moves_to", ["to_location_id", "item_id", "lot_id", "to_owner_organisation_id"], unique=False
        )

    op.create_table(
        "hubs_tracking_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "departed",
                "transit_point",
                "customs",
                "arrived",
                "delivered",
                name="trackingkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["hubs_shipments.id"], name=op.f("fk_hubs_tracking_events_shipment_id_hubs_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs_tracking_events")),
    )
    with op.batch_alter_table("hubs_tracking_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hubs_tracking_events_shipment_id"), ["shipment_id"], unique=False)

    locations = sa.table(
        "hubs_locations",
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(locations, [{"kind": kind, "name": name, "created_at": now} for kind, name in VIRTUAL_LOCATIONS])


def downgrade() -> None:
    with op.batch_alter_table("hubs_tracking_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_tracking_events_shipment_id"))

    op.drop_table("hubs_tracking_events")
    with op.batch_alter_table("hubs_stock_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_hubs_stock_moves_to")
        batch_op.drop_index(batch_op.f("ix_hubs_stock_moves_shipment_id"))
        batch_op.drop_index("ix_hubs_stock_moves_from")
        batch_op.drop_index(batch_op.f("ix_hubs_stock_moves_assistance_flow_id"))

    op.drop_table("hubs_stock_moves")
    with op.batch_alter_table("hubs_shipment_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_shipment_lines_shipment_id"))

    op.drop_table("hubs_shipment_lines")
    with op.batch_alter_table("hubs_stock_balances", schema=None) as batch_op:
        batch_op.drop_index("ix_hubs_stock_balances_item")

    op.drop_table("hubs_stock_balances")
    with op.batch_alter_table("hubs_shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_shipments_state"))
        batch_op.drop_index(batch_op.f("ix_hubs_shipments_request_id"))
        batch_op.drop_index(batch_op.f("ix_hubs_shipments_hub_id"))
        batch_op.drop_index(batch_op.f("ix_hubs_shipments_country_code"))

    op.drop_table("hubs_shipments")
    with op.batch_alter_table("hubs_request_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_request_transitions_request_id"))

    op.drop_table("hubs_request_transitions")
    with op.batch_alter_table("hubs_request_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_request_lines_request_id"))

    op.drop_table("hubs_request_lines")
    with op.batch_alter_table("hubs_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_requests_state"))
        batch_op.drop_index(batch_op.f("ix_hubs_requests_country_code"))

    op.drop_table("hubs_requests")
    op.drop_table("hubs_lots")
    op.drop_table("hubs_loans")
    with op.batch_alter_table("hubs_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hubs_locations_kind"))

    op.drop_table("hubs_locations")
