"""What an uploaded document really is, judged by its bytes and never by its name.

PDF starts with ``%PDF-``; HTML, Markdown and plain text are UTF-8 without NUL bytes (HTML has its
markers near the top; Markdown and plain text differ only by name, and both are handled as text).
Anything else, in particular an executable or an archive wearing a ``.pdf`` name, is refused.

>>> sniff(b"%PDF-1.7 ...", "notes.txt")
<FileKind.PDF: 'pdf'>
>>> sniff(b"<!DOCTYPE html><html><body>Hi</body></html>", "page.txt")
<FileKind.HTML: 'html'>
>>> sniff("# 隔离\\n".encode(), "protocol.md")
<FileKind.MARKDOWN: 'markdown'>
>>> sniff(b"MZ\\x90\\x00\\x03", "guideline.pdf")
Traceback (most recent call last):
...
solidarity.knowledge.filetypes.UnsupportedFileType: guideline.pdf is a Windows executable, not a supported document
"""

from __future__ import annotations

import enum

from solidarity.errors import Invalid


class UnsupportedFileType(Invalid):
    """The content is not a document type the library accepts, whatever the file is called."""

    status = 415
    code = "unsupported_file_type"


class FileKind(enum.StrEnum):
    PDF = "pdf"
    HTML = "html"
    MARKDOWN = "markdown"
    TEXT = "text"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.HTML: "text/html; charset=utf-8",
    FileKind.MARKDOWN: "text/markdown; charset=utf-8",
    FileKind.TEXT: "text/plain; charset=utf-8",
}

_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"PK\x03\x04", "a zip archive (or an Office document)"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%!PS", "a PostScript file"),
    (b"{\\rtf", "an RTF document"),
)
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_MARKDOWN_SUFFIXES = (".md", ".markdown")
ACCEPTED = "a PDF, HTML, Markdown or plain-text document"


def _refuse(name: str, what: str) -> UnsupportedFileType:
    return UnsupportedFileType(
        f"{name} is {what}, not a supported document",
        details=[{"file": name, "field": "file", "value": what, "reason": f"only {ACCEPTED} is accepted"}],
    )


def sniff(content: bytes, name: str) -> FileKind:
    """The kind of document ``content`` is; ``UnsupportedFileType`` for anything else.

    The name is used only to tell Markdown from plain text, which are both handled as text.
    """
    if not content:
        raise UnsupportedFileType(f"{name} is empty", details=[{"file": name, "field": "file", "reason": "empty"}])
    head = content[:1024]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return FileKind.PDF
    for magic, what in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise _refuse(name, what)
    if b"\x00" in content:
        raise _refuse(name, "binary data")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(name, "neither UTF-8 text nor a PDF") from None
    lowered = head.lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        return FileKind.HTML
    if name.lower().endswith(_MARKDOWN_SUFFIXES):
        return FileKind.MARKDOWN
    return FileKind.TEXT
