"""`carta eval --ablate`: which items a rule is measured on, when a rule pays, and searches done once."""

from __future__ import annotations

import sys
from typing import Any, cast

import pytest

from assistant.cli import main
from assistant.evaluation.ablation import Ablation, Figures, Remembered, ablation_items
from assistant.evaluation.questions import Item
from assistant.retrieval.retriever import HybridRetriever

BASE: Figures = {
    "dev": {"pass_rate": 0.9, "key_fact_coverage": 0.95, "wrong_setting_lead": 0.02, "abstention_accuracy": 1.0},
    "paraphrases": {"pass_rate": 0.8, "key_fact_coverage": 0.85, "wrong_setting_lead": 0.0, "abstention_accuracy": 1.0},
}


def item(id: str, split: str = "dev", paraphrase_of: str | None = None) -> Item:
    return Item.model_validate(
        {"id": id, "question": "q?", "category": "dosing", "split": split, "paraphrase_of": paraphrase_of,
         "difficulty": 1, "gold_docs": [], "abstain": True, "reference": "r"}
    )  # fmt: skip


def turned_off(**changes: float) -> Ablation:
    """An ablation whose figures are the base's with ``changes`` ('dev__pass_rate': 0.89)."""
    figures = {name: dict(values) for name, values in BASE.items()}
    for key, value in changes.items():
        name, figure = key.split("__")
        figures[name][figure] = value
    return Ablation("r", "why", figures, gained=[], lost=[], changed=0)


def test_rules_are_measured_on_the_dev_split_and_every_paraphrase_never_on_test_originals() -> None:
    items = [item("a"), item("b", "test"), item("c", "test", paraphrase_of="b"), item("d", paraphrase_of="a")]
    assert [i.id for i in ablation_items(items)] == ["a", "c", "d"]
    assert [i.id for i in ablation_items([item("b", "test")])] == ["b"]  # a set with no split: every item


@pytest.mark.parametrize(
    ("changes", "pays"),
    [
        ({}, False),
        ({"dev__pass_rate": 0.91, "paraphrases__pass_rate": 0.81}, False),  # turning it off helps: it goes
        ({"dev__abstention_accuracy": 0.9, "dev__points": 0.1}, False),  # not what decides
        ({"dev__pass_rate": 0.89}, True),
        ({"dev__key_fact_coverage": 0.94}, True),
        ({"paraphrases__pass_rate": 0.79}, True),
        ({"paraphrases__wrong_setting_lead": 0.01}, True),
        ({"dev__wrong_setting_lead": 0.03, "dev__pass_rate": 0.95}, True),
    ],
)
def test_a_rule_pays_when_turning_it_off_costs_a_pass_a_key_fact_or_adds_a_wrong_lead(
    changes: dict[str, float], pays: bool
) -> None:
    assert turned_off(**changes).pays(BASE) is pays


class Counting:
    """A stand-in retriever that counts its searches (what ``Remembered`` must save)."""

    def __init__(self) -> None:
        self.searches = 0
        self.passages: dict[str, Any] = {}

    def search(self, query: str, k: int | None = None) -> Any:
        self.searches += 1
        return (query, k, self.searches)


def test_an_ablation_searches_each_query_once_and_reads_the_rest_through() -> None:
    inner = Counting()
    remembered = Remembered(cast(HybridRetriever, inner))
    first = remembered.search("toci dose")
    assert remembered.search("toci dose") is first and remembered.search("toci dose", 10) != first
    assert inner.searches == 2 and remembered.passages is inner.passages


def test_ablating_a_rule_that_does_not_exist_is_refused_with_the_rule_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["carta", "eval", "--ablate", "--rule", "no_such_rule", "--rule", "ladder"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    error = " ".join(capsys.readouterr().err.split())
    assert "no composer rule named no_such_rule" in error and "ladder" in error
