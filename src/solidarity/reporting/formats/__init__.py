"""The file formats reporting imports: detected from their first bytes, read as a stream of ``RawFigure``.

``parse`` is the one entry point the service uses; the per-format parsers (``parse_who``,
``parse_jhu``, ``parse_owid``, ``parse_dhis2``) take the same binary stream and ``Problems``.
Nothing here touches the database or the web: each unreadable value is reported to ``Problems``
with its line and field, and figures are passed on as the file states them; resolving areas,
cross-row checks (duplicates, falling cumulative counts) and versioning are the service's work.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import BinaryIO

from solidarity.errors import Invalid
from solidarity.imports import Problems
from solidarity.reporting.formats._text import _Prefixed, refuse_unreadable_bytes
from solidarity.reporting.formats.detect import SNIFF_BYTES, detect_format
from solidarity.reporting.formats.dhis2 import Dhis2Mapping, parse_dhis2, parse_period
from solidarity.reporting.formats.jhu import jhu_measure, parse_jhu
from solidarity.reporting.formats.owid import parse_owid
from solidarity.reporting.formats.who import parse_who
from solidarity.reporting.records import FigureRun, Frequency, Measure, RawFigure, SourceFormat

__all__ = [
    "Dhis2Mapping",
    "detect_format",
    "parse",
    "parse_dhis2",
    "parse_jhu",
    "parse_owid",
    "parse_period",
    "parse_who",
]


def parse(
    stream: BinaryIO,
    file_name: str,
    problems: Problems,
    *,
    format: SourceFormat | None = None,
    measure: Measure | None = None,
    frequency: Frequency | None = None,
    dhis2_mapping: Dhis2Mapping | None = None,
    today: dt.date | None = None,
) -> Iterator[RawFigure | FigureRun]:
    """The figures in ``stream``, read as ``format`` or as the format its first bytes show.

    The format, the arguments it needs (a JHU measure, a DHIS2 mapping) and the encoding are
    checked at once, raising ``Invalid`` before anything is read; the figures then stream as the
    returned iterator is consumed, each problem going to ``problems`` (``Invalid`` at the first in
    ``error-first`` mode). ``today`` (default: today in UTC) is what "in the future" is measured from.
    """
    head = stream.read(SNIFF_BYTES)
    refuse_unreadable_bytes(head, file_name)
    chosen = format or detect_format(head, file_name)
    whole = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16)
    if chosen is SourceFormat.WHO:
        return parse_who(whole, problems, frequency=frequency, today=today)
    if chosen is SourceFormat.JHU:
        return parse_jhu(whole, problems, measure=jhu_measure(file_name, measure), frequency=frequency, today=today)
    if chosen is SourceFormat.OWID:
        return parse_owid(whole, problems, frequency=frequency, today=today)
    if chosen is SourceFormat.DHIS2:
        if dhis2_mapping is None:
            reason = "a DHIS2 file is read through its source's mapping of data elements and org units; none was given"
            raise Invalid(f"{file_name}: {reason}", details=[{"file": file_name, "field": "mapping", "reason": reason}])
        return parse_dhis2(whole, problems, mapping=dhis2_mapping, today=today)
    reason = f"{chosen.value!r} is not a file format: records submitted as JSON go through the API"
    raise Invalid(f"{file_name}: {reason}", details=[{"file": file_name, "field": "format", "reason": reason}])
