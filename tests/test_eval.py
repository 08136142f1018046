"""`carta eval`: scoring functions on hand-checkable inputs, a smoke subset of evals/qa.yaml held to
evals/thresholds.toml, the reports, and a bad question set refused with exit 2."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
from helpers import REPO, make_passage

from assistant.answer import Answer
from assistant.answering.chain import AnswerChain
from assistant.answering.prompts import LLM_FALLBACK_NOTICE
from assistant.cli import main
from assistant.errors import UsageError
from assistant.evaluation import scoring
from assistant.evaluation.questions import Fact, Harm, Item, load_question_set
from assistant.evaluation.report import FIGURES, build_summary, write_reports
from assistant.evaluation.runner import ItemResult, evaluate, metrics, score
from assistant.evaluation.scoring import Sentence
from assistant.evaluation.thresholds import load_thresholds
from assistant.passage import Passage
from assistant.settings import Settings
from assistant.stats import percentile

QA = REPO / "evals" / "qa.yaml"
SAMPLE = REPO / "tests" / "data" / "qa-sample.yaml"
THRESHOLDS = REPO / "evals" / "thresholds.toml"
SMOKE = REPO / "evals" / "smoke.txt"


def passage(text: str, n: int = 1) -> Passage:
    return make_passage(text, "d", n=n, section="S", title="T", doc_type="label")


# --- retrieval metrics -------------------------------------------------------------------------


def test_chunks_reduce_to_documents_in_rank_order() -> None:
    assert scoring.document_ranking(["a", "a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_recall_mrr_ndcg_on_a_tiny_ranking() -> None:
    ranked, gold = ["a", "b", "c", "d"], {"b", "d"}
    assert scoring.recall_at(ranked, gold, 1) == 0.0
    assert scoring.recall_at(ranked, gold, 2) == 0.5
    assert scoring.recall_at(ranked, gold, 5) == 1.0
    assert scoring.recall_at(["b"], {"b", "x", "y"}, 1) == 1.0  # capped: one gold doc fills top-1
    assert scoring.reciprocal_rank(ranked, gold) == 0.5
    assert scoring.reciprocal_rank(ranked, {"z"}) == 0.0
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert scoring.ndcg_at(ranked, gold, 10) == pytest.approx(expected)
    assert scoring.ndcg_at(["b", "d"], gold, 10) == pytest.approx(1.0)


# --- rubric ------------------------------------------------------------------------------------

FACTS = [
    Fact(pattern=r"8\s*mg/kg", points=3, fact="8 mg/kg"),
    Fact(pattern=r"800\s*mg", points=2, fact="800 mg max"),
]
HARMS = [Harm(pattern=r"12\s*mg/kg.{0,20}adult", points=-5, fact="child dose for adults")]


def test_points_grade_and_pass() -> None:
    half = scoring.score_points("Tocilizumab 8 mg/kg IV.", FACTS, HARMS)
    assert (half.scored, half.possible, half.missed) == (3, 5, ("800 mg max",))
    assert half.key_fact_coverage == 0.5
    reasons = scoring.failure_reasons(half, abstained=False, abstain=False, citations=1)
    assert reasons == ["missing fact: 800 mg max"]
    assert scoring.grade(scoring.points_fraction(half, passed=False)) == "C"  # 3/5 = 0.6

    harmful = scoring.score_points("8 mg/kg, max 800 mg; 12 mg/kg in an adult", FACTS, HARMS)
    assert harmful.scored == 0  # 5 - 5, floored at 0
    assert scoring.failure_reasons(harmful, False, False, 1) == ["wrong statement: child dose for adults"]

    full = scoring.score_points("8 mg/kg up to 800 mg", FACTS, HARMS)
    assert scoring.failure_reasons(full, False, False, 1) == []
    assert scoring.grade(scoring.points_fraction(full, passed=True)) == "A"
    assert [scoring.grade(f) for f in (0.9, 0.75, 0.6, 0.4, 0.39)] == ["A", "B", "C", "D", "F"]


def test_abstain_items_pass_only_when_abstaining_without_citations() -> None:
    none = scoring.score_points("anything", [], [])
    assert scoring.failure_reasons(none, abstained=True, abstain=True, citations=0) == []
    assert scoring.points_fraction(none, passed=True) == 1.0
    answered = scoring.failure_reasons(none, abstained=False, abstain=True, citations=2)
    assert answered == ["answered, but should have abstained", "cites 2 source(s) while it should abstain"]
    assert scoring.points_fraction(none, passed=False) == 0.0


# --- citations ---------------------------------------------------------------------------------


def test_sentences_take_the_markers_that_follow_them() -> None:
    answer = (
        "- Give 8 mg/kg. Repeat every 8 h. [1]\n- Max 800 mg. [1][2]\n\n"
        "| Drug | Dose | Source |\n|---|---|---|\n| toci | 8 mg/kg | [2] |\nTrailing note."
    )
    assert scoring.sentences(answer) == [
        Sentence("Give 8 mg/kg.", (1,)),
        Sentence("Repeat every 8 h.", (1,)),
        Sentence("Max 800 mg.", (1, 2)),
        Sentence("toci | 8 mg/kg", (2,)),
        Sentence("Trailing note.", ()),
    ]


def test_number_grounding_catches_an_invented_number() -> None:
    cited = {1: passage("Tocilizumab 8 mg/kg IV, maximum 800 mg per dose.")}
    answer = "- Tocilizumab 8 mg/kg. [1]\n- Maximum 900 mg per dose. [1]\n- Repeat after 8 h."
    total, missing = scoring.ungrounded_numbers(scoring.sentences(answer), cited)
    assert total == 3
    assert [m.split(" in: ")[0] for m in missing] == ["'900 mg'", "'8 h'"]  # invented; uncited


def test_number_grounding_uses_the_verifiers_normalisation() -> None:
    cited = {1: passage("Up to 1,000 mg daily.")}
    assert scoring.ungrounded_numbers(scoring.sentences("Give 1000mg daily. [1]"), cited) == (1, [])


def test_citation_validity_catches_a_dangling_marker_and_an_unknown_chunk() -> None:
    answer = "Dose 8 mg/kg. [1] Max 800 mg. [3]"
    assert scoring.citation_problems(answer, {1: "c1"}, {"c1"}) == ["[3] resolves to no citation"]
    assert scoring.citation_problems("Dose. [1]", {1: "gone"}, {"c1"}) == [
        "citation [1] is chunk gone, which is not indexed"
    ]
    assert scoring.citation_problems("Dose. [1]", {1: "c1"}, {"c1"}) == []


def test_token_overlap_support() -> None:
    cited = {1: passage("Tocilizumab is given for CRS.")}
    found = scoring.sentences("Tocilizumab given for CRS. [1]\nSiltuximab blocks IL-6.")
    assert scoring.token_overlap_support(found, cited) == [1.0, 0.0]


# --- abstention, length, latency ---------------------------------------------------------------


def test_abstention_scores() -> None:
    # (should abstain, did abstain): one hit, one false alarm, one miss, one correct answer.
    pairs = [(True, True), (False, True), (True, False), (False, False)]
    assert scoring.abstention_scores(pairs) == {
        "abstention_accuracy": 0.5,
        "abstention_precision": 0.5,
        "abstention_recall": 0.5,
    }
    assert scoring.abstention_scores([(False, False)])["abstention_recall"] is None


def test_answer_words_leave_out_tables_and_markers() -> None:
    answer = "- Tocilizumab: 8 mg/kg IV. [1]\n\n| Drug | Dose |\n|---|---|\n| toci | 8 mg/kg |"
    assert scoring.answer_words(answer) == 4


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile([], 95) is None


def test_an_answer_the_llm_did_not_give_counts_as_a_fallback() -> None:
    item = Item(
        id="toci-dose", question="toci dose?", category="dosing", difficulty=1, gold_docs=["d"],
        must_include=[Fact(pattern="8 mg/kg", points=1, fact="8 mg/kg")], abstain=False, reference="8 mg/kg",
    )  # fmt: skip
    told = [[LLM_FALLBACK_NOTICE.format(reason="ReadTimeout")], []]
    answers = [
        Answer(question="toci dose?", query="toci dose?", answer="8 mg/kg.", abstained=False, notices=n) for n in told
    ]
    results = [score("llm", item, answer, ["d"], {"c1"}, 1.0) for answer in answers]
    assert [r.fallback for r in results] == [True, False]
    assert results[0].notices == told[0] and "extractive fallback" in results[0].flags[-1]
    assert metrics(results)["fallback_rate"] == 0.5


def test_reports_name_every_figure_that_metrics_computes() -> None:
    assert {key for key, _, _ in FIGURES} == set(metrics([])) - {"items"}


# --- thresholds --------------------------------------------------------------------------------


def test_thresholds_report_each_figure_on_the_wrong_side(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[minimum]\npass_rate = 0.8\nrecall_at_5 = 0.5\n[maximum]\nlatency_p95_ms = 100\n")
    gates = load_thresholds(path, {k for k, _, _ in FIGURES})
    found = gates.shortfalls({"pass_rate": 0.7, "recall_at_5": 0.9, "latency_p95_ms": 150.0})
    assert found == [
        "pass_rate = 0.700 is below its threshold 0.8",
        "latency_p95_ms = 150.000 is above its threshold 100",
    ]
    path.write_text("[minimum]\npass_rate = 0.8\n[smoke.minimum]\npass_rate = 0.9\n")
    assert load_thresholds(path, {k for k, _, _ in FIGURES}, scope="smoke").minimum == {"pass_rate": 0.9}
    path.write_text("[minimum]\npass_rat = 0.8\n")
    with pytest.raises(UsageError, match=r"pass_rat in \[minimum\] is not a figure"):
        load_thresholds(path, {k for k, _, _ in FIGURES})


# --- the smoke subset of the real set, and the reports -----------------------------------------


@pytest.fixture(scope="module")
def smoke_results(chain: AnswerChain) -> list[ItemResult]:
    """The items listed in evals/smoke.txt, answered by the session chain (the default configuration)."""
    items = {item.id: item for item in load_question_set(QA)}
    ids = [line.strip() for line in SMOKE.read_text(encoding="utf-8").splitlines() if line.strip()[:1] not in ("", "#")]
    unknown = [i for i in ids if i not in items]
    assert not unknown, f"evals/smoke.txt names items that evals/qa.yaml lacks: {unknown}"
    return evaluate("hybrid", chain, [items[i] for i in ids])


def test_smoke_subset_meets_its_thresholds(smoke_results: list[ItemResult]) -> None:
    gates = load_thresholds(THRESHOLDS, {key for key, _, _ in FIGURES}, scope="smoke")
    assert gates.minimum and not gates.maximum  # quality gates only: tests assert no timings
    shortfalls = gates.shortfalls(metrics(smoke_results))
    failed = [f"{r.id}: {'; '.join(r.reasons)}" for r in smoke_results if not r.passed]
    assert not shortfalls, "\n".join([*shortfalls, "failed items:", *failed])


def test_reports_are_self_contained_and_list_failures_first(smoke_results: list[ItemResult], tmp_path: Path) -> None:
    results = {"hybrid": smoke_results}
    results_path, summary_path, md_path, html_path = write_reports(
        tmp_path, build_summary(QA, results, runtime_s=1.0), results
    )
    rows = [json.loads(line) for line in results_path.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [r.id for r in smoke_results]
    assert all({"answer", "citations", "reasons", "grade", "recall_at_5"} <= row.keys() for row in rows)
    assert json.loads(summary_path.read_text(encoding="utf-8"))["configs"]["hybrid"]["metrics"]["items"] == len(rows)
    page = html_path.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 3
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    report = md_path.read_text(encoding="utf-8")
    failed = [r for r in smoke_results if not r.passed]
    if failed:
        assert report.index(f"`{failed[0].id}`") < report.index("## Passed items")
        assert failed[0].reasons[0] in report


# --- the question set and the command ----------------------------------------------------------


def test_sample_set_loads() -> None:
    items = load_question_set(SAMPLE)
    assert len(items) >= 5 and any(i.abstain for i in items) and any(i.history for i in items)


BAD_SET = """version: 1
items:
  - id: ok-item
    question: "What dose of tocilizumab?"
    category: dosing
    difficulty: 1
    gold_docs: [santomasso-2021-asco-crs]
    must_include: [{pattern: '8 mg/kg', points: 3, fact: "8 mg/kg"}]
    abstain: false
    reference: "8 mg/kg"
  - id: bad-item
    question: "What dose?"
    category: dosage
    difficulty: 1
    gold_docs: [santomasso-2021-asco-crs]
    must_include: [{pattern: '8 (mg', points: 3, fact: "8 mg/kg"}]
    abstain: false
    reference: "8 mg/kg"
"""


def run_carta(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the `carta` entry point in-process; returns its exit code and stderr with wrapping undone."""
    monkeypatch.setattr(sys, "argv", ["carta", *args])
    with pytest.raises(SystemExit) as done:
        main()
    return int(done.value.code or 0), " ".join(capsys.readouterr().err.split())


def test_a_bad_set_exits_2_naming_item_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SET, encoding="utf-8")
    code, err = run_carta(monkeypatch, capsys, "eval", "--set", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "item 2 (bad-item), field 'category'" in err
    assert "item 2 (bad-item), field 'must_include[0].pattern': not a valid regular expression" in err
    assert "ok-item" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_check_exits_1_naming_the_figure_below_its_gate(
    corpus_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = tmp_path / "thresholds.toml"
    gates.write_text("[minimum]\npass_rate = 1.01\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["--set", str(SAMPLE), "--out", str(out), "--limit", "3", "--check", "--thresholds", str(gates)]
    args += ["--config", "hybrid", "--config", "naive-rag", "--data-dir", str(corpus_index.data_dir)]
    code, err = run_carta(monkeypatch, capsys, "eval", *args)
    assert code == 1
    assert "pass_rate" in err and "below its threshold 1.01" in err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert list(summary["configs"]) == ["hybrid", "naive-rag"] and summary["items"] == 3
    assert summary["check"]["shortfalls"]
