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
from assistant.evaluation.questions import Fact, Harm, Item, WrongLead, in_split, load_question_set
from assistant.evaluation.report import FIGURES, build_summary, write_reports
from assistant.evaluation.runner import ItemResult, by_item_set, evaluate, metrics, score
from assistant.evaluation.scoring import Sentence
from assistant.evaluation.thresholds import load_thresholds, set_shortfalls
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


# --- lead line, wrong-setting lead, padding, paraphrase consistency (issue 17) ------------------


def test_the_lead_line_skips_headings_table_headers_and_markers() -> None:
    assert scoring.lead_line("## Tocilizumab\n\n- Give 8 mg/kg IV. [1]\n- Max 800 mg. [2]") == "Give 8 mg/kg IV."
    table = "| Drug | Dose | Population |\n|---|---|---|\n| toci | 12 mg/kg | <30 kg |\n| toci | 8 mg/kg | ≥30 kg |"
    assert scoring.lead_line(table) == "| toci | 12 mg/kg | <30 kg |"
    assert scoring.lead_line("Adults: 8 mg/kg. Children: 12 mg/kg. [1]") == "Adults: 8 mg/kg."
    assert scoring.lead_line("\n[1]\n") == ""


def test_a_wrong_lead_fails_the_item_even_when_every_fact_is_further_down() -> None:
    leads = [WrongLead(pattern=r"12\s*mg/kg", fact="the <30 kg row leads for an adult")]
    adult_first = "- 8 mg/kg for ≥30 kg, max 800 mg. [1]\n- 12 mg/kg for <30 kg. [1]"
    child_first = "- 12 mg/kg for <30 kg. [1]\n- 8 mg/kg for ≥30 kg, max 800 mg. [1]"
    assert scoring.wrong_leads(scoring.lead_line(adult_first), leads) == []
    wrong = scoring.wrong_leads(scoring.lead_line(child_first), leads)
    assert wrong == ["the <30 kg row leads for an adult"]
    points = scoring.score_points(child_first, FACTS, [])
    reasons = scoring.failure_reasons(points, False, False, 1, wrong, padded=(75, 60))
    assert reasons == ["wrong lead: the <30 kg row leads for an adult", "padded: 75 words > 60"]


def test_paraphrase_consistency_counts_groups_whose_items_all_pass() -> None:
    groups = [[True, True, True], [True, False, True], [False, False], [True]]  # the last has no paraphrase
    assert scoring.paraphrase_consistency(groups) == pytest.approx(1 / 3)
    assert scoring.paraphrase_consistency([[True], [False]]) is None


def lead_item(item_id: str, paraphrase_of: str | None = None, split: str = "test") -> Item:
    """An adult tocilizumab item whose <30 kg row must not lead."""
    return Item.model_validate(
        {
            "id": item_id, "question": "adult toci dose?", "category": "dosing", "split": split,
            "class": None if paraphrase_of else "population-weight", "paraphrase_of": paraphrase_of,
            "difficulty": 1, "gold_docs": ["d"], "must_include": [{"pattern": "8 mg/kg", "points": 1, "fact": "8"}],
            "wrong_lead": [{"pattern": "12 mg/kg", "fact": "child row leads"}],
            "abstain": False, "reference": "8 mg/kg",
        }
    )  # fmt: skip


def test_wrong_setting_lead_and_consistency_over_item_results() -> None:
    good, bad = "8 mg/kg for adults. 12 mg/kg under 30 kg.", "12 mg/kg under 30 kg. 8 mg/kg for adults."
    cases = [
        (lead_item("toci"), good),
        (lead_item("toci-p1", "toci"), good),
        (lead_item("toci-p2", "toci"), bad),
        (lead_item("other", split="dev"), good),
        (lead_item("other-p1", "other", split="dev"), good),
    ]
    results = [
        score("hybrid", item, Answer(question="q", query="q", answer=text, abstained=False), ["d"], {"c1"}, 1.0)
        for item, text in cases
    ]
    assert [r.passed for r in results] == [True, True, False, True, True]
    assert results[2].lead == "12 mg/kg under 30 kg." and results[2].reasons == ["wrong lead: child row leads"]
    figures = metrics(results)
    assert figures["wrong_setting_lead"] == pytest.approx(1 / 5)
    assert figures["paraphrase_consistency"] == 0.5  # "toci" fails through its second paraphrase
    sets = by_item_set(results)
    assert {name: m["items"] for name, m in sets.items()} == {"dev": 1, "test": 1, "new": 2, "paraphrases": 3}
    assert sets["paraphrases"]["pass_rate"] == pytest.approx(2 / 3)
    assert (sets["test"]["paraphrase_consistency"], sets["dev"]["paraphrase_consistency"]) == (0.0, 1.0)


def test_a_known_gap_is_reported_in_its_own_set_and_kept_out_of_the_gated_ones() -> None:
    known = lead_item("gap", split="dev").model_copy(update={"known_gap": "the child row still leads"})
    results = [
        score("hybrid", item, Answer(question="q", query="q", answer=text, abstained=False), ["d"], {"c1"}, 1.0)
        for item, text in [(lead_item("ok", split="dev"), "8 mg/kg for adults."), (known, "12 mg/kg under 30 kg.")]
    ]
    sets = by_item_set(results)
    assert {name: m["items"] for name, m in sets.items()} == {"dev": 1, "new": 1, "gaps": 1}
    assert (sets["new"]["pass_rate"], sets["gaps"]["pass_rate"]) == (1.0, 0.0)
    assert metrics(results)["pass_rate"] == 0.5  # the figures over every item still count it


def test_a_known_gap_paraphrase_leaves_its_groups_consistency_in_the_gated_sets() -> None:
    gap = lead_item("ok-p1", "ok", split="dev").model_copy(update={"known_gap": "the child row still leads"})
    cases = [(lead_item("ok", split="dev"), "8 mg/kg for adults."), (gap, "12 mg/kg under 30 kg.")]
    results = [
        score("hybrid", item, Answer(question="q", query="q", answer=text, abstained=False), ["d"], {"c1"}, 1.0)
        for item, text in cases
    ]
    sets = by_item_set(results)
    assert sets["dev"]["paraphrase_consistency"] is None  # the original alone: no group with a paraphrase
    assert sets["gaps"]["paraphrase_consistency"] == 0.0
    assert metrics(results)["paraphrase_consistency"] == 0.0  # the figure over every item keeps the gap


def test_a_test_item_cannot_be_marked_a_known_gap() -> None:
    with pytest.raises(ValueError, match="known_gap is for dev items"):
        Item.model_validate({**lead_item("t").model_dump(by_alias=True), "known_gap": "fails"})


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
    keys = ("abstention_accuracy", "abstention_precision", "abstention_recall")
    assert scoring.ratios((scoring.abstention_parts(*pair) for pair in pairs), keys) == dict.fromkeys(keys, 0.5)
    assert scoring.ratios([scoring.abstention_parts(False, False)], keys)["abstention_recall"] is None


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
    path.write_text(
        "[minimum]\npass_rate = 0.8\n[set.test.minimum]\npass_rate = 0.5\n[set.new.maximum]\nwrong_setting_lead = 0\n"
    )
    known = {k for k, _, _ in FIGURES}
    assert load_thresholds(path, known, scope="set.test").minimum == {"pass_rate": 0.5}
    found = set_shortfalls(path, known, {"base": {"pass_rate": 0.9}, "new": {"wrong_setting_lead": 0.25}})
    assert found == ["new set: wrong_setting_lead = 0.250 is above its threshold 0"]  # test was not run
    path.write_text("[set.train.minimum]\npass_rate = 0.5\n")
    with pytest.raises(UsageError, match=r"\[set.train.minimum\] is not one of"):
        load_thresholds(path, known)
    path.write_text("[minimum]\npass_rat = 0.8\n")
    with pytest.raises(UsageError, match=r"pass_rat in \[minimum\] is not a figure"):
        load_thresholds(path, {k for k, _, _ in FIGURES})


# --- the smoke subset of the real set, and the reports -----------------------------------------


def smoke_ids() -> list[str]:
    """The ids listed in evals/smoke.txt, in order."""
    lines = SMOKE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()[:1] not in ("", "#")]


@pytest.fixture(scope="module")
def smoke_results(chain: AnswerChain) -> list[ItemResult]:
    """The items listed in evals/smoke.txt, answered by the session chain (the default configuration)."""
    items = {item.id: item for item in load_question_set(QA)}
    ids = smoke_ids()
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
    assert page.count('src="data:image/png;base64,') == 4  # configurations, categories, latency, risk–coverage
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


def test_the_real_set_has_a_frozen_test_split_and_keeps_the_smoke_subset_on_dev() -> None:
    items = load_question_set(QA)
    test = in_split(items, "test")
    assert len(test) + len(in_split(items, "dev")) == len(items) == len(in_split(items, None))
    # The 59 originals drawn on 2026-12-02 (evals/SCHEMA.md): moving an item between splits fails here.
    assert len([item for item in test if item.paraphrase_of is None]) == 59
    assert not set(smoke_ids()) & {item.id for item in test}
    with pytest.raises(UsageError, match="--split train: unknown split"):
        in_split(items, "train")


def test_every_test_item_has_two_paraphrases_of_the_same_split() -> None:
    items = load_question_set(QA)
    originals = {item.id for item in in_split(items, "test") if item.paraphrase_of is None}
    paraphrases = [item.paraphrase_of for item in in_split(items, "test") if item.paraphrase_of]
    assert all(paraphrases.count(name) == 2 for name in originals)


def test_a_paraphrase_must_name_an_original_of_its_split(tmp_path: Path) -> None:
    good = BAD_SET.split("  - id: bad-item")[0]
    copy = good.replace("id: ok-item", "id: ok-item-p1\n    paraphrase_of: ok-item")
    path = tmp_path / "set.yaml"
    path.write_text(good + copy.split("items:\n")[1].replace("difficulty", "split: test\n    difficulty"))
    with pytest.raises(UsageError, match=r"item 2 \(ok-item-p1\), field 'paraphrase_of': split test differs"):
        load_question_set(path)
    path.write_text(good + copy.split("items:\n")[1].replace("paraphrase_of: ok-item", "paraphrase_of: nope"))
    with pytest.raises(UsageError, match="'nope' names no item"):
        load_question_set(path)
    path.write_text(good + copy.split("items:\n")[1])
    assert [item.paraphrase_of for item in load_question_set(path)] == [None, "ok-item"]


def test_an_item_without_a_split_is_dev() -> None:
    assert all(item.split == "dev" for item in load_question_set(SAMPLE))


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
