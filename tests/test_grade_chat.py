"""Chat questions with findings are graded by the scale: the cited first line, the rules, the management, and
follow-ups that change a finding. Over the session's real index and chain; the reader's own cases too."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.answer import Answer
from assistant.answering.chain import AnswerChain
from assistant.grading.chat import MANAGEMENT_HEADING, given_drugs, is_graded
from assistant.grading.findings import asks_grade, read


def first_line(answer: Answer) -> str:
    return answer.answer.splitlines()[0]


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        ("fever 39.2, norepi 0.05, 2 L NC, grade?", "Grade 3 CRS"),
        ("CRS pt needs HFNC 10 L/min but no pressors — grade?", "Grade 3 CRS"),
        ("T 101.8F, hypotensive but fluid responsive, RA. CRS grade?", "Grade 2 CRS"),
        ("ICE 5/10, wakes to voice, no sz, no weakness, no edema on CT. ICANS grade?", "Grade 2 ICANS"),
        ("ICE 0 but she's awake, just globally aphasic — G3 or G4 ICANS?", "grade 3 ICANS"),
        ("plts <20 for 16 days in the first month post CAR-T — T-ICAHT grade?", "Grade 4 ICAHT"),
        ("7yo CAPD 10 — ICANS grade?", "grade 3 ICANS (ASTCT, CAPD)"),  # a CAPD scale crashed the chat,
    ],
)
def test_a_question_with_findings_leads_with_the_computed_grade(chain: AnswerChain, question: str, lead: str) -> None:
    answer = chain.invoke(question)
    assert is_graded(answer) and not answer.abstained
    assert lead in first_line(answer), answer.answer
    first = answer.citations[0]
    assert first.n == 1 and "[1]" in first_line(answer)
    assert first.doc_id in {
        "lee-2019-astct-grading",
        "lee-2019-astct-pediatric-icans-capd",
        "ash-t-icaht-platelet-grading",
    }
    assert all(c.chunk_id in chain.retriever.passages for c in answer.citations)


def test_management_at_that_grade_follows_the_grade(chain: AnswerChain) -> None:
    answer = chain.invoke("febrile, on norepi alone, 2L NC. what grade CRS?")
    assert MANAGEMENT_HEADING in answer.answer
    management = answer.answer.split(MANAGEMENT_HEADING, 1)[1]
    assert ("grade 3 CRS" in management and "[3]" in management) or "[4]" in management
    assert answer.verification.removed == 0


def test_missing_findings_are_stated(chain: AnswerChain) -> None:
    answer = chain.invoke("febrile, needs 2 L NC, CRS grade?")
    assert first_line(answer).startswith("**At least grade 2 CRS")
    assert "not given: vasopressors" in first_line(answer)


def test_a_follow_up_that_changes_a_finding_regrades(chain: AnswerChain) -> None:
    question = "fever 39.2, norepi 0.05, 2 L NC, grade?"
    before = chain.invoke(question)
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": before.answer}]
    after = chain.invoke("and if she needs BiPAP?", history)
    assert "Grade 4 CRS" in first_line(after) and "positive pressure" in first_line(after)
    streamed = list(chain.stream("and if she needs BiPAP?", history))
    assert isinstance(streamed[-1], Answer) and first_line(streamed[-1]) == first_line(after)


def test_a_scale_the_corpus_lacks_refuses_in_one_line(chain: AnswerChain) -> None:
    answer = chain.invoke("ANC 300 for 10 days, day +12, ICAHT grade?")
    assert answer.abstained and not answer.citations
    assert "Rejeski 2023" in answer.answer and "\n" not in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "tocilizumab dose for grade 2 CRS",
        "what makes CRS grade 4 under ASTCT?",
        "does tremor bump the ICANS grade?",
        "SITC — still need fever to grade CRS once toci's been given?",  # what a grade requires: about the scale
        "fever still needed for CRS grade once steroids given?",
        "does fever have to be present to grade CRS after toci?",
        "per SITC, does CRS grading still need a fever after tocilizumab?",  # the grading first, what it needs after
    ],
)
def test_questions_without_findings_are_answered_as_before(chain: AnswerChain, question: str) -> None:
    assert not is_graded(chain.invoke(question))


def test_a_patient_who_needs_support_is_still_graded(chain: AnswerChain) -> None:
    assert is_graded(chain.invoke("pt needs 2 pressors and bipap, what grade?"))


PHRASES = ["fever 39.2", "norepi 0.05", "2 L NC", "hypotensive", "vasopressin"]


@settings(max_examples=40, deadline=None)
@given(st.permutations(PHRASES), st.integers(2, len(PHRASES)))
def test_the_order_findings_are_written_in_does_not_change_what_is_read(order: list[str], size: int) -> None:
    chosen = [p for p in PHRASES if p in order[:size]]
    assert read(", ".join(order[:size]) + ", grade?").values == read(", ".join(chosen) + ", grade?").values


def test_the_reader_on_bedside_phrasings() -> None:
    cases = {
        "T 102.5F, SBP 84 on levophed + vaso, 4L nc - grade?": {
            "temp_c": 39.2, "sbp": 84.0, "vasopressors": 1, "vasopressin": True, "oxygen_lpm": 4.0,
            "device": "nasal cannula"},
        "got toci, now afebrile but still on 1 pressor. do I still grade it as CRS w/o fever?": {
            "fever": False, "treated": True, "vasopressors": 1},
        "fever gone after toci but still needs a pressor — still CRS? grade?": {
            "fever": False, "treated": True, "vasopressors": 1},
        "fever gone since toci but still needs norepi — what CRS grade is that?": {  # given since, or following it
            "fever": False, "treated": True, "vasopressors": 1},
        "afebrile following tocilizumab, SBP 85 — CRS?": {"fever": False, "treated": True, "sbp": 85.0},
        "T 39, SBP 80 on levo — CRS grade?": {"temp_c": 39.0, "sbp": 80.0, "vasopressors": 1},  # Levophed
        "temp 38.5, SBP 85 on 2 pressors incl vaso, 4L NC — grade?": {  # vasopressin is one of the two
            "temp_c": 38.5, "sbp": 85.0, "vasopressors": 1, "vasopressin": True, "oxygen_lpm": 4.0,
            "device": "nasal cannula"},
        "single GTC sz that stopped on its own in <1 min — what ICANS grade? and if it's status?": {
            "seizure": "rapid"},
        # One platelet count with no duration is one test ("plt 15 day 12"): one day below 20 in the early phase.
        "plt 15 day 12 post car-t, T-ICAHT grade?": {"counts": (15.0,), "day": 12},
        # Asking whether the findings are the toxicity at all asks the grade too.
        "no fever but hypotensive day 3 post car-t — could it still be CRS?": {"fever": False, "hypotension": True},
        "afebrile on tylenol, SBP 80 — is this CRS?": {"fever": False, "treated": True, "sbp": 80.0},
        "ICE 9/10 with mild word-finding difficulty — ICANS?": {"ice": 9},  # the toxicity's name alone asks it too
        # No fever and no treatment said other ways; low pressure without the word, and fluids that corrected it.
        "normothermic, on 1 pressor, never got toci or steroids — CRS grade?": {
            "fever": False, "treated": False, "vasopressors": 1},
        "temps normal all day, needs 4L NC, no toci yet — CRS grade?": {
            "fever": False, "treated": False, "oxygen_lpm": 4.0, "device": "nasal cannula"},
        "T 38.6, soft BP that came up with a bolus, room air — CRS grade?": {
            "temp_c": 38.6, "vasopressors": 0, "hypotension": True, "device": "none"},
        "temp 39, BP low but fixed w/ fluid bolus — CRS grade?": {
            "temp_c": 39.0, "vasopressors": 0, "hypotension": True},
        "platelets <20 on day 40 — T-ICAHT grade?": {"counts": (19.0,), "day": 40},
        # ... and one neutrophil count is one test too: the N-ICAHT grade is asked, whose thresholds Carta lacks.
        "ICAHT grade for ANC 300 at day 10?": {"lineage": "neutrophils", "counts": (300.0,), "day": 10},
    }  # fmt: skip
    for question, values in cases.items():
        assert read(question).values == values, question
    assert all(asks_grade(q) for q in cases)
    assert not any(asks_grade(q) for q in ("toci dose for grade 2 CRS?", "manage grade 3 ICANS"))
    assert list(itertools.islice(read("and if she needs BiPAP?").values.items(), 1)) == [("device", "bipap")]
    # Weakness on one side is deep focal motor weakness, however it is typed; denied, it is none.
    assert read("awake, ICE 7, new left-sided weakness — ICANS gr?").values.get("motor") == "weakness"
    assert read("ICE 7, no left-sided weakness, ICANS grade?").values.get("motor") != "weakness"
    assert read("ICE 0 and can't be roused, EEG no seizures. grade?").values.get("consciousness") == "unarousable"
    assert read("won't wake, ICE 0 — ICANS grade?").values.get("consciousness") == "unarousable"
    # Papilledema as it is seen at the bedside: swollen optic discs are raised intracranial pressure.
    assert read("optic disc swelling on exam after CAR-T — ICANS grade?").values.get("edema") == "diffuse"
    assert read("swollen optic discs after axi-cel, ICANS grade?").values.get("edema") == "diffuse"


def test_findings_with_what_to_do_and_no_grade_are_graded_first() -> None:
    from assistant.grading.chat import findings_to_act_on

    assert findings_to_act_on("CRS on norepi + epi and BiPAP, what now") == (
        "crs",
        {"vasopressors": 2, "device": "bipap"},
        [],
    )
    assert findings_to_act_on("gr4 CRS on 2 pressors + BiPAP what do we do") is None  # the grade is named
    assert findings_to_act_on("CRS on norepi + epi and BiPAP") is None  # asks nothing to do
    assert findings_to_act_on("CRS not improving after 1st toci — next?") is None  # a treatment given is no finding


def test_a_grade_asked_gets_the_lead_line_on_what_to_do_and_what_to_do_gets_more(chain: AnswerChain) -> None:
    def management(question: str) -> list[str]:
        part = chain.invoke(question).answer.split(MANAGEMENT_HEADING, 1)[1]
        return [line for line in part.splitlines() if line.strip()]

    assert len(management("ICE 4, wakes to voice. ICANS gr?")) == chain.extractive.rules.graded_management
    assert len(management("ICE 4, wakes to voice, no CRS. what do we do?")) > chain.extractive.rules.graded_management


def test_another_findings_criterion_is_written_as_its_grade_not_as_a_raw_table_row(chain: AnswerChain) -> None:
    """A seizure sets grade 3; the ICE 6 beside it meets the grade 2 row, which is said as "Grade 2 (ICE score)"."""
    answer = chain.invoke("ICE 6 + a seizure that stopped by itself — ICANS gr?")
    assert "Grade 2 (ICE score): ICE 3–6" in answer.answer
    assert not any(line.startswith("- |") for line in answer.answer.splitlines())


def test_what_to_do_at_a_grade_from_findings_is_what_the_grade_asked_directly_gets(chain: AnswerChain) -> None:
    """'CRS on norepi + epi and BiPAP, what now' is grade 4: its management part is the answer to 'grade 4 CRS:
    what do we do?', led by ASCO's methylprednisolone regimen, not by lines on how a source says CRS is managed."""
    part = chain.invoke("CRS on norepi + epi and BiPAP, what now").answer.split(MANAGEMENT_HEADING, 1)[1]
    assert "500 mg IV every 12 h" in part


def test_what_next_after_the_drugs_already_given_is_the_next_step_not_the_first_again(chain: AnswerChain) -> None:
    """One vasopressor is grade 3 CRS; after toci and dex 10 mg q6h, the management part is the step after them."""
    assert given_drugs("got toci x2 and dex 10 q6, still on 1 pressor — next?") == ["tocilizumab", "dexamethasone"]
    assert not given_drugs("CRS on norepi + epi and BiPAP, what now")  # nothing given: the grade's first step
    assert not given_drugs("on toci, fever 39 — grade?")  # asks no next step
    answer = chain.invoke("got toci x2 and dex 10 q6, still on 1 pressor — next?")
    assert "grade 3 CRS" in first_line(answer)
    part = answer.answer.split(MANAGEMENT_HEADING, 1)[1]
    assert "dexamethasone 10 mg IV every 6 h" not in part and "20 mg" in part
