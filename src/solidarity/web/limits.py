"""Refuse request bodies larger than the settings allow, before they are read into memory."""

from __future__ import annotations

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
        if "/upload" in path or "/import" in path:
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
                    await _refuse(send, limit, declared)
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
                    await _refuse(send, limit, received)
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


async def _refuse(send: Send, limit: int, size: int) -> None:
    error = TooLarge(
        f"Request body of {size} bytes exceeds the limit of {limit} bytes",
        details={"limit_bytes": limit, "size_bytes": size},
    )
    body = json.dumps(error.as_dict()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
