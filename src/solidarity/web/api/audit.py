"""The audit trail for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from solidarity.audit import service as audit
from solidarity.web.api.listing import PageDep, listing
from solidarity.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["audit"])


class AuditEntryPublic(BaseModel):
    id: int
    at: dt.datetime
    actor_user_id: int | None
    actor_label: str
    module: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None


@router.get("/audit")
def list_audit(
    actor: ActorDep,
    session: SessionDep,
    page: PageDep,
    module: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_user_id: int | None = None,
) -> Response:
    """Audit entries, newest first; admins only."""
    filters: dict[str, Any] = {
        "module": module,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "actor_user_id": actor_user_id,
    }
    result = audit.list_entries(session, actor, limit=page.limit, offset=page.offset, **filters)
    rows = [AuditEntryPublic.model_validate(e, from_attributes=True) for e in result.entries]
    return listing(page, filename="audit.csv", rows=rows, count=result.count)
