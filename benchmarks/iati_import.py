"""IATI import: the safe streaming reader against ``lxml.etree.parse`` plus a plain walk, same file, same run.

Generates an IATI 2.03 file of about 100 MB (activities with two transactions, recipients,
sectors, participating organisations and a humanitarian scope) in a temporary folder, then:

1. reads it with ``assistance.exchange.iati_read.read_iati`` (DTD refusal, size and depth limits,
   every codelist check, flows built, each activity cleared after use), noting the growth of
   peak RSS;
2. parses the same file whole with ``lxml.etree.parse`` and walks every transaction reading its
   type, value and date (no checks, no flows: the baseline), noting the growth of peak RSS.

The streaming reader runs first, so the baseline's peak growth is measured above it.

    .venv/bin/python benchmarks/iati_import.py [--megabytes 100]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from lxml import etree

from solidarity.assistance.exchange.iati_read import IatiStats, read_iati
from solidarity.imports import OnError, Problems

COUNTRIES = ["AF", "BD", "CD", "ET", "HT", "IQ", "KE", "LB", "ML", "MM", "NG", "PK", "SD", "SO", "SS", "SY", "TD", "YE"]
ACTIVITY = (
    ' <iati-activity default-currency="{currency}" humanitarian="1" last-updated-datetime="2020-06-01T00:00:00Z">\n'
    "  <iati-identifier>XM-DAC-41122-COVID-{n}</iati-identifier>\n"
    '  <reporting-org ref="XM-DAC-41122" type="40"><narrative>UNICEF</narrative></reporting-org>\n'
    "  <title><narrative>COVID-19 response, programme {n}: risk communication and supplies</narrative></title>\n"
    '  <description type="1"><narrative>Procurement of personal protective equipment, test kits and oxygen'
    " concentrators; training of health workers in infection prevention and control.</narrative></description>\n"
    '  <participating-org role="1" ref="GB-GOV-1" type="10"><narrative>FCDO</narrative></participating-org>\n'
    '  <participating-org role="4" ref="XM-DAC-41122" type="40"><narrative>UNICEF</narrative></participating-org>\n'
    '  <activity-status code="2"/>\n'
    '  <activity-date type="2" iso-date="2020-03-01"/>\n'
    '  <recipient-country code="{country}" percentage="100"/>\n'
    '  <sector vocabulary="1" code="12264" percentage="60"/>\n'
    '  <sector vocabulary="10" code="7" percentage="40"/>\n'
    '  <humanitarian-scope type="1" vocabulary="1-2" code="EP-2020-000012-001"/>\n'
    '  <default-flow-type code="10"/><default-finance-type code="110"/><default-aid-type code="C01"/>\n'
    '  <transaction ref="c{n}"><transaction-type code="2"/><transaction-date iso-date="2020-04-01"/>'
    '<value value-date="2020-04-01">{amount}</value>'
    '<receiver-org ref="{country}-MOH"><narrative>Ministry of Health</narrative></receiver-org></transaction>\n'
    '  <transaction ref="d{n}"><transaction-type code="3"/><transaction-date iso-date="2020-05-15"/>'
    '<value value-date="2020-05-15">{half}</value>'
    '<receiver-org ref="{country}-MOH"><narrative>Ministry of Health</narrative></receiver-org></transaction>\n'
    " </iati-activity>\n"
)


def generate(path: Path, megabytes: int) -> int:
    target = megabytes * 1024 * 1024
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        while written < target:
            block = []
            for n in range(count, count + 1000):
                amount = 10_000 + (n * 7919) % 5_000_000
                block.append(
                    ACTIVITY.format(
                        n=n,
                        currency="USD" if n % 3 else "EUR",
                        country=COUNTRIES[n % len(COUNTRIES)],
                        amount=amount,
                        half=amount // 2,
                    )
                )
            text = "".join(block)
            out.write(text)
            written += len(text)
            count += 1000
        out.write("</iati-activities>\n")
    return count


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def streaming(path: Path) -> tuple[float, int, int, float]:
    before = peak_mb()
    stats = IatiStats()
    problems = Problems(path.name, OnError.ERROR_ALL)
    start = time.perf_counter()
    with path.open("rb") as stream:
        flows = sum(1 for _ in read_iati(stream, problems, stats=stats))
    seconds = time.perf_counter() - start
    problems.raise_if_failed()
    return seconds, stats.activities, flows, peak_mb() - before


def baseline(path: Path) -> tuple[float, int, int, float]:
    before = peak_mb()
    start = time.perf_counter()
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    activities = transactions = 0
    for activity in root.iterfind("iati-activity"):
        activities += 1
        activity.findtext("iati-identifier")
        for transaction in activity.iterfind("transaction"):
            transactions += 1
            kind = transaction.find("transaction-type")
            value = transaction.find("value")
            if kind is not None and value is not None:
                kind.get("code")
                value.get("value-date")
                float(value.text or 0)
    seconds = time.perf_counter() - start
    del root
    return seconds, activities, transactions, peak_mb() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "activities.xml"
        start = time.perf_counter()
        count = generate(path, args.megabytes)
        size = path.stat().st_size / 1024 / 1024
        print(f"file: {count:,} activities, {size:.0f} MB, written in {time.perf_counter() - start:.1f} s")
        s_time, s_activities, s_flows, s_peak = streaming(path)
        print(
            f"read_iati (streaming, checked, flows built): {s_time:.1f} s, {s_activities / s_time:,.0f} activities/s, "
            f"{s_flows:,} flows, peak RSS growth {s_peak:.0f} MB"
        )
        b_time, b_activities, b_transactions, b_peak = baseline(path)
        print(
            f"lxml.etree.parse + walk (no checks): {b_time:.1f} s, {b_activities / b_time:,.0f} activities/s, "
            f"{b_transactions:,} transactions, peak RSS growth {b_peak:.0f} MB"
        )
        ratio = s_time / b_time
        print(f"ratio time streaming / baseline: {ratio:.2f}; peak memory: {s_peak:.0f} MB vs {b_peak:.0f} MB")


if __name__ == "__main__":
    main()
