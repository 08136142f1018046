"""The same question gets the same answer in every process, whatever Python's string hash seed.

Set iteration order (and so a plain float sum over a set, or the first of several equal maxima) moves
with PYTHONHASHSEED; an answer that depended on it changed between two app sessions and flipped eval
items run to run. Each seed runs in its own `carta ask --jsonl` process over the real corpus index.
"""

from __future__ import annotations

import json

from helpers import run_carta

from assistant.settings import Settings

#: Dev items' questions whose candidate units tie or nearly tie: a local-protocol question answered from related
#: sources (the item that flipped with the seed), a dose table, a whole table, a ladder step and a comparison.
QUESTIONS = [
    "per our unit do we give everyone keppra ppx?",
    "keppra ppx after CAR-T: what dose, and do all the societies actually recommend it?",
    "toci dose for grade 2 CRS in an adult? max?",
    "what's in the carvykti boxed warning besides CRS?",
    "CRS on norepi + epi and BiPAP, what now",
    "tecartus in MCL: severe neurotox in ZUMA-2 vs real world?",
]
SEEDS = ("1", "2", "3")


def answers_with_seed(seed: str, data_dir: str) -> list[str]:
    """Every question's answer text, from one process run with PYTHONHASHSEED=``seed``."""
    lines = "\n".join(json.dumps({"question": q}) for q in QUESTIONS)
    done = run_carta("ask", "--jsonl", env={"PYTHONHASHSEED": seed, "CARTA_DATA_DIR": data_dir}, stdin=lines)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(QUESTIONS) and not any("error" in r for r in results), results
    return [r["answer"] for r in results]


def test_answers_do_not_depend_on_the_hash_seed(corpus_index: Settings) -> None:
    first, *others = (answers_with_seed(seed, str(corpus_index.data_dir)) for seed in SEEDS)
    for seed, answers in zip(SEEDS[1:], others, strict=True):
        changed = [q for q, a, b in zip(QUESTIONS, first, answers, strict=True) if a != b]
        assert not changed, f"PYTHONHASHSEED={seed} answered differently from {SEEDS[0]}: {changed}"
