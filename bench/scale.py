"""How Carta grows: the real corpus plus 1k, 10k and 50k synthetic distractor chunks (bench/synthetic.py).

    .venv/bin/python -m bench.scale --work /tmp/carta-scale [--sizes 0 1000 10000 50000]
    .venv/bin/python -m bench.scale --work /tmp/carta-scale --report     # the table from saved results
    .venv/bin/python -m bench.scale --work /tmp/carta-scale --recall     # recall@5 of the built index only
    .venv/bin/python -m bench.scale --work /tmp/carta-scale --recall --misses   # and the dev items it misses
    .venv/bin/python -m bench.scale --work /tmp/x --recall --data-dir .carta     # the real corpus alone

Sizes are built incrementally in one data dir (a larger synthetic corpus contains the smaller), so
the 50k run reuses the 10k index; a long run can be stopped and resumed. For each size it records
the ingest time of the added chunks, then measures in a fresh process: time to load the chain
(Chroma read + BM25 build), warm answer latency over the eval questions, recall@5 of the eval's gold
documents (and how many top-5 places distractors took), re-ingest time with nothing changed, the
index size on disk and the process's peak RSS. ``--keyword rank-bm25`` measures with the previous
BM25 implementation (bench/keyword.py) for a before/after of speed (it sums synonyms instead of
scoring each synonym group once, so its recall differs). ``--recall`` measures only recall@5
(hybrid, dense, BM25; all items and per split) against the index already in the data dir (or the one
``--data-dir`` names): no build, no re-ingest, about 25 s at 50k chunks. ``--misses`` lists the dev items
whose hybrid top 5 lacks a gold document, with that document's rank in each mode; the test split is
frozen, so only dev misses are printed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.evaluation import scoring
from assistant.evaluation.runner import RETRIEVAL_K
from assistant.ingest import ingest
from assistant.settings import Settings
from assistant.stats import percentile
from bench.latency import eval_items, stage_times
from bench.synthetic import COLLECTION, write_corpus

if TYPE_CHECKING:
    from assistant.answering.chain import AnswerChain

CORPUS = Path("corpus")


def settings_for(work: Path) -> Settings:
    return Settings(data_dir=work / "data", corpus_dir=CORPUS)


def disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def build(work: Path, size: int) -> dict[str, float]:
    """Add synthetic documents up to ``size`` chunks (the real corpus first); time the ingest."""
    settings = settings_for(work)
    started = time.perf_counter()
    if size == 0:
        report = ingest(settings)
    else:
        write_corpus(work / "synthetic", size)
        report = ingest(settings, [work / "synthetic"])
    seconds = time.perf_counter() - started
    return {"ingest_s": seconds, "chunks_added": report.chunks_added, "chunks_per_s": report.chunks_added / seconds}


def measure(work: Path, keyword: str) -> dict[str, float]:
    """Run in a fresh process: load, latency, recall, re-ingest, disk and peak RSS."""
    from assistant.answering.chain import AnswerChain

    if keyword == "rank-bm25":
        from assistant.retrieval import retriever as retriever_module
        from bench.keyword import RankBm25Retriever

        class RankBm25Concepts(RankBm25Retriever):
            """rank-bm25 has no concept scoring: synonym groups are summed as a plain expansion."""

            def run_concepts(self, query: str, top_k: int, groups: list[tuple[str, ...]]) -> list[tuple[int, float]]:
                return self.run(query, top_k, " ".join(term for group in groups for term in group))

        retriever_module.KeywordRetriever = RankBm25Concepts  # type: ignore[misc,assignment]
    settings = settings_for(work)
    started = time.perf_counter()
    chain = AnswerChain.load(settings)
    load_s = time.perf_counter() - started
    items = eval_items()
    times = stage_times(chain, items, repeats=1)
    recall = recall_at_5(chain)
    started = time.perf_counter()
    ingest(settings)
    if (work / "synthetic").exists():
        ingest(settings, [work / "synthetic"])
    reingest_s = time.perf_counter() - started
    return {
        "chunks": len(chain.retriever.passages),
        "load_s": load_s,
        "p50_ms": percentile(times["total"], 50),
        "p95_ms": percentile(times["total"], 95),
        "bm25_p95_ms": percentile(times["retrieve_bm25"], 95),
        "dense_p95_ms": percentile(times["retrieve_dense"], 95),
        **recall,
        "reingest_unchanged_s": reingest_s,
        "disk_mib": disk_mib(settings.data_dir),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


@dataclass(frozen=True)
class Graded:
    """One eval item with gold documents: its split, question, history and gold doc ids."""

    id: str
    split: str
    question: str
    history: list
    gold: list[str]


@dataclass
class Ranked:
    """How one item ranked: the query searched and each mode's document ranking (best first)."""

    item: Graded
    query: str
    rankings: dict[str, list[str]]

    def recall(self, mode: str) -> float:
        return scoring.recall_at(self.rankings[mode], self.item.gold, 5)


def recall_at_5(chain: AnswerChain, rows: list[Ranked] | None = None) -> dict[str, float]:
    """Recall@5 of the eval's gold documents in each mode, on the query ``carta eval`` scores (screened,
    rewritten with the history, spelled out), over all items and per split (``_dev``, ``_test``), and the
    share of top-5 documents that are distractors."""
    rows = rows if rows is not None else rank_items(chain)
    figures: dict[str, float] = {}
    for split in (None, *sorted({row.item.split for row in rows})):
        chosen = [row for row in rows if split is None or row.item.split == split]
        suffix = f"_{split}" if split else ""
        for mode, name in (("hybrid", "recall_at_5"), ("dense", "recall_at_5_dense"), ("bm25", "recall_at_5_bm25")):
            figures[name + suffix] = statistics.fmean(row.recall(mode) for row in chosen)
        figures[f"items{suffix}"] = len(chosen)
    intruders = sum(1 for row in rows for doc in row.rankings["hybrid"][:5] if doc.startswith(f"{COLLECTION}-"))
    figures["distractors_in_top5"] = intruders / (5 * len(rows))
    return figures


def rank_items(chain: AnswerChain) -> list[Ranked]:
    """Every graded item's document ranking in each retrieval mode (``RETRIEVAL_K`` passages deep)."""
    from assistant.retrieval.retriever import Mode

    rows = []
    for item in _graded_items():
        query = chain.retrieve(item.question, item.history).query
        rankings = {
            str(mode): scoring.document_ranking(
                hit.passage.doc_id for hit in chain.retriever.variant(mode=mode).search(query, k=RETRIEVAL_K).hits
            )
            for mode in Mode
        }
        rows.append(Ranked(item, query, rankings))
    return rows


def print_misses(rows: list[Ranked], split: str) -> None:
    """The items of ``split`` whose hybrid top 5 lacks a gold document: each missing document's rank in
    the top ``RETRIEVAL_K`` of every mode ('-' beyond it) and the hybrid top 5. Analyse dev only: the test
    split is frozen."""
    for row in rows:
        if row.item.split != split or row.recall("hybrid") == 1:
            continue
        top = row.rankings["hybrid"]
        print(f"{row.item.id}  recall@5 {row.recall('hybrid'):.2f}\n  question: {row.item.question}")
        if row.query != row.item.question:
            print(f"  query:    {row.query}")
        for doc in row.item.gold:
            if doc in top[:5]:
                continue
            ranks = "  ".join(
                f"{mode} {ranking.index(doc) + 1 if doc in ranking else '-'}" for mode, ranking in row.rankings.items()
            )
            print(f"  missing:  {doc}  ({ranks})")
        print(f"  top 5:    {', '.join(top[:5])}")


def _graded_items() -> list[Graded]:
    """Eval items with gold documents."""
    from assistant.evaluation.questions import load_question_set

    return [
        Graded(i.id, i.split, i.question, list(i.history), i.gold_docs)
        for i in load_question_set(Path("evals/qa.yaml"))
        if i.gold_docs
    ]


def report(work: Path) -> None:
    rows = [json.loads(line) for line in (work / "results.jsonl").read_text().splitlines()]
    columns = {
        "synthetic chunks": lambda r: f"{r['size']:,}",
        "total chunks": lambda r: f"{r['chunks']:,}",
        "BM25": lambda r: r["keyword"],
        "ingest of the added chunks (s)": lambda r: f"{r['ingest_s']:.0f}" if r["chunks_added"] else "",
        "chunks/s": lambda r: f"{r['chunks_per_s']:.1f}" if r["chunks_added"] else "",
        "load (s)": lambda r: f"{r['load_s']:.1f}",
        "p50 (ms)": lambda r: f"{r['p50_ms']:.0f}",
        "p95 (ms)": lambda r: f"{r['p95_ms']:.0f}",
        "BM25 p95 (ms)": lambda r: f"{r['bm25_p95_ms']:.1f}",
        "dense p95 (ms)": lambda r: f"{r['dense_p95_ms']:.1f}",
        "recall@5 hybrid / dense / BM25": lambda r: " / ".join(
            f"{r[k]:.3f}" for k in ("recall_at_5", "recall_at_5_dense", "recall_at_5_bm25") if k in r
        ),
        "distractors in top 5": lambda r: f"{r['distractors_in_top5']:.1%}",
        "re-ingest unchanged (s)": lambda r: f"{r['reingest_unchanged_s']:.1f}",
        "disk (MiB)": lambda r: f"{r['disk_mib']:.0f}",
        "peak RSS (MiB)": lambda r: f"{r['peak_rss_mib']:.0f}",
    }
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(cell(row) for cell in columns.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000, 50000])
    parser.add_argument("--keyword", choices=["inverted-index", "rank-bm25"], nargs="+", default=["inverted-index"])
    parser.add_argument("--report", action="store_true", help="Print the table of saved results and stop.")
    parser.add_argument("--recall", action="store_true", help="Only recall@5 of the index already built in --work.")
    parser.add_argument(
        "--data-dir", type=Path, help="With --recall: measure this data dir instead of WORK/data (e.g. .carta)."
    )
    parser.add_argument("--misses", action="store_true", help="With --recall: also list the dev items' misses.")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the fresh measuring process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.work, args.measure)))
        return
    if args.report:
        report(args.work)
        return
    if args.recall:
        from assistant.answering.chain import AnswerChain

        settings = settings_for(args.work)
        if args.data_dir:
            settings = Settings(data_dir=args.data_dir, corpus_dir=CORPUS)
        chain = AnswerChain.load(settings)
        rows = rank_items(chain)
        if args.misses:
            print_misses(rows, "dev")
        print(json.dumps({"chunks": len(chain.retriever.passages), **recall_at_5(chain, rows)}))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        built = build(args.work, size)
        print(f"size {size}: {built}", flush=True)
        for keyword in args.keyword:
            command = [sys.executable, "-m", "bench.scale", "--work", str(args.work), "--measure", keyword]
            measured = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            row = {"size": size, "keyword": keyword, **built, **measured}
            print(row, flush=True)
            with (args.work / "results.jsonl").open("a") as out:
                out.write(json.dumps(row) + "\n")
    report(args.work)


if __name__ == "__main__":
    main()
