"""A large IATI file is read in flat memory: each activity is cleared once read."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from solidarity.assistance.exchange.iati_read import IatiStats, read_iati
from solidarity.imports import OnError, Problems

ACTIVITY = (
    '<iati-activity default-currency="USD" humanitarian="1"><iati-identifier>XM-1-{n}</iati-identifier>'
    '<reporting-org ref="XM-1" type="40"><narrative>Agency</narrative></reporting-org>'
    "<title><narrative>Activity {n} with a reasonably long title to take some room</narrative></title>"
    '<participating-org role="1" ref="GB-1"><narrative>Donor</narrative></participating-org>'
    '<recipient-country code="AF" percentage="100"/><sector vocabulary="1" code="12264" percentage="100"/>'
    '<transaction ref="t1"><transaction-type code="3"/><transaction-date iso-date="2020-05-01"/>'
    '<value value-date="2020-05-01">{n}</value><description><narrative>Disbursement {n}</narrative></description>'
    "</transaction></iati-activity>\n"
)


class _Generated(io.RawIOBase):
    """An IATI file produced on the fly, so the test itself holds none of it in memory."""

    def __init__(self, activities: int) -> None:
        self._chunks = self._generate(activities)
        self._buffer = b""

    @staticmethod
    def _generate(activities: int) -> Iterator[bytes]:
        yield b'<?xml version="1.0"?>\n<iati-activities version="2.03">\n'
        for start in range(0, activities, 500):
            yield "".join(ACTIVITY.format(n=n) for n in range(start, min(start + 500, activities))).encode()
        yield b"</iati-activities>\n"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while len(self._buffer) < max(size, 1):
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _resident_mb() -> int:
    # tracemalloc cannot see libxml2's C allocations, where a parsed tree lives: read the resident set.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_a_large_file_is_read_in_flat_memory() -> None:
    activities = 8_000  # about 5 MB of XML; parsed whole, its tree alone takes about 50 MB
    stats = IatiStats()
    problems = Problems("large.xml", OnError.ERROR_ALL)
    samples = []
    for n, _ in enumerate(read_iati(_Generated(activities), problems, stats=stats)):
        if n % 1000 == 999:
            samples.append(_resident_mb())
    assert stats.activities == activities
    assert not problems.has_errors
    assert max(samples) - samples[0] < 12, samples
