"""The evaluator's workbench without a model: bootstrap intervals, kappa and risk–coverage on hand-checkable
data, human grades in SQLite, drafted test items appended to a set, run folders, and `--compare --check`."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from statistics import fmean

import numpy as np
import pytest
from helpers import SAMPLE, result, write_run

from assistant.cli import main
from assistant.errors import UsageError
from assistant.evaluation.compare import compare_runs, intervals
from assistant.evaluation.drafts import PLACEHOLDER, draft_item, save_draft
from assistant.evaluation.human import GradeStore, HumanGrade, agreement
from assistant.evaluation.questions import load_question_set
from assistant.evaluation.runner import ItemResult, metrics
from assistant.evaluation.runs import Run, list_runs, previous_run, resolve_run
from assistant.evaluation.stats import Interval, cohen_kappa, interval, ratio_draws, resamples, risk_coverage

# --- statistics ---------------------------------------------------------------------------------


def mean_interval(values: list[float], samples: int = 1000, seed: int = 1) -> Interval:
    """The bootstrap interval of a mean, as a comparison computes a figure's."""
    picks = resamples(len(values), samples, seed)
    return interval(fmean(values), ratio_draws(values, [1.0] * len(values), picks))


def test_bootstrap_of_a_constant_has_no_width() -> None:
    assert mean_interval([1.0] * 10) == Interval(1.0, 1.0, 1.0)


def test_bootstrap_interval_of_a_mean_matches_the_normal_approximation_and_is_seeded() -> None:
    # 100 items, 30 of which changed: the mean change is 0.30 and its standard error sqrt(.3 * .7 / 100) = 0.046,
    # so a 95% interval is about 0.30 ± 0.09.
    values = [1.0] * 30 + [0.0] * 70
    first = mean_interval(values, samples=2000)
    assert first.value == pytest.approx(0.30)
    assert first.low == pytest.approx(0.21, abs=0.02) and first.high == pytest.approx(0.39, abs=0.02)
    assert first.excludes_zero
    assert mean_interval(values, samples=2000) == first
    assert mean_interval(values, samples=2000, seed=2) != first


def test_a_resample_whose_figure_cannot_be_measured_is_left_out() -> None:
    # A ratio over [1/1, 0/0]: a resample that draws only the second item has no denominator.
    picks = resamples(2, samples=200)
    draws = ratio_draws([1.0, 0.0], [1.0, 0.0], picks)
    assert set(draws[~np.isnan(draws)]) == {1.0} and np.isnan(draws).any()
    assert interval(1.0, draws) == Interval(1.0, 1.0, 1.0)
    assert interval(None, draws) == Interval(None, None, None)


def test_the_vectorised_bootstrap_recomputes_metrics_on_each_resample() -> None:
    def varied(n: int, shift: int) -> ItemResult:
        return result(
            f"i{n}", passed=(n + shift) % 3 != 0, latency_ms=float((n * 7 + shift) % 50), words=n + shift,
            abstained=(n + shift) % 5 == 0, support=[0.5, 1.0][: 1 + n % 2], numbers=n % 3,
            ungrounded_numbers=["x"] if n % 7 == shift else [], paraphrase_of="i0" if n % 4 == 1 else None,
        )  # fmt: skip

    pairs = [(varied(n, 0), varied(n, 1)) for n in range(12)]
    found = intervals(pairs, samples=40, seed=3)
    picks = resamples(len(pairs), 40, 3)
    for key, got in found.items():
        naive = []
        for row in picks:
            old, new = metrics([pairs[i][0] for i in row])[key], metrics([pairs[i][1] for i in row])[key]
            if old is not None and new is not None:
                naive.append(new - old)
        expected = interval(got.value, naive)
        assert (got.low, got.high) == (pytest.approx(expected.low), pytest.approx(expected.high)), key


def test_cohen_kappa_by_hand() -> None:
    # 10 items; raters agree on 7 (4 yes-yes, 3 no-no). Rater A: 6 yes, 4 no; rater B: 5 yes, 5 no.
    # observed 0.7; expected 0.6*0.5 + 0.4*0.5 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4.
    pairs = [("y", "y")] * 4 + [("n", "n")] * 3 + [("y", "n")] * 2 + [("n", "y")]
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([("y", "y"), ("n", "n")]) == 1.0
    assert cohen_kappa([("y", "y"), ("y", "y")]) is None  # chance agreement is already total
    assert cohen_kappa([]) is None


def test_risk_coverage_by_hand() -> None:
    # (top similarity, answered, failed): 5 items, one abstained in the run.
    outcomes = [(0.2, True, True), (0.4, True, False), (0.4, True, True), (0.8, True, False), (0.1, False, False)]
    curve = [(p.threshold, p.coverage, p.risk) for p in risk_coverage(outcomes)]
    assert curve[0] == (0.2, 0.8, 0.5)  # 4 of 5 answered, 2 of them failed
    assert curve[1] == (0.4, 0.6, pytest.approx(1 / 3))  # the 0.2 answer abstains
    assert curve[2] == (0.8, 0.2, 0.0)
    assert curve[3][1:] == (0.0, None)  # above every similarity nothing is answered
    assert risk_coverage([]) == []


# --- human grades -------------------------------------------------------------------------------


def test_grades_are_kept_per_answer_and_agreement_is_reported(tmp_path: Path) -> None:
    store = GradeStore(tmp_path / "feedback.sqlite3")
    results = [result("a"), result("b", passed=False), result("c")]
    for evaluator, verdicts in (("ann", ("correct", "wrong", "wrong")), ("bob", ("correct", "partial", "correct"))):
        for r, verdict in zip(results, verdicts, strict=True):
            store.record(HumanGrade(r.id, r.answer_hash, "v1", evaluator, verdict, note=f"{evaluator} on {r.id}"))
    store.record(HumanGrade("a", "h-a", "v1", "ann", "partial", note="changed my mind"))  # replaces ann's grade
    grades = store.grades()
    assert len(grades) == 6
    assert next(g for g in grades if (g.item_id, g.evaluator) == ("a", "ann")).note == "changed my mind"
    figures = agreement(results, grades, "v1")
    # automatic: pass, fail, pass. ann: fail, fail, fail (2 disagree); bob: pass, fail, pass (all agree).
    assert (figures["graded"], figures["grades"], figures["evaluators"]) == (3, 6, ["ann", "bob"])
    assert figures["agreement"] == pytest.approx(4 / 6)
    assert figures["kappa_evaluators_answers"] == 3 and figures["kappa_evaluators"] is not None
    assert agreement(results, grades, "v2")["graded"] == 0  # another corpus version: the grades lapse
    changed = [replace(results[0], answer_hash="new")]
    assert agreement(changed, grades, "v1")["graded"] == 0  # another answer: the grades lapse
    with pytest.raises(UsageError, match="verdict must be one of"):
        store.record(HumanGrade("a", "h", "v1", "ann", "fine"))


# --- drafts -------------------------------------------------------------------------------------


def test_a_draft_is_refused_until_filled_in_then_appended_as_written(tmp_path: Path) -> None:
    question_set = tmp_path / "qa.yaml"
    original = SAMPLE.read_text(encoding="utf-8")
    question_set.write_text(original, encoding="utf-8")
    taken = {item.id for item in load_question_set(question_set)}
    draft = draft_item(
        "and the max dose in kids?",
        history=[{"role": "user", "content": "toci dose for CRS"}, {"role": "assistant", "content": "8 mg/kg [1]"}],
        cited_docs=["kymriah-tisa-cel-label", "kymriah-tisa-cel-label"],
        category="dosing",
        source="a thumbs-down in chat",
        note="misses the 12 mg/kg dose",
        taken=taken,
    )
    assert "gold_docs: [kymriah-tisa-cel-label]" in draft and "# Note: misses the 12 mg/kg dose" in draft
    with pytest.raises(UsageError, match=PLACEHOLDER):
        save_draft(question_set, draft, None, "a thumbs-down")
    filled = draft.replace(f"pattern: '{PLACEHOLDER}'", r"pattern: '12\s*mg/kg'").replace(PLACEHOLDER, "12 mg/kg")
    with pytest.raises(UsageError, match="dev split"):
        save_draft(question_set, filled.replace("split: dev", "split: test"), None, "a thumbs-down")
    with pytest.raises(UsageError, match="not an indexed document"):
        save_draft(question_set, filled, {"another-doc"}, "a thumbs-down")
    assert question_set.read_text(encoding="utf-8") == original  # refused drafts leave the file alone
    item = save_draft(question_set, filled, {"kymriah-tisa-cel-label"}, "a thumbs-down")
    assert item.split == "dev" and len(item.history) == 2 and item.id not in taken
    text = question_set.read_text(encoding="utf-8")
    assert text.startswith(original)  # appended: the rest of the file is byte for byte the same
    assert "# Drafted on the Evaluation page (issue 14) from a thumbs-down" in text
    assert load_question_set(question_set)[-1] == item
    with pytest.raises(UsageError, match="used by more than one item"):
        save_draft(question_set, filled, None, "again")


# --- runs and their comparison ------------------------------------------------------------------


def test_runs_are_listed_oldest_first_and_read_back(tmp_path: Path) -> None:
    old = write_run(tmp_path / "20260101-000000", [result("a"), result("b")])
    new = write_run(tmp_path / "20260102-000000", [result("a"), result("b", passed=False)])
    assert list_runs(tmp_path) == [old, new]
    assert previous_run(new) == old and previous_run(old) is None
    assert resolve_run("latest", tmp_path) == new and resolve_run("previous", tmp_path) == old
    run = Run.load(new)
    assert [r.verdict for r in run.results["hybrid"]] == ["pass", "fail"]
    assert run.provenance["corpus_version"] == "v1"
    with pytest.raises(UsageError, match="not an evaluation run"):
        resolve_run(str(tmp_path / "nowhere"))


def test_compare_names_what_differs_and_the_changed_verdicts(tmp_path: Path) -> None:
    ids = [f"i{n}" for n in range(20)]
    old = Run.load(write_run(tmp_path / "old", [result(i) for i in ids]))
    new_results = [result(i, passed=n >= 5) for n, i in enumerate(ids)]
    new = Run.load(write_run(tmp_path / "new", new_results, corpus="v2"))
    comparison = compare_runs(old, new)
    assert "corpus version: v1 → v2" in comparison.differences
    assert [(c.id, c.old, c.new) for c in comparison.changes] == [(i, "pass", "fail") for i in ids[:5]]
    pass_rate = next(f for f in comparison.figures if f.key == "pass_rate")
    assert (pass_rate.old, pass_rate.new) == (1.0, 0.75)
    assert pass_rate.change.value == pytest.approx(-0.25)
    assert pass_rate.change.low < -0.25 < pass_rate.change.high < 0  # a real drop: the interval excludes 0


def run_carta(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["carta", *args])
    with pytest.raises(SystemExit) as done:
        main()
    captured = capsys.readouterr()
    return int(done.value.code or 0), " ".join((captured.out + captured.err).split())


def test_compare_check_exits_1_when_a_gated_figure_fell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [f"i{n}" for n in range(10)]
    old = write_run(tmp_path / "runs" / "20260101-000000", [result(i) for i in ids])
    new = write_run(tmp_path / "runs" / "20260102-000000", [result(i, passed=i != "i3") for i in ids])
    gates = tmp_path / "thresholds.toml"
    gates.write_text("[minimum]\npass_rate = 0.5\nrecall_at_5 = 0.5\n", encoding="utf-8")
    args = ["eval", "--compare", str(old), str(new), "--thresholds", str(gates)]
    code, out = run_carta(monkeypatch, capsys, *args)
    assert code == 0 and "i3 (dosing): pass → fail" in out
    code, out = run_carta(monkeypatch, capsys, *args, "--check")
    assert code == 1
    assert "gated figure fell: pass_rate 100.0% → 90.0% (-10.0 pp" in out
    assert "recall_at_5" not in out.split("gated figure fell")[-1]  # unchanged figures did not fall
    code, out = run_carta(monkeypatch, capsys, *args[:2], str(new), str(new), *args[4:], "--check")
    assert code == 0 and "no gated hybrid figure fell" in out
    code, out = run_carta(
        monkeypatch, capsys, "eval", "--compare", "previous", "latest", "--runs", str(tmp_path / "runs")
    )
    assert code == 0 and "i3 (dosing): pass → fail" in out
    summary = json.loads((new / "summary.json").read_text(encoding="utf-8"))
    assert summary["human"]["graded"] == 0
