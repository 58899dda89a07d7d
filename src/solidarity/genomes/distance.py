"""Mutation distance between genomes, and the tokens the inverted index stores.

Pure: no database. A genome is compared as a set of tokens: nucleotide substitutions (``C241T``)
and deleted sites (``del:11288``). The distance of two genomes is the size of the symmetric
difference of their token sets, ignoring tokens at sites missing (N) in either genome.

>>> a = Profile.of(["C241T", "A23403G"], ["11288-11290"], ["1-54"])
>>> b = Profile.of(["C241T", "C3037T"], [], ["23000-23500"])
>>> sorted(a.tokens)
['A23403G', 'C241T', 'del:11288', 'del:11289', 'del:11290']
>>> distance(a, b)  # 3 deleted sites + C3037T; A23403G is missing in b
4
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_SUBSTITUTION = re.compile(r"^[A-Z](\d+)[A-Z*-]$")


def parse_range(text: Any) -> tuple[int, int]:
    """``"11288-11296"`` or ``"241"`` (or a pair, or a ``{"begin", "end"}`` dict) as 1-based inclusive sites.

    >>> parse_range("11288-11296"), parse_range("241"), parse_range([5, 9])
    ((11288, 11296), (241, 241), (5, 9))
    """
    if isinstance(text, dict):
        return int(text.get("begin", text.get("start", 0)) or 0), int(text.get("end", 0) or 0)
    if isinstance(text, list | tuple):
        return int(text[0]), int(text[1])
    first, _, last = str(text).partition("-")
    return int(first), int(last or first)


def site_of(token: str) -> int:
    """The reference site a substitution or deleted-site token sits at.

    >>> site_of("C241T"), site_of("del:11288")
    (241, 11288)
    """
    if token.startswith("del:"):
        return int(token[4:])
    match = _SUBSTITUTION.match(token)
    if match is None:
        raise ValueError(f"not a nucleotide substitution: {token!r}")
    return int(match.group(1))


def deleted_sites(deletions: Iterable[Any]) -> list[int]:
    return [site for item in deletions for site in range(parse_range(item)[0], parse_range(item)[1] + 1)]


@dataclass(frozen=True)
class Profile:
    """What distances need of one genome: its tokens and its missing ranges (sorted, merged)."""

    tokens: frozenset[str]
    missing: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, substitutions: Iterable[str], deletions: Iterable[Any], missing: Iterable[Any]) -> Profile:
        tokens = set(substitutions) | {f"del:{site}" for site in deleted_sites(deletions)}
        return cls(frozenset(tokens), merge_ranges(parse_range(item) for item in missing))

    @classmethod
    def from_analysis(cls, analysis: dict[str, Any]) -> Profile:
        return cls.of(analysis.get("substitutions", []), analysis.get("deletions", []), analysis.get("missing", []))

    def is_missing(self, site: int) -> bool:
        return is_in_ranges(self.missing, site)


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, overlapping or touching ranges merged.

    >>> merge_ranges([(10, 20), (1, 5), (6, 8), (15, 30)])
    ((1, 8), (10, 30))
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def is_in_ranges(ranges: Sequence[tuple[int, int]], site: int) -> bool:
    i = bisect.bisect_right(ranges, (site, 1 << 62)) - 1
    return i >= 0 and ranges[i][0] <= site <= ranges[i][1]


def distance(a: Profile, b: Profile) -> int:
    """Tokens in one genome and not the other, at sites missing in neither."""
    return sum(
        1 for token in a.tokens ^ b.tokens if not a.is_missing(site_of(token)) and not b.is_missing(site_of(token))
    )
