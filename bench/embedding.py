"""What limits ingest: embedding throughput by batch size and torch threads, and its share of an ingest.

    .venv/bin/python -m bench.embedding [--texts 256] [--rounds 5]

Embeds the real corpus's passages (topped up with synthetic ones, bench/synthetic.py) at each batch
size and thread count: the median of ``rounds`` rounds, each running every configuration once in a
shuffled order, so other load on the machine falls on all configurations alike. Then ingests the
real corpus and the synthetic passages into a temp dir at the configured BATCH_SIZE and splits the
time into embedding and everything else (loading, chunking, Chroma writes, manifest).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.chunking import chunk_document
from assistant.embeddings import BATCH_SIZE, load_embeddings
from assistant.ingest import ingest
from assistant.loaders import load_paths
from assistant.passage import Passage
from assistant.settings import Settings
from bench.synthetic import write_corpus

BATCH_SIZES = (8, 16, 32, 64, 128)
THREADS = (1, 2)


def passages(folders: list[Path]) -> list[Passage]:
    loaded = load_paths(folders)
    return [Passage.from_chunk(c, d.meta, d.content_hash) for d in loaded.documents for c in chunk_document(d)]


def rate(model: Any, texts: list[str], batch_size: int) -> float:
    """Texts per second of one encode."""
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - started)


def interleaved_rates(model: Any, texts: list[str], rounds: int) -> dict[tuple[int, int], float]:
    """(batch size, threads) -> median texts/s over ``rounds``, every configuration once per round in a
    shuffled order, so a change in the machine's other load hits all configurations alike."""
    import torch

    configs = [(b, t) for b in BATCH_SIZES for t in THREADS]
    rates: dict[tuple[int, int], list[float]] = {c: [] for c in configs}
    shuffle = random.Random(0)
    for _ in range(rounds):
        shuffle.shuffle(configs)
        for batch_size, threads in configs:
            torch.set_num_threads(threads)
            rates[(batch_size, threads)].append(rate(model, texts, batch_size))
    return {c: statistics.median(r) for c, r in rates.items()}


def main() -> None:
    # torch after assistant: its environment (OMP_WAIT_POLICY) must be set before torch loads
    import torch
    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = Settings(corpus_dir=Path("corpus"))
    with tempfile.TemporaryDirectory(prefix="carta-embed-") as tmp:
        synthetic = Path(tmp) / "synthetic"
        write_corpus(synthetic, args.texts)
        sample = (passages([settings.corpus_dir]) + passages([synthetic]))[: args.texts]
        texts = [p.search_text.replace("\n", " ") for p in sample]
        model = SentenceTransformer(str(settings.model_path), device="cpu", local_files_only=True)
        model.encode(texts[:32])  # warm-up
        mean = sum(map(len, texts)) / len(texts)
        print(f"{len(texts)} passages, mean {mean:.0f} characters; torch threads by default {torch.get_num_threads()}")
        default_threads = torch.get_num_threads()
        rates = interleaved_rates(model, texts, args.rounds)
        torch.set_num_threads(default_threads)
        print("\n| batch size | " + " | ".join(f"{t} thread{'s' * (t > 1)} (passages/s)" for t in THREADS) + " |")
        print("|---|" + "---|" * len(THREADS))
        for batch_size in BATCH_SIZES:
            print(f"| {batch_size} | " + " | ".join(f"{rates[(batch_size, t)]:.1f}" for t in THREADS) + " |")

        load_embeddings(settings.model_path)  # loaded before the clock starts, as in a warm ingest
        data = Settings(data_dir=Path(tmp) / "data", corpus_dir=settings.corpus_dir)
        started = time.perf_counter()
        report = ingest(data, [settings.corpus_dir, synthetic])
        total = time.perf_counter() - started
        embed = report.chunks_added / rate(model, texts, BATCH_SIZE)
        print(f"\ningest of {report.chunks_added} chunks at BATCH_SIZE={BATCH_SIZE}: {total:.1f} s "
              f"({report.chunks_added / total:.1f} chunks/s); embedding ~{embed:.1f} s ({embed / total:.0%}), "
              f"everything else ~{total - embed:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
