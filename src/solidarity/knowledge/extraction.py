"""Text from a document's bytes: PDF through pypdf, HTML without its scripts and styles, text as is.

>>> extract_text(b"<html><style>p{}</style><p>Wash&nbsp;hands</p><script>x()</script></html>", FileKind.HTML)
'Wash hands'
>>> extract_text("Mask   mandate\\n\\n口罩".encode(), FileKind.TEXT)
'Mask mandate\\n口罩'
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from html.parser import HTMLParser

from solidarity.errors import Invalid
from solidarity.knowledge.filetypes import FileKind

MAX_TEXT_CHARS = 400_000
"""Text kept per document for search; PostgreSQL's tsvector has a 1 MB ceiling."""


class UnreadableDocument(Invalid):
    """A document of an accepted type whose text cannot be read (a broken or encrypted PDF)."""

    code = "unreadable_document"


_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}
)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def normalise_text(text: str) -> str:
    """Runs of spaces become one space and blank lines disappear; the result is capped for search.

    >>> normalise_text(" a \\t b\\n\\n\\n c ")
    'a b\\nc'
    """
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)[:MAX_TEXT_CHARS]


def _pdf_text(content: bytes, name: str) -> str:
    import pypdf  # imported here: only uploads of PDFs pay for it

    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise UnreadableDocument(
                    f"{name} is an encrypted PDF; upload it without a password",
                    details=[{"file": name, "field": "file", "reason": "encrypted PDF"}],
                )
            return "\n".join(page.extract_text() or "" for page in reader.pages)
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files; all mean the same to the user
        raise UnreadableDocument(
            f"{name} looks like a PDF but cannot be read: {exc.__class__.__name__}",
            details=[{"file": name, "field": "file", "reason": f"damaged PDF: {exc}"[:300]}],
        ) from None
    finally:
        pypdf_logger.setLevel(level)


def extract_text(content: bytes, kind: FileKind, name: str = "document") -> str:
    """The readable text of a document of ``kind``; ``UnreadableDocument`` for a PDF pypdf cannot open."""
    if kind is FileKind.PDF:
        return normalise_text(_pdf_text(content, name))
    text = content.decode("utf-8-sig")
    if kind is FileKind.HTML:
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        text = "".join(collector.parts)
    return normalise_text(text)
