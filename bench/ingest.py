"""Ingest figures for the corpus (issue 3 §3): size, throughput from empty, and a no-change re-run.

    .venv/bin/python bench/ingest.py [--corpus-dir corpus]

Builds a throwaway index in a temp dir. Prints the corpus's document and chunk counts, chunk sizes
(characters), the time to ingest from empty (model load shown apart), chunks embedded per second,
and the time of a re-run with nothing changed, in process and as the `carta ingest` command.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from assistant.corpus_check import corpus_stats
from assistant.embeddings import load_embeddings
from assistant.ingest import ingest
from assistant.loaders import load_paths
from assistant.settings import Settings

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """The action's result and its wall time in seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-dir", type=Path, default=Path("corpus"))
    corpus = parser.parse_args().corpus_dir
    stats = corpus_stats(load_paths([corpus]).documents)
    sizes = stats.sizes
    print(f"corpus: {stats.documents} documents, {len(stats.chunks)} chunks ({dict(stats.chunks_by_kind)})")
    print(f"chunk chars: min {sizes['min']}, p50 {sizes['p50']}, p90 {sizes['p90']}, max {sizes['max']}")
    with tempfile.TemporaryDirectory(prefix="carta-bench-") as data_dir:
        settings = Settings(data_dir=Path(data_dir), corpus_dir=corpus)
        _, model_s = timed(lambda: load_embeddings(settings.model_path))
        cpu_before = time.process_time()
        report, ingest_s = timed(lambda: ingest(settings))
        cpu_s = time.process_time() - cpu_before  # all threads: compare with wall time on a busy machine
        print(f"model load: {model_s:.1f} s")
        print(f"ingest from empty: {ingest_s:.1f} s after the model load ({model_s + ingest_s:.1f} s in all)")
        print(f"ingest CPU time: {cpu_s:.1f} s (wall well above it means the machine was busy)")
        print(f"throughput: {report.chunks_added / ingest_s:.1f} chunks/s ({report.chunks_added} chunks)")
        rerun, rerun_s = timed(lambda: ingest(settings))
        assert not rerun.added and not rerun.updated, rerun.summary()
        print(f"re-ingest, nothing changed, in process: {rerun_s:.2f} s")
        command = [sys.executable, "-m", "assistant", "ingest", "--data-dir", data_dir]
        env = {**os.environ, "CARTA_CORPUS_DIR": str(corpus)}
        _, command_s = timed(lambda: subprocess.run(command, env=env, check=True))
        print(f"re-ingest, nothing changed, `carta ingest` command: {command_s:.2f} s")


if __name__ == "__main__":
    main()
