"""Pagination and CSV download shared by every listing endpoint.

A listing answers ``{"data": [...], "count": N, "limit": L, "offset": O}``; with ``?format=csv`` it
answers the same rows as CSV, every page of them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.responses import Response

from solidarity.config import Settings


class PageParams(BaseModel):
    limit: int
    offset: int
    format: Literal["json", "csv"]


def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, description="Rows per page")] = None,
    offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
) -> PageParams:
    settings: Settings = request.app.state.settings
    size = min(limit or settings.page_size, settings.max_page_size)
    return PageParams(limit=size, offset=offset, format=format)


PageDep = Annotated[PageParams, Depends(page_params)]


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingResponse:
    """Stream ``rows`` as a CSV attachment; cells that a spreadsheet would run as formulas are defused."""

    def generate() -> Iterable[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_safe_cell(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        generate(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _safe_cell(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@") and not _is_number(cell):
        return "'" + cell
    return "" if cell is None else cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def listing(
    params: PageParams,
    *,
    filename: str,
    rows: Sequence[BaseModel],
    count: int,
    all_rows: Callable[[], Iterable[BaseModel]] | None = None,
) -> Response:
    """The JSON page, or (``format=csv``) a CSV of ``all_rows()`` (default: ``rows``)."""
    if params.format == "csv":
        source = list(all_rows() if all_rows is not None else rows)
        fields = list(type(source[0]).model_fields) if source else [*type(rows[0]).model_fields] if rows else []
        return csv_response(filename, fields, ([getattr(r, f) for f in fields] for r in source))
    body = {
        "data": [r.model_dump(mode="json") for r in rows],
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
    }
    return JSONResponse(body)
