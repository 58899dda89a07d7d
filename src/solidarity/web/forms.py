"""Reading HTML form posts: every field as text, with the problems collected for the page to show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from solidarity.errors import Invalid

M = TypeVar("M", bound=BaseModel)


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as ``{name: text}``; files and the CSRF token are left out."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def parse_form(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate form values into ``model``; pydantic's complaints become one ``Invalid`` naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(part) for part in err["loc"]),
                "value": None if isinstance(err.get("input"), dict | list) else err.get("input"),
                "reason": str(err["msg"]).removeprefix("Value error, "),
            }
            for err in exc.errors()
        ]
        first = details[0]
        raise Invalid(f"{first['field'] or 'form'}: {first['reason']}", details=details) from None
