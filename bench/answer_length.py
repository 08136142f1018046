"""How long Carta's answers are in an eval run, per category, class and shape (issue 17: median ≤ 90 words).

    .venv/bin/python -m bench.answer_length RUN [--split dev] [--longest 15]

Reads RUN/results.jsonl (a `carta eval` out dir) and prints the word distribution (as the eval counts
words: tables and [n] markers excluded) of the answered items: overall, per category, per issue-17 class
and per shape. With ``--longest`` it lists the longest dev answers; test items are never listed (frozen).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from assistant.answer import GAP_LINE
from assistant.tables import is_table_line

#: The start of the line an answer whose sources lack what was asked opens with.
GAP_START = GAP_LINE.split("{")[0]


def shape(answer: str) -> str:
    """The answer's shape as its markdown shows it: a gap line first, a table, a list of lines, or one line."""
    lines = [line for line in answer.splitlines() if line.strip()]
    if answer.startswith(GAP_START):
        return "gap-first"
    if any(is_table_line(line) for line in lines):
        return "with-table"
    bullets = sum(line.startswith("- ") for line in lines)
    return f"list-{min(bullets, 5)}" if bullets else "one-line"


def quantiles(words: list[int]) -> str:
    """n, median, p75, p90 and max of ``words``, as one row."""
    ordered = sorted(words)
    p75 = ordered[int(0.75 * (len(ordered) - 1))]
    p90 = ordered[int(0.90 * (len(ordered) - 1))]
    return f"{len(ordered):4d} {statistics.median(ordered):7.1f} {p75:5d} {p90:5d} {ordered[-1]:5d}"


def table(title: str, groups: dict[str, list[int]]) -> Iterable[str]:
    """One block of rows: a group's name and its quantiles, longest median first."""
    yield f"\n{title:<22} {'n':>4} {'median':>7} {'p75':>5} {'p90':>5} {'max':>5}"
    for name, words in sorted(groups.items(), key=lambda item: -statistics.median(item[1])):
        yield f"{name:<22} {quantiles(words)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a `carta eval` out dir")
    parser.add_argument("--split", choices=["dev", "test"], help="only this split's items")
    parser.add_argument("--longest", type=int, default=0, help="list this many longest dev answers")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if not r["abstained"] and (args.split is None or r.get("split", "dev") == args.split)]
    by: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        words = row["words"]
        by["all"]["answered"].append(words)
        by["category"][row["category"]].append(words)
        by["class"][row.get("failure_class") or "-"].append(words)
        by["shape"][shape(row["answer"])].append(words)
        by["paraphrase"]["paraphrase" if row.get("paraphrase_of") else "original"].append(words)
    for title in ("all", "paraphrase", "category", "class", "shape"):
        print("\n".join(table(title, by[title])))
    dev = [r for r in rows if r.get("split", "dev") == "dev"]
    for row in sorted(dev, key=lambda r: -r["words"])[: args.longest]:
        print(f"\n{row['words']:4d} {row['verdict']:4} {row['id']} [{shape(row['answer'])}]: {row['question']}")


if __name__ == "__main__":
    main()
