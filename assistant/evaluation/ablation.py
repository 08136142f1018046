"""`carta eval --ablate`: turn each composer rule off in turn and report what it changes.

Each rule is measured on the dev originals and on every paraphrase (issue 17: a rule fitted to how the
set's questions are worded shows on their rewordings). A rule earns its place when turning it off lowers
the dev pass rate, the dev key-fact coverage or the paraphrase pass rate, or raises a wrong-setting
lead; a rule whose removal costs none of these is a candidate for deletion (``assistant/answering/rules.py``).
Only dev items are named (passes lost or gained): the test split's paraphrases count in the figures alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from assistant.answering.chain import AnswerChain
from assistant.answering.rules import ComposerRules
from assistant.evaluation.questions import Item
from assistant.evaluation.runner import ITEM_SETS, ItemResult, evaluate, metrics
from assistant.retrieval.retriever import HybridRetriever, Retrieval

#: The item sets an ablation reports (runner.ITEM_SETS): the dev split's originals and all paraphrases.
SETS = ("dev", "paraphrases")
#: The figures an ablation reports for each set, as (key in ``metrics``, column heading).
FIGURES = (
    ("pass_rate", "pass"),
    ("key_fact_coverage", "key facts"),
    ("wrong_setting_lead", "wrong lead"),
    ("abstention_accuracy", "abstention"),
)
#: The (set, figure) pairs a rule must hold up to stay: lower is a cost, except for wrong-setting lead.
PAYS = (("dev", "pass_rate"), ("dev", "key_fact_coverage"), ("paraphrases", "pass_rate"))
LEADS = tuple((name, "wrong_setting_lead") for name in SETS)

Figures = dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class Ablation:
    """One rule turned off: the figures of each set then, and the dev items whose pass/fail flipped."""

    rule: str
    why: str
    figures: Figures
    gained: list[str]  # dev items that pass only with the rule off
    lost: list[str]  # dev items that pass only with the rule on
    changed: int  # answers (of every item measured) whose text differs: 0 means the rule does nothing here

    def pays(self, base: Figures) -> bool:
        """Whether turning the rule off costs a dev pass or key fact or a paraphrase pass, or adds a wrong lead."""

        def moved(pair: tuple[str, str], sign: int) -> bool:
            name, key = pair
            now, was = self.figures[name].get(key), base[name].get(key)
            return now is not None and was is not None and sign * (now - was) > 1e-9

        return any(moved(pair, -1) for pair in PAYS) or any(moved(pair, 1) for pair in LEADS)


class Remembered:
    """A retriever that searches each query once and otherwise is the one it wraps.

    Composer rules never change what a query finds, and searching is most of an answer's time, so the
    forty-odd passes of an ablation over the same items search as one pass does.
    """

    def __init__(self, retriever: HybridRetriever) -> None:
        self.retriever = retriever
        self.found: dict[tuple[str, int | None], Retrieval] = {}

    def search(self, query: str, k: int | None = None) -> Retrieval:
        key = (query, k)
        if key not in self.found:
            self.found[key] = self.retriever.search(query, k)
        return self.found[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.retriever, name)


def ablation_items(items: Sequence[Item]) -> list[Item]:
    """The items rules are measured on: the dev split and every paraphrase (all items when none is dev)."""
    chosen = [item for item in items if item.split == "dev" or item.paraphrase_of is not None]
    return chosen or list(items)


def set_figures(results: Sequence[ItemResult]) -> Figures:
    """The reported figures of each of SETS over ``results``."""
    out: Figures = {}
    for name in SETS:
        figures = metrics([r for r in results if ITEM_SETS[name](r)])
        out[name] = {key: figures.get(key) for key, _ in FIGURES}
    return out


def ablate(
    chain: AnswerChain,
    items: Sequence[Item],
    progress: Callable[[str], None] | None = None,
    done: Callable[[Ablation], None] | None = None,
    names: Sequence[str] | None = None,
) -> tuple[Figures, list[Ablation]]:
    """The default figures on ``items``, and one ``Ablation`` per rule of ``ComposerRules`` (or of ``names``);
    ``done`` hears each as it is measured (a long run leaves what it measured)."""
    chain = chain.with_retriever(cast(HybridRetriever, Remembered(chain.retriever)))  # the same searches
    base = evaluate("default", chain, items, progress)
    passed = {r.id for r in base if r.passed and r.split == "dev"}
    answers = {r.id: r.answer for r in base}
    rows = []
    for name in names or ComposerRules.names():
        results: list[ItemResult] = evaluate(name, chain.with_rules(ComposerRules.ablated(name)), items, progress)
        now = {r.id for r in results if r.passed and r.split == "dev"}
        row = Ablation(
            rule=name,
            why=ComposerRules.model_fields[name].description or "",
            figures=set_figures(results),
            gained=sorted(now - passed),
            lost=sorted(passed - now),
            changed=sum(r.answer != answers[r.id] for r in results),
        )
        rows.append(row)
        if done:
            done(row)
    return set_figures(base), rows
