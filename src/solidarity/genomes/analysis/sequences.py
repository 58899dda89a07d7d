"""Reading genomes: a streaming FASTA reader (plain or gzip) and the normal form a sequence is hashed in.

The reader yields one item per record: a ``FastaRecord`` or, for a record that cannot be used, a
``RecordError`` naming the record, its line and what is wrong (an empty record, a character that is
not an IUPAC nucleotide code with its 1-based position, a record cut short by a truncated gzip
stream). A file that is not FASTA at all, or a gzip stream that expands beyond the caps (a "gzip
bomb"), fails as a whole with ``Invalid`` or ``TooLarge``.

>>> normalise("acgu-n\\n")
'ACGTN'
>>> sequence_hash("ACGT") == sequence_hash("acgu")
True
>>> import io
>>> records = list(read_fasta(io.BytesIO(b">a\\nACGT\\n>b\\n\\n>c\\nACXT\\n")))
>>> [type(record).__name__ for record in records]
['FastaRecord', 'RecordError', 'RecordError']
>>> records[1].reason, records[2].position, records[2].character
("record 'b' is empty", 3, 'X')
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from solidarity.errors import Invalid, TooLarge

IUPAC = frozenset("ACGTURYSWKMBDHVN")
GAP_CHARACTERS = "-"
CHUNK_SIZE = 1 << 16
DEFAULT_MAX_DECOMPRESSED_BYTES = 1 << 30
DEFAULT_MAX_RATIO = 100.0
RATIO_CHECK_AFTER_BYTES = 8 << 20  # small files may legitimately compress very well (runs of N)
GZIP_MAGIC = b"\x1f\x8b"
_NORMALISE = str.maketrans({"U": "T", "-": None, " ": None, "\t": None, "\r": None, "\n": None})
# The same on ASCII bytes, where ``bytes.translate`` is one C pass (a 30 kB genome in a few microseconds).
_BYTES_U_TO_T = bytes.maketrans(b"U", b"T")
_BYTES_DROPPED = b"- \t\r\n"
_IUPAC_BYTES = "".join(sorted(IUPAC)).encode("ascii")


@dataclass(frozen=True)
class FastaRecord:
    name: str
    sequence: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RecordError:
    """A record that cannot be analysed; ``position`` is 1-based in the record's sequence."""

    name: str
    line: int
    reason: str
    character: str | None = None
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise(sequence: str) -> str:
    """Upper case, U as T, without gaps or white space."""
    if sequence.isascii():
        return sequence.encode("ascii").upper().translate(_BYTES_U_TO_T, _BYTES_DROPPED).decode("ascii")
    return sequence.upper().translate(_NORMALISE)


def sequence_hash(sequence: str) -> str:
    """SHA-256 of the normalised sequence, hex: the same genome submitted twice has the same hash."""
    return hashlib.sha256(normalise(sequence).encode("ascii", "replace")).hexdigest()


def first_non_iupac(sequence: str) -> tuple[int, str] | None:
    """The 1-based position and character of the first non-IUPAC character of a normalised sequence.

    >>> first_non_iupac("ACGTNRY"), first_non_iupac("ACG*T")
    (None, (4, '*'))
    """
    if sequence.isascii() and not sequence.encode("ascii").translate(None, _IUPAC_BYTES):
        return None
    if set(sequence) <= IUPAC:
        return None
    for index, character in enumerate(sequence):
        if character not in IUPAC:
            return index + 1, character
    return None  # pragma: no cover - the set check above found one


def read_fasta(
    source: Path | BinaryIO,
    *,
    file_name: str | None = None,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> Iterator[FastaRecord | RecordError]:
    """Yield each record of a FASTA file, plain or gzip-compressed, one at a time.

    Raises ``Invalid`` when the file is not FASTA (text before the first header, binary data) and
    ``TooLarge`` when a gzip stream expands past ``max_decompressed_bytes`` or by more than
    ``max_ratio`` times its compressed size.
    """
    if isinstance(source, Path):
        with source.open("rb") as stream:
            yield from read_fasta(
                stream,
                file_name=file_name or source.name,
                max_decompressed_bytes=max_decompressed_bytes,
                max_ratio=max_ratio,
            )
        return
    label = file_name or getattr(source, "name", None) or "FASTA"
    chunks = _Chunks(source, str(label), max_decompressed_bytes, max_ratio)
    yield from _records(chunks, str(label))


class _Chunks:
    """Raw or decompressed chunks of a stream, counting bytes in and out to refuse gzip bombs."""

    def __init__(self, stream: BinaryIO, label: str, max_bytes: int, max_ratio: float) -> None:
        self.stream = stream
        self.label = label
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.truncated = False

    def __iter__(self) -> Iterator[bytes]:
        first = self.stream.read(CHUNK_SIZE)
        if not first.startswith(GZIP_MAGIC):
            chunk = first
            while chunk:
                yield chunk
                chunk = self.stream.read(CHUNK_SIZE)
            return
        yield from self._gunzip(first)

    def _gunzip(self, first: bytes) -> Iterator[bytes]:
        decompressor = zlib.decompressobj(wbits=31)
        compressed = 0
        produced = 0
        pending = first
        while True:
            if not pending:
                pending = self.stream.read(CHUNK_SIZE)
                if not pending:
                    break
            compressed += len(pending)
            try:
                # Bound the output of each step so one small input cannot expand unchecked.
                data = decompressor.decompress(pending, CHUNK_SIZE)
                pending = decompressor.unconsumed_tail
                while True:
                    produced += len(data)
                    self._check(produced, compressed)
                    if data:
                        yield data
                    if not pending or decompressor.eof:
                        break
                    data = decompressor.decompress(pending, CHUNK_SIZE)
                    pending = decompressor.unconsumed_tail
            except zlib.error as error:
                raise Invalid(
                    f"{self.label}: corrupt gzip data ({error})",
                    details=[
                        {"file": self.label, "line": None, "field": None, "value": None, "reason": "corrupt gzip"}
                    ],
                ) from None
            if decompressor.eof:
                # Concatenated gzip members are legal (bgzip, cat a.gz b.gz): start the next one.
                rest = decompressor.unused_data
                compressed -= len(rest)
                decompressor = zlib.decompressobj(wbits=31)
                pending = rest
                if not rest:
                    pending = self.stream.read(CHUNK_SIZE)
                    if not pending:
                        return
        self.truncated = not decompressor.eof

    def _check(self, produced: int, compressed: int) -> None:
        if produced > self.max_bytes:
            raise TooLarge(
                f"{self.label}: decompresses to more than {self.max_bytes:,} bytes; refused",
                details=[{"file": self.label, "reason": "gzip expands past the limit", "limit": self.max_bytes}],
            )
        if produced > RATIO_CHECK_AFTER_BYTES and produced > self.max_ratio * max(compressed, 1):
            raise TooLarge(
                f"{self.label}: expands more than {self.max_ratio:g} times its compressed size (a gzip bomb?); refused",
                details=[
                    {"file": self.label, "reason": "gzip compression ratio past the limit", "limit": self.max_ratio}
                ],
            )


def _lines(chunks: _Chunks) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        data = rest + chunk
        lines = data.split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


class _Builder:
    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.parts: list[str] = []
        self.length = 0
        self.bad: tuple[int, str] | None = None

    def add(self, raw: bytes) -> None:
        if raw.isascii():
            # Fast path: normalised as bytes; a line with anything but IUPAC codes left (a bad
            # character, unusual white space) goes the character-by-character way below.
            fast = raw.strip().upper().translate(_BYTES_U_TO_T, _BYTES_DROPPED)
            if not fast.translate(None, _IUPAC_BYTES):
                if fast:
                    self.parts.append(fast.decode("ascii"))
                    self.length += len(fast)
                return
        text = raw.decode("latin-1").strip()
        if not text:
            return
        normal = normalise(text)
        if self.bad is None:
            found = first_non_iupac(normal)
            if found is not None:
                self.bad = (self.length + found[0], found[1])
        self.parts.append(normal)
        self.length += len(normal)

    def build(self, truncated: bool) -> FastaRecord | RecordError:
        if truncated:
            return RecordError(self.name, self.line, f"record {self.name!r} is truncated: the gzip stream ends early")
        if self.bad is not None:
            position, character = self.bad
            return RecordError(
                self.name,
                self.line,
                f"record {self.name!r}: {character!r} at position {position} is not an IUPAC nucleotide code",
                character=character,
                position=position,
            )
        if not self.length:
            return RecordError(self.name, self.line, f"record {self.name!r} is empty")
        return FastaRecord(self.name, "".join(self.parts), self.line)


def _records(chunks: _Chunks, label: str) -> Iterator[FastaRecord | RecordError]:
    current: _Builder | None = None
    skipping = False  # after a header without a name, until the next header
    seen_header = False
    number = 0
    for number, raw in enumerate(_lines(chunks), start=1):
        if raw.startswith(b">"):
            seen_header = True
            if current is not None:
                yield current.build(truncated=False)
            name = raw[1:].decode("utf-8", "replace").strip()
            current = _Builder(name, number) if name else None
            skipping = not name
            if not name:
                yield RecordError("", number, f"line {number}: a record without a name")
            continue
        if current is None:
            if skipping or not raw.strip():
                continue
            raise Invalid(
                f"{label}: not FASTA: line {number} comes before any '>' header",
                details=[{"file": label, "line": number, "field": None, "value": None, "reason": "not FASTA"}],
            )
        current.add(raw)
    if current is not None:
        yield current.build(truncated=chunks.truncated)
    elif not seen_header:
        raise Invalid(
            f"{label}: no FASTA record",
            details=[{"file": label, "line": None, "field": None, "value": None, "reason": "no record"}],
        )
