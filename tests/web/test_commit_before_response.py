"""A request's transaction is committed before its response leaves: a browser following a redirect
(or a script reading back what it wrote) must see the write, and a write that fails at commit must
not have been answered with a success.

The suite's browser test that revises an assistance flow once saw the flow's old sector after the
redirect, on PostgreSQL under load: FastAPI runs the end of a dependency with ``yield`` (here the
commit) after the response has been sent, unless the dependency asks for ``scope="function"``.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from solidarity.db.instance import get_fact, set_fact
from solidarity.web.deps import SessionDep


def test_the_write_is_committed_when_the_response_starts(db: sessionmaker[Session]) -> None:
    app = FastAPI()
    app.state.sessionmaker = db

    @app.post("/write")
    def write(session: SessionDep) -> dict[str, str]:
        set_fact(session, "probe", "written")
        return {"ok": "yes"}

    seen: list[str | None] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            with db() as other:  # another connection, as the browser's next request would use
                seen.append(get_fact(other, "probe"))

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/write",
        "raw_path": b"/write",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "app": app,
    }
    # a thread of its own: the browser tests may leave an event loop running in this one
    runner = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    runner.start()
    runner.join()
    assert seen == ["written"]
