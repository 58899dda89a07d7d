"""reference: countries, populations, exchange rates, units, item catalogue

Revision ID: 0002
Revises: 0001

Countries, currencies, ECB rates and packaged populations are read from files shipped with the
code; only what users add (population overrides, imported rate tables) and the shared catalogue
live in tables. The starting units and catalogue items are inserted here.
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNITS = [
    ("each", "each (single piece)", "count"),
    ("pair", "pair", "count"),
    ("box", "box", "count"),
    ("pack", "pack", "count"),
    ("kit", "kit", "count"),
    ("test", "test (one determination)", "count"),
    ("dose", "dose", "count"),
    ("vial", "vial", "count"),
    ("unit", "unit (device)", "count"),
    ("kg", "kilogram", "mass"),
    ("litre", "litre", "volume"),
]

# code, name, category, unit, pack size, shelf life in days, cold chain, description
ITEMS = [
    (
        "MASK-SURG",
        "Surgical mask, type IIR",
        "ppe",
        "each",
        50,
        1825,
        False,
        "Medical face mask, EN 14683 type IIR or ASTM F2100 level 2; box of 50.",
    ),
    (
        "MASK-N95",
        "Respirator N95/FFP2",
        "ppe",
        "each",
        20,
        1825,
        False,
        "Filtering facepiece respirator, NIOSH N95 or EN 149 FFP2; box of 20.",
    ),
    (
        "MASK-FFP3",
        "Respirator FFP3",
        "ppe",
        "each",
        10,
        1825,
        False,
        "Filtering facepiece respirator, EN 149 FFP3, for aerosol-generating procedures; box of 10.",
    ),
    (
        "SUIT-PROT",
        "Protective coverall",
        "ppe",
        "each",
        25,
        1825,
        False,
        "Single-use coverall, EN 14126 type 3B/4B/5B/6B; carton of 25.",
    ),
    (
        "GOWN-ISO",
        "Isolation gown",
        "ppe",
        "each",
        50,
        1825,
        False,
        "Fluid-resistant single-use gown, AAMI PB70 level 3 or EN 13795; carton of 50.",
    ),
    (
        "GOGGLES",
        "Protective goggles",
        "ppe",
        "each",
        20,
        1825,
        False,
        "Indirect-vent goggles, EN 166, anti-fog; reusable after disinfection.",
    ),
    ("FACE-SHIELD", "Face shield", "ppe", "each", 50, 1825, False, "Full-face visor, EN 166; carton of 50."),
    (
        "GLOVES-EXAM",
        "Examination gloves, nitrile",
        "ppe",
        "each",
        100,
        1825,
        False,
        "Non-sterile powder-free nitrile examination gloves, EN 455; box of 100.",
    ),
    (
        "GLOVES-SURG",
        "Surgical gloves, sterile",
        "ppe",
        "pair",
        50,
        1825,
        False,
        "Sterile powder-free surgical gloves, EN 455; box of 50 pairs.",
    ),
    (
        "TEST-PCR",
        "SARS-CoV-2 RT-PCR test kit",
        "diagnostics",
        "test",
        96,
        365,
        True,
        "Real-time RT-PCR reagents for 96 reactions; store at -20 °C.",
    ),
    (
        "TEST-RDT-AG",
        "SARS-CoV-2 antigen rapid diagnostic test",
        "diagnostics",
        "test",
        25,
        540,
        False,
        "WHO EUL-listed Ag-RDT, nasal or nasopharyngeal swab; store at 2-30 °C; box of 25.",
    ),
    (
        "SWAB-VTM",
        "Swab with viral transport medium",
        "diagnostics",
        "each",
        50,
        365,
        False,
        "Nasopharyngeal flocked swab with 3 mL transport medium tube; pack of 50.",
    ),
    (
        "THERMO-IR",
        "Infrared thermometer, non-contact",
        "biomedical_equipment",
        "unit",
        1,
        None,
        False,
        "Forehead infrared thermometer, accuracy ±0.2 °C, battery operated.",
    ),
    (
        "PULSE-OX",
        "Pulse oximeter, fingertip",
        "biomedical_equipment",
        "unit",
        1,
        None,
        False,
        "Fingertip SpO2 and pulse rate monitor, battery operated.",
    ),
    (
        "O2-CONC",
        "Oxygen concentrator, 10 L/min",
        "biomedical_equipment",
        "unit",
        1,
        None,
        False,
        "Stationary oxygen concentrator, 10 L/min at ≥ 93 % O2, 230 V, with flowmeter stand.",
    ),
    (
        "VENT-ICU",
        "Ventilator, intensive care",
        "biomedical_equipment",
        "unit",
        1,
        None,
        False,
        "Invasive and non-invasive ICU ventilator for adults and children, with humidifier and circuits.",
    ),
    (
        "VACC-COVID",
        "COVID-19 vaccine, multi-dose vial",
        "vaccines",
        "dose",
        10,
        180,
        True,
        "WHO EUL-listed COVID-19 vaccine; 10 doses per vial; store at 2-8 °C unless the label says colder.",
    ),
    (
        "SYRINGE-AD",
        "Auto-disable syringe, 0.5 mL",
        "consumables",
        "each",
        100,
        1825,
        False,
        "Auto-disable syringe with fixed needle for vaccination, ISO 7886-3; box of 100.",
    ),
    (
        "HAND-RUB",
        "Alcohol-based hand rub",
        "consumables",
        "litre",
        1,
        730,
        False,
        "WHO-recommended formulation, 80 % ethanol or 75 % isopropyl alcohol; 1 litre bottle.",
    ),
    (
        "DEXA-INJ",
        "Dexamethasone 4 mg/mL injection",
        "medicines",
        "vial",
        50,
        730,
        False,
        "Dexamethasone sodium phosphate 4 mg/mL, 1 mL vial; box of 50.",
    ),
]


def upgrade() -> None:
    op.create_table(
        "reference_population_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_population_overrides")),
        sa.UniqueConstraint("country", "year", name=op.f("uq_reference_population_overrides_country_year")),
    )
    with op.batch_alter_table("reference_population_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_population_overrides_country"), ["country"], unique=False)

    op.create_table(
        "reference_rate_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_rate_tables")),
        sa.UniqueConstraint("file_hash", name=op.f("uq_reference_rate_tables_file_hash")),
    )
    op.create_table(
        "reference_exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rate_to_usd", sa.Numeric(precision=28, scale=14), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("rate_table_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_table_id"],
            ["reference_rate_tables.id"],
            name=op.f("fk_reference_exchange_rates_rate_table_id_reference_rate_tables"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_exchange_rates")),
        sa.UniqueConstraint(
            "rate_table_id",
            "currency",
            "date",
            name=op.f("uq_reference_exchange_rates_rate_table_id_currency_date"),
        ),
    )
    with op.batch_alter_table("reference_exchange_rates", schema=None) as batch_op:
        batch_op.create_index("ix_reference_exchange_rates_lookup", ["currency", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_reference_exchange_rates_rate_table_id"), ["rate_table_id"], unique=False)

    units = op.create_table(
        "reference_units",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("count", "mass", "volume", name="unitkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_reference_units")),
    )
    items = op.create_table(
        "reference_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "ppe",
                "diagnostics",
                "biomedical_equipment",
                "medicines",
                "vaccines",
                "consumables",
                name="itemcategory",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("unit_code", sa.String(length=20), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("needs_cold_chain", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["reference_units.code"],
            name=op.f("fk_reference_items_unit_code_reference_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_items")),
        sa.UniqueConstraint("code", name=op.f("uq_reference_items_code")),
    )
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_items_category"), ["category"], unique=False)

    op.bulk_insert(units, [{"code": code, "name": name, "kind": kind} for code, name, kind in UNITS])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(
        items,
        [
            {
                "code": code,
                "name": name,
                "category": category,
                "unit_code": unit,
                "pack_size": pack_size,
                "shelf_life_days": shelf_life,
                "needs_cold_chain": cold,
                "description": description,
                "created_at": now,
            }
            for code, name, category, unit, pack_size, shelf_life, cold, description in ITEMS
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_items_category"))
    op.drop_table("reference_items")
    op.drop_table("reference_units")
    with op.batch_alter_table("reference_exchange_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_exchange_rates_rate_table_id"))
        batch_op.drop_index("ix_reference_exchange_rates_lookup")
    op.drop_table("reference_exchange_rates")
    op.drop_table("reference_rate_tables")
    with op.batch_alter_table("reference_population_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_population_overrides_country"))
    op.drop_table("reference_population_overrides")
