"""Knowledge search benchmark: 100,000 generated documents, half English and half Chinese.

Run: ``.venv/bin/python benchmarks/knowledge_search.py [--documents N] [--database-url URL]``.
Without a URL it builds a fresh SQLite file in a temporary directory; with a URL (SQLite or
PostgreSQL) it uses that database, and when the database already holds the generated documents
from an earlier run it searches them again instead of generating more. Each query goes through
``knowledge.service.search`` (candidates and count, ranking, first page of 20, snippets) and, in
the same run, through a plain ``LIKE '%term%'`` scan over title, summary and text that counts the
matches and fetches 20 rows (no ranking): the baseline. Prints the median of 5 runs per query and
the ratio; a count shown as ``2,000+`` is the search's lower bound (``MAX_RANKED``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, or_, select, text

from solidarity.config import load_settings
from solidarity.db import make_engine, make_sessionmaker, transaction
from solidarity.db.migrate import upgrade
from solidarity.knowledge import service
from solidarity.knowledge.models import Document, DocumentType
from solidarity.knowledge.querying import DocumentFilters
from solidarity.knowledge.search import cjk_terms

ENGLISH = [
    "quarantine",
    "isolation",
    "contact",
    "tracing",
    "testing",
    "laboratory",
    "hospital",
    "ward",
    "ventilator",
    "oxygen",
    "mask",
    "gown",
    "glove",
    "vaccine",
    "trial",
    "phase",
    "dose",
    "antibody",
    "antigen",
    "swab",
    "sample",
    "clinic",
    "triage",
    "fever",
    "cough",
    "symptom",
    "outbreak",
    "cluster",
    "border",
    "travel",
    "school",
    "closure",
    "lockdown",
    "community",
    "transmission",
    "surveillance",
    "report",
    "guideline",
    "protocol",
    "training",
    "nurse",
    "doctor",
    "patient",
    "elderly",
    "care",
    "home",
    "disinfection",
    "hygiene",
    "distancing",
    "ventilation",
    "screening",
]
CHINESE = (
    "隔离密切接触者核酸检测医院病房呼吸机氧气口罩防护服手套疫苗试验剂量抗体抗原咽拭子样本门诊分诊发热咳嗽症状"
    "疫情聚集边境旅行学校封城社区传播监测报告指南方案培训护士医生患者老人养老院消毒卫生距离通风筛查预防控制"
)
QUERIES = ["quarantine", "ventilator oxygen", "zyxwvut", "isolation ward patient", "隔离", "呼吸机", "疫", "口罩 mask"]
FILTERED = {"ventilator oxygen"}
"""Queries also filtered by language, which takes the join path instead of FTS5 alone on SQLite."""


def _pseudo(rng: random.Random) -> str:
    return "".join(rng.choice("bcdfghjklmnprstvwz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))


def generate(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    filler = [_pseudo(rng) for _ in range(5000)]
    rows: list[dict[str, object]] = []
    for n in range(count):
        if n % 2:
            words = [rng.choice(ENGLISH) if rng.random() < 0.15 else rng.choice(filler) for _ in range(140)]
            title, summary, body = " ".join(words[:7]), " ".join(words[7:30]), " ".join(words[30:])
            language = "en"
        else:
            chars = [rng.choice(CHINESE) for _ in range(160)]
            title, summary, body = "".join(chars[:10]), "".join(chars[10:40]), "".join(chars[40:])
            language = "zh"
        rows.append(
            {
                "title": title,
                "summary": summary,
                "body_text": body,
                "language": language,
                "document_type": DocumentType.GUIDELINE,
                "cjk_terms": cjk_terms(f"{title}\n{summary}\n{body}"),
            }
        )
    return rows


def like_scan(session: object, query: str) -> int:
    term = f"%{query.split()[0]}%"
    condition = or_(Document.title.like(term), Document.summary.like(term), Document.body_text.like(term))
    count = session.scalar(select(func.count()).select_from(Document).where(condition)) or 0  # type: ignore[attr-defined]
    session.execute(select(Document.id, Document.title).where(condition).limit(20)).all()  # type: ignore[attr-defined]
    return int(count)


def median_ms(run: object, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="knowledge-bench-"))
    url = args.database_url or f"sqlite:///{directory / 'bench.db'}"
    settings = load_settings(database_url=url, data_dir=directory)
    engine = make_engine(settings)
    started = time.perf_counter()
    upgrade(engine)
    print(f"{engine.dialect.name}: schema migrated in {time.perf_counter() - started:.1f} s")
    factory = make_sessionmaker(engine)
    started = time.perf_counter()
    with transaction(factory) as session:
        existing = session.scalar(select(func.count()).select_from(Document)) or 0
    if existing:
        print(f"{engine.dialect.name}: searching the {existing:,} documents already in {engine.url!r}")
    else:
        rows = generate(args.documents)
        with transaction(factory) as session:
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(Document), rows[chunk : chunk + 5000])
        print(
            f"{engine.dialect.name}: {args.documents:,} documents generated and indexed in "
            f"{time.perf_counter() - started:.1f} s"
        )
    with transaction(factory) as session:  # planner statistics, as autovacuum would gather
        session.execute(text("ANALYZE knowledge_documents"))
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE knowledge_search"))
    print(f"{'query':<34}{'matches':>9}{'search ms':>11}{'LIKE ms':>10}{'ratio':>8}")
    for query in QUERIES:
        with transaction(factory) as session:
            filters = DocumentFilters(language="en") if query in FILTERED else DocumentFilters()
            result = service.search(session, query, filters, limit=20)
            fts = median_ms(lambda q=query, f=filters: service.search(session, q, f, limit=20))
            like_count = like_scan(session, query)
            like = median_ms(lambda q=query: like_scan(session, q))
        ratio = like / fts if fts else float("inf")
        label = f"{query} (language=en)" if query in FILTERED else query
        matches = f"{result.count:,}+" if result.is_lower_bound else f"{result.count:,}"
        top = result.items[0].document.title[:24] if result.items else "-"
        print(
            f"{label:<34}{matches:>9}{fts:>11.1f}{like:>10.1f}{ratio:>7.1f}x  "
            f"(LIKE matched {like_count:,}; first: {top})"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
