"""Refuse request bodies larger than the settings allow, before they are read into memory."""

from __future__ import annotations

import html
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from solidarity.errors import TooLarge


class BodySizeLimit:
    """ASGI middleware: 413 when Content-Length or the streamed body exceeds the limit.

    Upload endpoints (paths containing ``/upload`` or ``/import``) get ``max_upload_bytes``;
    everything else ``max_request_bytes``.
    """

    def __init__(self, app: ASGIApp, *, max_request_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit_for(self, path: str) -> int:
        if _is_upload(path):
            return self.max_upload_bytes
        return self.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _refuse(scope, send, limit, declared, complete=True)
                    return
        received = 0
        app_started_response = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not app_started_response:
                    # Answer now and tell the app the client went away, so it stops reading.
                    refused = True
                    await _refuse(scope, send, limit, received, complete=False)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal app_started_response
            if refused:
                return
            if message["type"] == "http.response.start":
                app_started_response = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _is_upload(path: str) -> bool:
    return "/upload" in path or "/import" in path


def _size(n: int) -> str:
    """Bytes as a person reads them: ``200 MiB``, ``1.9 GiB``, ``512 KiB``."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _wants_html(scope: Scope) -> bool:
    """A browser submitting a page's form (not an API client): it gets a page, not JSON."""
    if scope["path"].startswith("/api/"):
        return False
    accept = next((value for name, value in scope.get("headers", []) if name == b"accept"), b"")
    return b"text/html" in accept


async def _refuse(scope: Scope, send: Send, limit: int, size: int, *, complete: bool) -> None:
    upload = _is_upload(scope["path"])
    what = "file upload" if upload else "request"
    setting = "SOLIDARITY_MAX_UPLOAD_BYTES" if upload else "SOLIDARITY_MAX_REQUEST_BYTES"
    measured = _size(size) if complete else f"more than {_size(limit)}"
    message = (
        f"The {what} is {measured}; this site accepts at most {_size(limit)} ({limit} bytes, setting {setting}). "
        "Nothing was stored: split the file or compress it, or ask the administrator to raise the limit"
    )
    error = TooLarge(message, details={"limit_bytes": limit, "size_bytes": size, "setting": setting})
    if _wants_html(scope):
        referer = next((v for n, v in scope.get("headers", []) if n == b"referer"), b"").decode("latin-1")
        back = referer if referer.startswith(("http://", "https://", "/")) else "/"
        body = _PAGE.format(message=html.escape(message), back=html.escape(back, quote=True)).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps(error.as_dict()).encode()
        content_type = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Error 413 · Solidarity</title><link rel="stylesheet" href="/static/solidarity.css"></head>
<body><main class="container"><section class="error-page" data-testid="error-page">
<h1>413 · Too large</h1><p class="error" role="alert">{message}</p>
<p><a href="{back}">Back to the form</a> · <a href="/">Home page</a></p>
</section></main></body></html>
"""
