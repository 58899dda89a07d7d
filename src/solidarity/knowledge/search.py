"""Search text and queries: word tokens, Chinese character bigrams, and highlighted snippets.

Neither SQLite's FTS5 nor PostgreSQL splits Chinese text into words, so every run of CJK
characters is also indexed as its single characters and overlapping bigrams, written as ASCII
terms (``x`` and the code points in hex) that every tokenizer keeps whole. A query gets the same
treatment: 隔离 becomes the bigram term for 隔离, 隔 the single-character term.

Queries never reach an engine's query syntax: only word tokens survive, and each is quoted, so
quotes, ``*``, ``:``, ``NEAR(``, ``AND``/``OR`` or SQL fragments are plain words or nothing.

>>> parse_query('"quarantine" NEAR( 隔离 *').engine_terms
['quarantine', 'near', 'x09694079bb']
>>> parse_query("隔").engine_terms
['x09694']
>>> cjk_terms("隔离措施")
'x09694 x079bb x063aa x065bd x09694079bb x079bb063aa x063aa065bd'
>>> fts5_query(parse_query("a OR b"))
'"a" "or" "b"'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from solidarity.errors import Invalid

MAX_QUERY_TERMS = 16
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[^\W_{_CJK}]+")
_SUFFIXES = ("ations", "ation", "ing", "ies", "es", "ed", "s")


def _term(chars: str) -> str:
    return "x" + "".join(f"{ord(c):05x}" for c in chars)


def _grams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_terms(text: str) -> str:
    """Every distinct CJK character and bigram of ``text`` as ASCII terms, in order of first appearance."""
    seen: dict[str, None] = {}
    for run in _CJK_RUN.findall(text):
        for char in run:
            seen.setdefault(_term(char), None)
        for gram in _grams(run):
            seen.setdefault(_term(gram), None)
    return " ".join(seen)


@dataclass(frozen=True)
class ParsedQuery:
    words: list[str]
    """Lower-cased non-CJK word tokens."""
    cjk: list[str]
    """CJK bigram terms (or a single-character term for a one-character run)."""
    cjk_runs: list[str]
    """The CJK text as typed, for highlighting."""

    @property
    def engine_terms(self) -> list[str]:
        return [*self.words, *self.cjk]


def parse_query(text: str) -> ParsedQuery:
    """The search terms in ``text``; ``Invalid`` when nothing searchable is left.

    >>> parse_query("'); DROP TABLE --").words
    ['drop', 'table']
    >>> parse_query('"*:()')
    Traceback (most recent call last):
    ...
    solidarity.errors.Invalid: Nothing to search for: the query has no words or characters to look up
    """
    words = [w.lower() for w in _WORD.findall(text)]
    runs = _CJK_RUN.findall(text)
    cjk: list[str] = []
    for run in runs:
        cjk.extend(_term(run) if len(run) == 1 else _term(g) for g in ([run] if len(run) == 1 else _grams(run)))
    terms = list(dict.fromkeys(words))[:MAX_QUERY_TERMS], list(dict.fromkeys(cjk))[:MAX_QUERY_TERMS]
    if not terms[0] and not terms[1]:
        raise Invalid(
            "Nothing to search for: the query has no words or characters to look up",
            details=[{"field": "q", "value": text[:200], "reason": "nothing to search for"}],
        )
    return ParsedQuery(words=terms[0], cjk=terms[1], cjk_runs=runs)


def fts5_query(query: ParsedQuery) -> str:
    """An FTS5 MATCH expression: every term quoted, all required."""
    return " ".join(f'"{term}"' for term in query.engine_terms)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _pattern(query: ParsedQuery) -> re.Pattern[str] | None:
    parts = [rf"\b{re.escape(_stem(w))}\w*" for w in query.words]
    parts += [re.escape(run) for run in sorted(set(query.cjk_runs), key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def highlight(text: str, query: ParsedQuery, *, width: int = 220) -> str:
    """HTML for a window of ``text`` around the first match, escaped, each match wrapped in ``<mark>``.

    >>> highlight("Keep <b>patients</b> in quarantine for 14 days.", parse_query("quarantined"))
    'Keep &lt;b&gt;patients&lt;/b&gt; in <mark>quarantine</mark> for 14 days.'
    >>> highlight("密切接触者应集中隔离医学观察。", parse_query("隔离"))
    '密切接触者应集中<mark>隔离</mark>医学观察。'
    """
    pattern = _pattern(query)
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 3)
    if start:
        space = text.find(" ", start, first.start() if first else start)
        start = space + 1 if space != -1 else start
    window = text[start : start + width]
    pieces: list[str] = ["…" if start else ""]
    cursor = 0
    for match in pattern.finditer(window) if pattern else ():
        pieces.append(escape(window[cursor : match.start()], quote=False))
        pieces.append(f"<mark>{escape(match.group(0), quote=False)}</mark>")
        cursor = match.end()
    pieces.append(escape(window[cursor:], quote=False))
    if start + width < len(text):
        pieces.append("…")
    return "".join(pieces)
