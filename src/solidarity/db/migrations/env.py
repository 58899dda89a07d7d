"""Alembic environment: runs on the connection ``solidarity.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from solidarity.db.models import metadata
from solidarity.db.unmapped import include_object

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `solidarity db upgrade`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
