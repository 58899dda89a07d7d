"""Recording and reading the audit trail.

Every service that writes calls ``record`` inside its own transaction, so the audit row commits
or rolls back with the change it describes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.audit.models import AuditEntry

SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a mapped object's columns (or the named ``fields``), secrets removed.

    >>> snapshot(type("Row", (), {"name": "WHO", "when": dt.date(2020, 3, 1)})(), ("name", "when"))
    {'name': 'WHO', 'when': '2020-03-01'}
    """
    if fields is None:
        table = getattr(obj, "__table__", None)
        fields = tuple(c.key for c in table.columns) if table is not None else ()
    return {name: _jsonable(getattr(obj, name)) for name in fields if name not in SECRET_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def record(
    session: Session,
    actor: Actor,
    *,
    module: str,
    action: str,
    entity_type: str,
    entity_id: object,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Add an audit row for a write in the caller's transaction and return it."""
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor_organisation_id=actor.organisation_id,
        actor_label=actor.label,
        module=module,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=_jsonable(dict(before)) if before is not None else None,
        after=_jsonable(dict(after)) if after is not None else None,
        reason=reason,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    count: int


def list_entries(
    session: Session,
    actor: Actor,
    *,
    module: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_user_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AuditPage:
    """The newest audit entries matching the filters. Raises ``Forbidden`` unless ``actor`` is an admin."""
    actor.require_admin()
    query = select(AuditEntry)
    if module:
        query = query.where(AuditEntry.module == module)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor_user_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_user_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return AuditPage(entries=list(rows), count=count)
