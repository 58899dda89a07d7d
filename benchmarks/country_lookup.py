"""Country lookup: ``resolve_country`` against pycountry's ``lookup`` with ``search_fuzzy`` as fallback.

Both resolve the same inputs, 100,000 in all by default: the WHO/JHU/World Bank-style variants
of the packaged alias table (``reference/data/country_aliases.csv``) with WHO's footnote marks,
plus every ISO 3166-1 alpha-2, alpha-3 and name, cycled.
pycountry is given its best chance: an exact ``lookup`` first, ``search_fuzzy`` only when that
fails. The script prints both timings, the ratio and how many inputs each got right.

    .venv/bin/python benchmarks/country_lookup.py [--lookups 100000]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import time
from collections.abc import Callable
from importlib.resources import files

import pycountry

from solidarity.reference.countries import resolve_country

FOOTNOTED = {"Kosovo[1]": "XK", "Taiwan*": "TW", "Côte d’Ivoire": "CI", "Réunion": "RE", "Curaçao": "CW"}


def _variants() -> dict[str, str]:
    text = files("solidarity.reference").joinpath("data", "country_aliases.csv").read_text("utf-8")
    return {row["alias"]: row["alpha2"] for row in csv.DictReader(text.splitlines())} | FOOTNOTED


def _inputs() -> list[tuple[str, str]]:
    pairs = list(_variants().items())
    for iso in pycountry.countries:
        pairs += [(iso.alpha_2, iso.alpha_2), (iso.alpha_3, iso.alpha_2), (iso.name, iso.alpha_2)]
    return pairs


def _ours(text: str) -> str | None:
    return resolve_country(text).alpha2


def _pycountry(text: str) -> str | None:
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    try:
        return str(pycountry.countries.search_fuzzy(text)[0].alpha_2)
    except LookupError:
        return None


def _time(resolve: Callable[[str], str | None], inputs: list[tuple[str, str]], lookups: int) -> tuple[float, int]:
    resolve(inputs[0][0])  # build indexes outside the timing, for both
    start = time.perf_counter()
    for text, _ in itertools.islice(itertools.cycle(inputs), lookups):
        resolve(text)
    elapsed = time.perf_counter() - start
    correct = sum(resolve(text) == expected for text, expected in inputs)
    return elapsed, correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=100_000)
    args = parser.parse_args()
    inputs = _inputs()
    ours, ours_correct = _time(_ours, inputs, args.lookups)
    theirs, theirs_correct = _time(_pycountry, inputs, args.lookups)
    print(f"inputs: {len(inputs)} distinct ({len(_variants())} WHO/JHU-style variants), {args.lookups:,} lookups")
    print(
        f"resolve_country:                       {ours:8.3f} s  {ours / args.lookups * 1e6:8.2f} µs/lookup  "
        f"correct {ours_correct}/{len(inputs)}"
    )
    print(
        f"pycountry lookup + search_fuzzy:       {theirs:8.3f} s  {theirs / args.lookups * 1e6:8.2f} µs/lookup  "
        f"correct {theirs_correct}/{len(inputs)}"
    )
    print(f"ratio (pycountry / resolve_country):   {theirs / ours:8.1f}x")


if __name__ == "__main__":
    main()
