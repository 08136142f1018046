"""What the Evaluation page reads from a run: item filters, table rows, pages, highlighted facts, curves.

The page lays these out; everything it decides about items lives here, so it is tested without a browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.human import Grouped, grades_for
from assistant.evaluation.report import coverage_curve
from assistant.evaluation.runner import ItemResult, by_category
from assistant.evaluation.runs import Run

VERDICTS = ("pass", "fail", "unsafe")
#: Items per page of the table: a page draws quickly however large the run.
PAGE_SIZE = 50
#: The items table's columns, in order (an empty page keeps them).
COLUMNS = (
    "item", "category", "split", "verdict", "human", "grade", "points", "recall@5", "latency (ms)", "question",
    "why it failed",
)  # fmt: skip
#: Bins of the latency histogram.
LATENCY_BINS = 30


@dataclass(frozen=True)
class ItemFilter:
    """What the evaluator narrowed the items to; an empty collection means no restriction."""

    config: str
    categories: Collection[str] = ()
    splits: Collection[str] = ()
    verdicts: Collection[str] = ()
    changed: frozenset[tuple[str, str]] | None = None  # (config, id) changed since the previous run; None: any
    text: str = ""
    human: Collection[str] = field(default=())  # human verdicts; "ungraded" for answers nobody graded

    def keeps(self, result: ItemResult, graded: Collection[str]) -> bool:
        """Whether ``result`` (with the human verdicts ``graded`` it has) passes every filter."""
        text = self.text.strip().lower()
        return (
            result.config == self.config
            and (not self.categories or result.category in self.categories)
            and (not self.splits or result.split in self.splits)
            and (not self.verdicts or result.verdict in self.verdicts)
            and (self.changed is None or (result.config, result.id) in self.changed)
            and (not self.human or bool(set(self.human) & (set(graded) or {"ungraded"})))
            and (not text or any(text in value.lower() for value in (result.id, result.question, result.answer)))
        )


def changed_since(run: Run, previous: Run | None) -> frozenset[tuple[str, str]]:
    """(config, id) of every result whose verdict differs from the previous run's, or that it lacked."""
    if previous is None:
        return frozenset((r.config, r.id) for rs in run.results.values() for r in rs)
    before = {(r.config, r.id): r.verdict for rs in previous.results.values() for r in rs}
    return frozenset(
        (r.config, r.id) for rs in run.results.values() for r in rs if before.get((r.config, r.id)) != r.verdict
    )


def human_verdicts(result: ItemResult, corpus: str, grouped: Grouped) -> list[str]:
    return [g.verdict for g in grades_for(result, corpus, grouped)]


def select(run: Run, chosen: ItemFilter, grouped: Grouped) -> list[ItemResult]:
    """The chosen configuration's results that pass the filter, worst verdict first, then in the set's order."""
    corpus = run.provenance.get("corpus_version", "")
    kept = [r for r in run.results.get(chosen.config, []) if chosen.keeps(r, human_verdicts(r, corpus, grouped))]
    order = {"unsafe": 0, "fail": 1, "pass": 2}
    return sorted(kept, key=lambda r: order.get(r.verdict, 3))


def page_of(items: Sequence[ItemResult], number: int, size: int = PAGE_SIZE) -> Sequence[ItemResult]:
    """Page ``number`` (from 1) of ``items``."""
    return items[(number - 1) * size : number * size]


def pages(count: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-count // size))


def table_rows(items: Iterable[ItemResult], corpus: str, grouped: Grouped) -> list[tuple[Any, ...]]:
    """One table row per result (values in the order of COLUMNS): what the evaluator scans before opening an item."""
    return [
        (
            r.id,
            r.category,
            r.split,
            r.verdict,
            ", ".join(human_verdicts(r, corpus, grouped)),
            r.grade,
            r.fraction,
            r.recall_at_5,
            r.latency_ms,
            r.question,
            "; ".join(r.reasons),
        )
        for r in items
    ]


def marked_facts(result: ItemResult) -> list[tuple[str, bool, str]]:
    """(fact, found, the text of the answer that matched it) for each key fact of the item."""
    out = []
    for fact in result.facts:
        match = re.search(fact["pattern"], result.answer, re.IGNORECASE) if fact["found"] else None
        out.append((fact["fact"], bool(fact["found"]), match.group(0) if match else ""))
    if not result.facts:  # a run written before facts were recorded still knows the missed ones
        out = [(fact, False, "") for fact in result.missed]
    return out


def highlighted_answer(result: ItemResult) -> str:
    """The answer's markdown with the text that matched each found key fact marked (HTML escaped)."""
    spans = sorted({text for _, found, text in marked_facts(result) if found and text}, key=len, reverse=True)
    lines = []
    for line in result.answer.splitlines():
        escaped = html.escape(line, quote=False)
        for span in spans:
            piece = html.escape(span, quote=False)
            if piece and piece in escaped and f"<mark>{piece}" not in escaped:
                escaped = escaped.replace(piece, f"<mark>{piece}</mark>", 1)
        lines.append(escaped)
    return "\n".join(lines)


def category_rows(run: Run) -> list[dict[str, Any]]:
    """Pass rate by category for every configuration: the rows of a grouped bar chart."""
    return [
        {"category": category, "configuration": name, "pass rate": figures["pass_rate"] or 0.0}
        for name, results in run.results.items()
        for category, figures in by_category(results).items()
    ]


def coverage_rows(run: Run) -> list[dict[str, Any]]:
    """The risk–coverage points of every configuration, as chart rows."""
    return [
        {"configuration": name, "threshold": p.threshold, "coverage": p.coverage, "risk": p.risk}
        for name, results in run.results.items()
        for p in coverage_curve(results)
        if p.risk is not None
    ]


def latency_rows(run: Run, bins: int = LATENCY_BINS) -> list[dict[str, Any]]:
    """Items per latency bin for every configuration (bins shared, so the configurations line up)."""
    longest = max((r.latency_ms for rs in run.results.values() for r in rs), default=0.0)
    width = (longest or 1.0) / bins
    rows = []
    for name, results in run.results.items():
        counts = [0] * bins
        for r in results:
            counts[min(bins - 1, int(r.latency_ms / width))] += 1
        rows += [
            {"configuration": name, "latency (ms)": round((n + 0.5) * width), "items": count}
            for n, count in enumerate(counts)
        ]
    return rows
