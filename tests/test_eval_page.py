"""The Evaluation page through Streamlit's AppTest, on two small runs written by the test: it opens on the
latest, filters, grades, drafts a test item into the dev split, and compares with the previous run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SAMPLE, labelled, result, start, write_run
from streamlit.testing.v1 import AppTest

from assistant.evaluation.human import GradeStore
from assistant.evaluation.questions import load_question_set
from assistant.evaluation.runner import ItemResult
from assistant.feedback import Feedback, FeedbackStore
from assistant.settings import Settings

GOLD = "santomasso-2021-asco-crs"


def items(fail: set[str]) -> list[ItemResult]:
    """Six items over two categories; those in ``fail`` fail their key fact."""
    out = []
    for n in range(6):
        item_id = f"{'dosing' if n < 4 else 'grading'}-item-{n}"
        out.append(
            result(
                item_id,
                passed=item_id not in fail,
                category=item_id.split("-")[0],
                split="test" if n == 3 else "dev",
                question=f"tocilizumab dose question {n}?",
                gold_docs=[GOLD],
                gold_ranks={GOLD: 1},
                citations=[{"n": 1, "doc_id": GOLD, "chunk_id": "gone", "title": "ASCO CRS", "section": "S"}],
                facts=[{"fact": "8 mg/kg", "pattern": r"8\s*mg/kg", "points": 3, "found": item_id not in fail}],
                answer="Tocilizumab 8 mg/kg IV. [1]" if item_id not in fail else "Tocilizumab IV. [1]",
            )
        )
    return out


@pytest.fixture
def runs(tmp_path: Path, on_index: Settings) -> Path:
    """evals/out with a previous run (one failure) and a latest run (two failures), and a copy of a set."""
    root = tmp_path / "out"
    write_run(root / "20260101-000000", items({"dosing-item-1"}))
    write_run(root / "20260102-000000", items({"dosing-item-1", "dosing-item-2"}))
    (tmp_path / "qa.yaml").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return root


def page(root: Path) -> AppTest:
    at = start("views/evaluation.py")
    at.text_input(key="eval_root").set_value(str(root)).run()
    at.text_input(key="eval_set").set_value(str(root.parent / "qa.yaml")).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest) -> list[str]:
    """The item ids of the items table (the second dataframe, after the figures)."""
    return list(at.dataframe[1].value["item"])


def test_page_opens_on_the_latest_run_and_filters_items(runs: Path) -> None:
    at = page(runs)
    assert at.selectbox(key="eval_run").value == str(runs / "20260102-000000")
    assert labelled(at.metric, "pass rate").value == "66.7%"
    assert table(at)[:2] == ["dosing-item-1", "dosing-item-2"]  # failures first
    at.multiselect(key="eval_categories").set_value(["dosing"]).run()
    at.multiselect(key="eval_verdicts").set_value(["fail"]).run()
    assert table(at) == ["dosing-item-1", "dosing-item-2"]
    at.toggle(key="eval_changed").set_value(True).run()
    assert table(at) == ["dosing-item-2"]  # the only verdict that changed since the previous run
    at.toggle(key="eval_changed").set_value(False).run()
    at.multiselect(key="eval_verdicts").set_value([]).run()
    at.multiselect(key="eval_splits").set_value(["test"]).run()
    assert table(at) == ["dosing-item-3"]
    at.multiselect(key="eval_splits").set_value([]).run()
    at.text_input(key="eval_search").set_value("question 5").run()
    assert table(at) == []  # category dosing is still chosen
    at.multiselect(key="eval_categories").set_value([]).run()
    assert table(at) == ["grading-item-5"]


def test_grade_three_failed_items_and_draft_one_into_the_dev_split(runs: Path, on_index: Settings) -> None:
    at = page(runs)
    at.multiselect(key="eval_verdicts").set_value(["fail"]).run()
    for item_id, verdict in (("dosing-item-1", "wrong"), ("dosing-item-2", "partial")):
        at.selectbox(key="eval_item").set_value(item_id).run()
        assert any("Tocilizumab IV." in m.value for m in at.markdown)
        assert any("✗ 8 mg/kg (missing)" in m.value for m in at.markdown)
        at.text_input(key="eval_evaluator").set_value("ann")
        at.radio(key=f"verdict-hybrid-{item_id}").set_value(verdict)
        at.text_area(key=f"note-hybrid-{item_id}").set_value("no dose given").run()
        at.button(key=f"save-hybrid-{item_id}").click().run()
        assert not at.exception, at.exception
    at.multiselect(key="eval_verdicts").set_value([]).run()
    at.selectbox(key="eval_item").set_value("dosing-item-0").run()
    at.radio(key="verdict-hybrid-dosing-item-0").set_value("correct").run()
    at.button(key="save-hybrid-dosing-item-0").click().run()
    grades = GradeStore.for_settings(on_index).grades()
    assert sorted((g.item_id, g.verdict, g.evaluator) for g in grades) == [
        ("dosing-item-0", "correct", "ann"),
        ("dosing-item-1", "wrong", "ann"),
        ("dosing-item-2", "partial", "ann"),
    ]
    assert labelled(at.metric, "Answers graded").value == "3"
    assert labelled(at.metric, "Agreement with automatic").value == "100.0%"
    at.multiselect(key="eval_human").set_value(["wrong"]).run()
    assert table(at) == ["dosing-item-1"]

    at.selectbox(key="eval_item").set_value("dosing-item-1").run()
    at.button(key="draft-hybrid-dosing-item-1").click().run()
    draft = at.text_area(key="eval_draft")
    assert "FILL IN" in draft.value and f"gold_docs: [{GOLD}]" in draft.value and "# Note: no dose given" in draft.value
    labelled(at.button, "Save to the dev split").click().run()
    assert any("FILL IN" in e.value for e in at.error)  # refused until filled in
    filled = draft.value.replace("pattern: 'FILL IN'", r"pattern: '8\s*mg/kg'").replace("FILL IN", "8 mg/kg IV")
    at.text_area(key="eval_draft").set_value(filled).run()
    labelled(at.button, "Save to the dev split").click().run()
    assert not at.exception, at.exception
    assert any("dev split" in s.value for s in at.success), [s.value for s in at.success]
    added = load_question_set(runs.parent / "qa.yaml")[-1]
    assert added.question == "tocilizumab dose question 1?" and added.split == "dev" and added.gold_docs == [GOLD]


def test_compare_shows_the_changed_verdict_and_what_differs(runs: Path) -> None:
    at = page(runs)
    assert at.selectbox(key="eval_compare_with").value == str(runs / "20260101-000000")
    deltas = at.dataframe[2].value
    pass_rate = deltas[deltas["figure"] == "pass rate"].iloc[0]
    assert (pass_rate["old"], pass_rate["new"], pass_rate["change"]) == ("83.3%", "66.7%", "-16.7 pp")
    assert pass_rate["95% interval"].startswith("[")
    changed = at.dataframe[3].value
    assert list(changed["item"]) == ["dosing-item-2"] and list(changed["new"]) == ["fail"]
    assert any("Nothing: same commit" in m.value for m in at.markdown)


def test_a_thumbs_down_in_chat_becomes_a_draft_with_its_history(runs: Path, on_index: Settings) -> None:
    history = [{"role": "user", "content": "toci dose for CRS"}, {"role": "assistant", "content": "8 mg/kg [1]"}]
    FeedbackStore.for_settings(on_index).record(
        Feedback("x1", "and in kids?", "toci dose kids", "8 mg/kg [1]", rating=0, comment="no paediatric dose",
                 sources=GOLD, history=json.dumps(history))
    )  # fmt: skip
    at = page(runs)
    at.selectbox(key="eval_feedback_pick").set_value("x1").run()
    at.button(key="eval_feedback_draft").click().run()
    draft = at.text_area(key="eval_draft").value
    assert 'question: "and in kids?"' in draft and 'content: "toci dose for CRS"' in draft
    assert f"gold_docs: [{GOLD}]" in draft and "# Note: no paediatric dose" in draft
