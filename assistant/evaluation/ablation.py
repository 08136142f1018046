"""`carta eval --ablate`: turn each composer rule off in turn and report what it changes.

A rule earns its place when turning it off costs passes or rubric points on the dev items; a rule whose
removal changes nothing, or helps, is a candidate for deletion (``assistant/answering/rules.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answering.chain import AnswerChain
from assistant.answering.rules import ComposerRules
from assistant.evaluation.questions import Item
from assistant.evaluation.runner import ItemResult, evaluate, metrics

#: The figures an ablation reports, as (key in ``metrics``, column heading).
FIGURES = (
    ("pass_rate", "pass rate"),
    ("points", "points"),
    ("key_fact_coverage", "key facts"),
    ("abstention_accuracy", "abstention"),
)


@dataclass(frozen=True)
class Ablation:
    """One rule turned off: the figures then, and the items whose pass/fail flipped."""

    rule: str
    why: str
    figures: dict[str, float | None]
    gained: list[str]  # items that pass only with the rule off
    lost: list[str]  # items that pass only with the rule on
    changed: int  # items whose answer text differs: 0 means the rule does nothing on these items


def dev_items(items: Sequence[Item]) -> list[Item]:
    """The items rules may be tuned on: the dev split when the set has one, else every item."""
    dev = [item for item in items if item.split == "dev"]
    return dev or list(items)


def ablate(
    chain: AnswerChain,
    items: Sequence[Item],
    progress: Callable[[str], None] | None = None,
    done: Callable[[Ablation], None] | None = None,
) -> tuple[dict[str, float | None], list[Ablation]]:
    """The default figures on ``items``, and one ``Ablation`` per rule of ``ComposerRules``; ``done`` hears
    each as it is measured (a long run leaves what it measured)."""
    base = evaluate("default", chain, items, progress)
    passed = {r.id for r in base if r.passed}
    answers = {r.id: r.answer for r in base}
    rows = []
    for name in ComposerRules.names():
        results: list[ItemResult] = evaluate(name, chain.with_rules(ComposerRules.ablated(name)), items, progress)
        now = {r.id for r in results if r.passed}
        figures = metrics(results)
        row = Ablation(
            rule=name,
            why=ComposerRules.model_fields[name].description or "",
            figures={key: figures.get(key) for key, _ in FIGURES},
            gained=sorted(now - passed),
            lost=sorted(passed - now),
            changed=sum(r.answer != answers[r.id] for r in results),
        )
        rows.append(row)
        if done:
            done(row)
    base_figures = metrics(base)
    return {key: base_figures.get(key) for key, _ in FIGURES}, rows
