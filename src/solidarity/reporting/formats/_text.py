"""CSV text read in blocks of whole lines, line by line where a block has a problem; rows numbered as seen.

The header is line 1. A row that cannot be read (bytes that are not UTF-8, a line cut short, a
quote left open, too many fields) is reported to ``Problems`` with its line and skipped, so one
bad line never costs the rest of the file. Clean blocks of 256 KiB are decoded and parsed at once;
from the first block that is not clean on, the file is read a line at a time, each line decoded on
its own (rather than through a ``TextIOWrapper``), which is what lets a Latin-1 name be reported on
its own line and field instead of as a ``UnicodeDecodeError`` somewhere in an 8 KB chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from solidarity.errors import Invalid
from solidarity.imports import Problems

UTF8_BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 1 << 18
"""Bytes read at a time on the fast path (whole lines of them are parsed at once)."""
MAX_LINE_BYTES = 1 << 20
"""No line of these formats comes near this (a JHU row is about 8 KB); a longer one is not CSV."""
SNIFF_BYTES = 4096
"""Bytes of a file's head looked at to tell UTF-16 or binary files from UTF-8 text."""
UTF16_ZERO_SHARE = 0.9
"""Share of one byte parity that must be zero (and of the other that must not) to call it UTF-16."""
FUTURE_SLACK = dt.timedelta(days=1)
"""A date one day ahead of UTC is still today somewhere (UTC+14); more than that is in the future."""


def refuse_unreadable_bytes(head: bytes, file_name: str) -> None:
    """Raise ``Invalid`` for files whose first bytes show they are not UTF-8 text at all.

    >>> try:
    ...     refuse_unreadable_bytes(b"\\xff\\xfeD\\x00a\\x00", "who.csv")
    ... except Invalid as error:
    ...     print(error.message[:33])
    who.csv is UTF-16 text, not UTF-8
    """
    reason = None
    offset = None
    if head.startswith(b"\x1f\x8b"):
        reason = "is gzip-compressed: decompress it (gunzip) and import the .csv or .json inside"
    elif head.startswith(b"PK\x03\x04"):
        reason = "is a ZIP archive or an Excel workbook: import the CSV or JSON file itself"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(head[:SNIFF_BYTES]):
        reason = 'is UTF-16 text, not UTF-8: open it and save it as "CSV UTF-8", then import it again'
    elif b"\x00" in head[:SNIFF_BYTES]:
        offset = head.index(b"\x00")
        reason = f"is a binary file, not text (a zero byte at byte offset {offset}): import the CSV or JSON file itself"
    if reason is not None:
        raise Invalid(
            f"{file_name} {reason}",
            details=[{"file": file_name, "line": None, "field": None, "value": offset, "reason": reason}],
        )


def _looks_like_utf16(head: bytes) -> bool:
    """UTF-16 without a BOM: zeros at every other byte (one parity), text bytes at the others.

    Text of these formats is ASCII or Latin letters, so in UTF-16 one byte of every pair is zero.
    A binary file (a PNG renamed .csv) has zeros in runs or scattered, never in that pattern.
    """
    pairs = len(head) // 2
    if pairs < 2:
        return False
    even, odd = head[0 : 2 * pairs : 2], head[1 : 2 * pairs : 2]
    for zeros, text in ((odd, even), (even, odd)):
        if zeros.count(0) >= UTF16_ZERO_SHARE * pairs and text.count(0) <= (1 - UTF16_ZERO_SHARE) * pairs:
            return True
    return False


def latest_date(today: dt.date | None) -> dt.date:
    """The last date a figure may carry; ``today`` defaults to today in UTC."""
    return (today or dt.datetime.now(dt.UTC).date()) + FUTURE_SLACK


def describe_bytes(text: str) -> str:
    """Text decoded with ``surrogateescape``, shown as Latin-1 so a person can read the value."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _has_undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


Offsets = npt.NDArray[np.intp]
Fields = tuple[npt.NDArray[np.uint8], Offsets, Offsets]
"""A block's bytes and the start and end offset of every field, one row of ``width`` per line."""


class Chunk:
    """Rows of a CSV file from one block read at once, or one row read on its own.

    ``fields`` is set for a block without quotes, carriage returns or zero bytes, where every line
    has exactly the header's number of commas: there the fields are the bytes between separators,
    so a parser may read columns straight from the bytes; ``rows`` (parsed on first use) is the same
    block as lists of strings.
    """

    __slots__ = ("_rows", "_text", "fields", "start")

    def __init__(
        self, start: int, rows: list[list[str]] | None = None, *, text: str = "", fields: Fields | None = None
    ) -> None:
        self.start = start
        self._rows = rows
        self._text = text
        self.fields = fields

    @property
    def rows(self) -> list[list[str]]:
        if self._rows is None:
            self._rows = list(csv.reader(io.StringIO(self._text)))
        return self._rows


def _simple_fields(block: bytes, width: int, count: int) -> Fields | None:
    """Field offsets of a block of ``count`` lines if each has exactly ``width`` unquoted fields."""
    if b'"' in block or b"\r" in block or b"\x00" in block:
        return None
    data = np.frombuffer(block, dtype=np.uint8)
    separators = np.flatnonzero((data == ord(",")) | (data == ord("\n")))
    if len(separators) != count * width:
        return None
    ends = separators.reshape(count, width)
    if (data[ends[:, -1]] != ord("\n")).any() or (data[ends[:, :-1]] != ord(",")).any():
        return None
    starts = np.empty_like(ends)
    starts[:, 1:] = ends[:, :-1] + 1
    starts[0, 0] = 0
    starts[1:, 0] = ends[:-1, -1] + 1
    return data, starts, ends


class CsvRows:
    """The rows of one CSV stream after its header, as ``(line, fields)`` with as many fields as the header.

    ``header`` holds the header names, stripped of spaces. Reading stops with ``Invalid`` only for
    faults of the whole file (an empty file, an unreadable header, a line longer than 1 MiB).
    """

    def __init__(self, stream: BinaryIO, problems: Problems) -> None:
        self.line = 0
        """The last physical line handed to the CSV reader."""
        self._stream = stream
        self._problems = problems
        self._undecodable: set[int] = set()
        self._last_text = ""
        self._reader = csv.reader(self._lines())
        try:
            header = next(self._reader)
        except StopIteration:
            raise Invalid(
                f"{problems.file} is empty: there is no header line",
                details=[{"file": problems.file, "line": 1, "field": None, "value": "", "reason": "empty file"}],
            ) from None
        except csv.Error as error:
            raise self._header_error(f"the header line is not readable CSV ({error})") from None
        if self._undecodable:
            raise self._header_error("the header line is not UTF-8 text")
        self.header = [name.strip() for name in header]

    def _header_error(self, reason: str) -> Invalid:
        return Invalid(
            f"{self._problems.file}: {reason}",
            details=[{"file": self._problems.file, "line": 1, "field": None, "value": None, "reason": reason}],
        )

    def _lines(self) -> Iterator[str]:
        readline = self._stream.readline
        limit = MAX_LINE_BYTES
        raw = readline(limit).removeprefix(UTF8_BOM)
        while raw:
            self.line += 1
            if len(raw) >= limit and not raw.endswith(b"\n"):
                reason = f"line {self.line} is longer than {limit} bytes: this is not a CSV file of any known format"
                raise Invalid(
                    f"{self._problems.file}: {reason}",
                    details=[
                        {"file": self._problems.file, "line": self.line, "field": None, "value": None, "reason": reason}
                    ],
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._undecodable.add(self.line)
                text = raw.decode("utf-8", "surrogateescape")
            self._last_text = text
            yield text
            raw = readline(limit)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        for chunk in self.chunks():
            rows = chunk.rows
            yield from zip(range(chunk.start, chunk.start + len(rows)), rows, strict=True)

    def chunks(self) -> Iterator[Chunk]:
        """The rows in chunks: whole clean blocks of consecutive lines, then one row at a time.

        For parsers that work on many rows at once; a row from the line-by-line path comes alone
        (it may span several lines).
        """
        yield from self._blocks()
        for line, row in self._rows():
            yield Chunk(line, [row])

    def _blocks(self) -> Iterator[Chunk]:
        """The fast path: the file read in blocks of whole lines, each decoded and parsed at once.

        A block is taken as it is only when it decodes as UTF-8 and gives exactly one row of the
        header's width per line (so no quoted field spans lines and no line is cut short or too
        long). At the first block that does not, its bytes are put back in front of the rest of the
        stream and reading goes on line by line (``_rows``), which reports each problem on its line.
        """
        width = len(self.header)
        read = self._stream.read
        carry = b""
        while True:
            chunk = read(BLOCK_BYTES)
            data = carry + chunk if carry else chunk
            if not chunk:
                self._put_back(data)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE_BYTES:
                    self._put_back(data)
                    return
                carry = data
                continue
            block, carry = data[:cut], data[cut:]
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                self._put_back(data)
                return
            count = block.count(b"\n")
            fields = _simple_fields(block, width, count)
            if fields is not None:
                start = self.line + 1
                self.line += count
                yield Chunk(start, text=text, fields=fields)
                continue
            try:
                rows = list(csv.reader(io.StringIO(text)))
            except csv.Error:
                rows = []
            count = text.count("\n") if rows else -1
            last = rows[-1] if rows else None
            if (
                len(rows) != count
                or last is None
                or any("\n" in field or "\r" in field for field in last)
                or set(map(len, rows)) != {width}
            ):
                self._put_back(data)
                return
            start = self.line + 1
            self.line += count
            yield Chunk(start, rows)

    def _put_back(self, data: bytes) -> None:
        """Go on line by line from ``data``, then the rest of the stream."""
        if data:
            self._stream = io.BufferedReader(_Prefixed(data, self._stream), buffer_size=1 << 16)
        self._reader = csv.reader(self._lines())

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.header)
        reader = self._reader
        while True:
            start = self.line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                self._problems.add(line=start, field=None, value=None, reason=f"not readable as CSV: {error}")
                continue
            if (
                len(row) == width
                and self.line == start
                and not self._undecodable
                and not row[-1].endswith(("\n", "\r"))
            ) or (row and self._is_readable(start, row, width)):
                yield start, row

    def _is_readable(self, start: int, row: list[str], width: int) -> bool:
        """Report why ``row`` (lines ``start`` to ``self.line``) cannot be read; ``True`` if it can."""
        end = self.line
        add = self._problems.add
        bad_lines = sorted(n for n in self._undecodable if start <= n <= end)
        if bad_lines:
            self._undecodable.difference_update(bad_lines)
            index = next((i for i, text in enumerate(row) if _has_undecodable(text)), 0)
            add(
                line=bad_lines[0],
                field=self._field_name(index),
                value=describe_bytes(row[index]) if index < len(row) else None,
                reason="not UTF-8 text (the file looks like Latin-1 or Windows-1252): "
                "save it as UTF-8 and import it again",
            )
            return False
        open_quote = next((i for i, text in enumerate(row) if "\n" in text or "\r" in text), None)
        if open_quote is None and end == start and self._last_text.count('"') % 2:
            open_quote = len(row) - 1  # the last line ends inside a quote, with no newline after it
        if open_quote is not None:
            where = (
                f"and is not closed by line {end}" if end > start else "and is not closed before the end of the file"
            )
            add(
                line=start,
                field=self._field_name(open_quote),
                value=row[open_quote].splitlines()[0] if row[open_quote].strip() else row[open_quote],
                reason=f"a quote opens on line {start} {where}: the file is truncated or has a stray quote",
            )
            return False
        if len(row) < width:
            add(
                line=start,
                field=self.header[len(row)],
                value=row[-1],
                reason=f"the line has {len(row)} of the header's {width} fields: it is cut short (a truncated file?)",
            )
            return False
        if len(row) > width:
            add(
                line=start,
                field=None,
                value=row[width],
                reason=f"the line has {len(row)} fields but the header has {width}: an unquoted comma?",
            )
            return False
        return True

    def _field_name(self, index: int) -> str | None:
        return self.header[index] if index < len(self.header) else None


class _Prefixed(io.RawIOBase):
    """``stream`` with bytes already read from it put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
