"""How Carta grows: the real corpus plus 1k, 10k and 50k synthetic distractor chunks (bench/synthetic.py).

    .venv/bin/python -m bench.scale --work /tmp/carta-scale [--sizes 0 1000 10000 50000]
    .venv/bin/python -m bench.scale --work /tmp/carta-scale --report     # the table from saved results
    .venv/bin/python -m bench.scale --work /tmp/carta-scale --recall     # recall@5 of the built index only

Sizes are built incrementally in one data dir (a larger synthetic corpus contains the smaller), so
the 50k run reuses the 10k index; a long run can be stopped and resumed. For each size it records
the ingest time of the added chunks, then measures in a fresh process: time to load the chain
(Chroma read + BM25 build), warm answer latency over the eval questions, recall@5 of the eval's gold
documents (and how many top-5 places distractors took), re-ingest time with nothing changed, the
index size on disk and the process's peak RSS. ``--keyword rank-bm25`` measures with the previous
BM25 implementation (bench/keyword.py) for a before/after of speed (it sums synonyms instead of
scoring each synonym group once, so its recall differs). ``--recall`` measures only recall@5
(hybrid, dense, BM25) against the index already in the data dir: no build, no re-ingest, about 25 s
at 50k chunks.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
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


def recall_at_5(chain: AnswerChain) -> dict[str, float]:
    """Recall@5 of the eval's gold documents in each mode, on the query ``carta eval`` scores (screened,
    rewritten with the history, spelled out), and the share of top-5 documents that are distractors."""
    from assistant.retrieval.retriever import Mode

    graded = _graded_items()
    recall: dict[Mode, list[float]] = {mode: [] for mode in Mode}
    intruders = 0
    for question, history, gold in graded:
        query = chain.retrieve(question, history).query
        for mode in Mode:
            hits = chain.retriever.variant(mode=mode).search(query, k=RETRIEVAL_K).hits
            ranked = scoring.document_ranking(hit.passage.doc_id for hit in hits)
            recall[mode].append(scoring.recall_at(ranked, gold, 5))
            if mode is Mode.HYBRID:
                intruders += sum(1 for doc in ranked[:5] if doc.startswith(f"{COLLECTION}-"))
    return {
        "recall_at_5": statistics.fmean(recall[Mode.HYBRID]),
        "recall_at_5_dense": statistics.fmean(recall[Mode.DENSE]),
        "recall_at_5_bm25": statistics.fmean(recall[Mode.BM25]),
        "distractors_in_top5": intruders / (5 * len(graded)),
    }


def _graded_items() -> list[tuple[str, list, list[str]]]:
    """Eval items with gold documents: (question, history, gold doc ids)."""
    from assistant.evaluation.questions import load_question_set

    return [(i.question, list(i.history), i.gold_docs) for i in load_question_set(Path("evals/qa.yaml")) if i.gold_docs]


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

        chain = AnswerChain.load(settings_for(args.work))
        print(json.dumps({"chunks": len(chain.retriever.passages), **recall_at_5(chain)}))
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
