"""Warm answer latency, stage by stage, over the eval questions.

    .venv/bin/python -m bench.latency [--data-dir DIR] [--repeats 3]

Uses the index in ``--data-dir`` (default: a throwaway index of corpus/, built first). Every
question is answered once to warm up, then ``repeats`` more times; the table gives p50 and p95 of
each stage the chain times (``Answer.timings_ms``) plus the rewrite, timed apart because the chain
folds it into its preparation step.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assistant.answering.chain import AnswerChain
from assistant.conversation import Turn, rewrite
from assistant.stats import percentile
from bench.common import corpus_index

QUESTION_SET = Path("evals/qa.yaml")
#: Used when the eval set is missing, so the benchmark still runs on a bare checkout.
FALLBACK_QUESTIONS = (
    "What is the tocilizumab dose for grade 2 CRS?",
    "How is grade 3 ICANS treated?",
    "Is there evidence for emapalumab in adult IEC-HS after CAR-T?",
    "What is the ICE score?",
    "Which patients should get levetiracetam seizure prophylaxis?",
    "What are the IEC-HS diagnostic criteria?",
)
STAGES = ("rewrite", "retrieve_dense", "retrieve_bm25", "retrieve_fuse", "compose", "verify", "total")


def eval_items() -> list[tuple[str, list[Turn]]]:
    """(question, history) of every eval item, or the fallback questions without history."""
    if not QUESTION_SET.is_file():
        return [(q, []) for q in FALLBACK_QUESTIONS]
    from assistant.evaluation.questions import load_question_set

    return [(item.question, list(item.history)) for item in load_question_set(QUESTION_SET)]


def eval_questions() -> list[str]:
    """The eval questions as the retriever sees them: rewritten with their history."""
    return [rewrite(question, history) for question, history in eval_items()]


def stage_times(chain: AnswerChain, items: list[tuple[str, list[Turn]]], repeats: int) -> dict[str, list[float]]:
    """Milliseconds per stage over ``repeats`` passes of every item, after one warm-up pass."""
    for question, history in items:
        chain.invoke(question, history)
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for _ in range(repeats):
        for question, history in items:
            started = time.perf_counter()
            rewrite(question, history)
            times["rewrite"].append((time.perf_counter() - started) * 1000)
            answer = chain.invoke(question, history)
            for stage in STAGES[1:]:
                times[stage].append(answer.timings_ms.get(stage, 0.0))
    return times


def print_table(times: dict[str, list[float]]) -> None:
    print("| stage | p50 (ms) | p95 (ms) | max (ms) |")
    print("|---|---|---|---|")
    for stage, values in times.items():
        print(f"| {stage} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} | {max(values):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with corpus_index(args.data_dir, prefix="carta-latency-") as settings:
        items = eval_items()
        chain = AnswerChain.load(settings)
        print(f"{len(items)} questions x {args.repeats} warm passes, index {settings.data_dir}\n")
        print_table(stage_times(chain, items, args.repeats))


if __name__ == "__main__":
    main()
