"""Reading HTML form posts: every field as text, with the problems collected for the page to show."""

from __future__ import annotations

from fastapi import Request


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as ``{name: text}``; files and the CSRF token are left out."""
    form = await request.form()
    return {key: value.strip() for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
