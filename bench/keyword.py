"""BM25 before and after: rank-bm25 (a Python loop over every passage per query word) against Carta's
inverted index (assistant/retrieval/keyword.py), on the real corpus plus synthetic distractors.

    .venv/bin/python -m bench.keyword [--sizes 0 1000 10000 50000]

No model and no index: passages come straight from the loaders and the chunker. For each size it
prints build time, warm per-query p50/p95 over the eval questions (with their synonym expansions, as
the retriever sends them), the memory the structure holds, and whether both rank identically.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from rank_bm25 import BM25Okapi

from assistant.chunking import chunk_document
from assistant.loaders import load_paths
from assistant.passage import Passage
from assistant.retrieval.keyword import KeywordRetriever, tokenize
from assistant.retrieval.synonyms import expansions
from assistant.stats import percentile
from bench.latency import eval_questions
from bench.synthetic import write_corpus

#: Candidates each retriever hands to fusion (Settings.candidates).
TOP_K = 30


class Retriever(Protocol):
    def run(self, query: str, top_k: int, expansion: str = "") -> list[tuple[int, float]]: ...


class RankBm25Retriever:
    """The previous KeywordRetriever, kept here as the reference for speed and for identical rankings."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._bm25 = BM25Okapi([tokenize(p.search_text) for p in passages])

    @property
    def idf(self) -> dict[str, float]:
        return dict(self._bm25.idf)

    def run(self, query: str, top_k: int, expansion: str = "") -> list[tuple[int, float]]:
        scores = self._bm25.get_scores(tokenize(query) * 2 + tokenize(expansion))
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [(i, float(scores[i])) for i in ranked[:top_k] if scores[i] > 0]


def passages_of(folder: Path) -> list[Passage]:
    loaded = load_paths([folder])
    return [Passage.from_chunk(c, d.meta, d.content_hash) for d in loaded.documents for c in chunk_document(d)]


def measure(
    kind: Callable[[Sequence[Passage]], Retriever], passages: list[Passage], queries: list[tuple[str, str]]
) -> tuple[Retriever, float, float, list[float]]:
    """(retriever, build seconds, MiB held, per-query milliseconds after one warm-up pass)."""
    tracemalloc.start()
    started = time.perf_counter()
    retriever = kind(passages)
    built = time.perf_counter() - started
    held = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    for query, extra in queries:
        retriever.run(query, TOP_K, extra)
    times = []
    for query, extra in queries:
        started = time.perf_counter()
        retriever.run(query, TOP_K, extra)
        times.append((time.perf_counter() - started) * 1000)
    return retriever, built, held, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000, 50000])
    args = parser.parse_args()
    queries = [(q, " ".join(expansions(q))) for q in eval_questions()]
    real = passages_of(Path("corpus"))
    print(f"{len(queries)} eval questions; real corpus {len(real)} chunks; top {TOP_K}\n")
    print("| chunks | implementation | build (s) | memory (MiB) | query p50 (ms) | query p95 (ms) | same ranking |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="carta-bm25-") as tmp:
        for size in sorted(args.sizes):
            if size:
                write_corpus(Path(tmp), size)
            passages = real + (passages_of(Path(tmp)) if size else [])
            rankings = {}
            for name, kind in (("rank-bm25", RankBm25Retriever), ("inverted index", KeywordRetriever)):
                retriever, built, held, times = measure(kind, passages, queries)
                rankings[name] = [[i for i, _ in retriever.run(q, TOP_K, e)] for q, e in queries]
                same = "" if name == "rank-bm25" else ("yes" if rankings[name] == rankings["rank-bm25"] else "NO")
                print(f"| {len(passages):,} | {name} | {built:.2f} | {held:.0f} | {percentile(times, 50):.2f} | "
                      f"{percentile(times, 95):.2f} | {same} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
