"""One question's embedding, warm: the torch model against its ONNX export, on the eval's questions.

    .venv/bin/python -m bench.query_embedding [--data-dir DIR] [--rounds 3]

Both embed each question of evals/qa.yaml (rewritten with its history and synonyms, as the retriever
embeds it) in turn, question by question, so load on a shared machine falls on both alike. Prints
p50/p95 milliseconds of each and the lowest cosine similarity between their vectors.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant.embeddings import OnnxEmbeddings, load_embeddings
from assistant.retrieval.synonyms import expand
from assistant.settings import Settings
from assistant.stats import percentile
from bench.latency import eval_questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="Reuse this data dir's ONNX export (else export anew).")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    questions = [expand(q) for q in eval_questions()]
    with tempfile.TemporaryDirectory(prefix="carta-onnx-") as tmp:
        settings = Settings(data_dir=args.data_dir or Path(tmp))
        onnx = OnnxEmbeddings(settings.model_path, settings.onnx_cache_dir)
        models = {"torch": load_embeddings(settings.model_path), "onnx": onnx}
        for model in models.values():
            model.embed_query("warm-up")
        times: dict[str, list[float]] = {name: [] for name in models}
        lowest = 1.0
        for _ in range(args.rounds):
            for question in questions:
                vectors = {}
                for name, model in models.items():
                    started = time.perf_counter()
                    vectors[name] = model.embed_query(question)
                    times[name].append((time.perf_counter() - started) * 1000)
                lowest = min(lowest, sum(a * b for a, b in zip(vectors["torch"], vectors["onnx"], strict=True)))
    print(f"{len(questions)} questions x {args.rounds} rounds; lowest cosine torch/onnx {lowest:.6f}")
    print("| model | p50 (ms) | p95 (ms) |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} |")


if __name__ == "__main__":
    main()
