"""Follow-up questions inherit the drug, product, toxicity and grade of earlier turns."""

from __future__ import annotations

import pytest

from assistant.conversation import Turn, asks_for_more, asks_one_outcome, entities, follow_up, rewrite


def turns(*contents: str) -> list[Turn]:
    """A conversation from its messages, user first, then assistant and user in turn."""
    return [Turn(role="user" if i % 2 == 0 else "assistant", content=text) for i, text in enumerate(contents)]


def test_follow_up_without_an_anchor_carries_the_last_question() -> None:
    history = [Turn(role="user", content="What is the emapalumab dose for primary HLH?")]
    assert rewrite("How high can it be escalated?", history) == (
        "How high can it be escalated? (What is the emapalumab dose for primary HLH?)"
    )


def test_follow_up_of_a_follow_up_carries_the_entities_of_earlier_turns() -> None:
    history = turns("toci dose for grade 2 CRS?", "Tocilizumab 8 mg/kg IV.", "and for kids under 30 kg?", "12 mg/kg.")
    assert rewrite("ok and max doses total?", history) == (
        "ok and max doses total? (and for kids under 30 kg?; tocilizumab; crs; grade 2)"
    )


def test_follow_up_naming_a_grade_replaces_the_old_grade() -> None:
    history = [Turn(role="user", content="grade 3 CRS, what do I give?")]
    assert rewrite("what about grade 4?", history) == "what about grade 4? (grade 4 CRS, what do I give?)"
    # The old grade typed short ("gr2") is replaced too, not carried beside the new one.
    typed = [Turn(role="user", content="gr2 ICANS no CRS, what do we give?")]
    assert rewrite("and if it gets to gr3?", typed) == "and if it gets to gr3? (grade 3 ICANS no CRS, what do we give?)"


def test_follow_up_naming_only_another_toxicity_asks_the_last_question_of_it() -> None:
    history = [Turn(role="user", content="tocilizumab for grade 3 CRS")]
    assert rewrite("And for ICANS?", history) == "And for ICANS? (tocilizumab for grade 3)"
    # "and ICANS?" after a severe-rate question asks the severe rate: what was asked is carried, not only the trial.
    assert follow_up("and ICANS?", turns("FELIX severe CRS %?")) == ("and ICANS?", "FELIX severe %?")


def test_follow_up_asking_something_of_its_own_carries_only_what_it_lacks() -> None:
    question = "ICANS improved to G1 overnight, how do we come off the steroids?"
    assert "dose" not in follow_up(question, turns("G3 ICANS no CRS, steroid dose?"))[1]
    history = [Turn(role="user", content="tocilizumab for grade 3 CRS")]
    assert rewrite("And the dose for ICANS?", history) == "And the dose for ICANS? (tocilizumab; grade 3)"


def test_question_that_names_everything_is_left_alone() -> None:
    history = [Turn(role="user", content="tocilizumab for CRS")]
    question = "What about siltuximab with axi-cel for ICANS?"
    assert rewrite(question, history) == question


def test_latest_turn_wins_and_assistant_turns_are_ignored() -> None:
    history = turns("anakinra for ICANS", "emapalumab is mentioned here", "tocilizumab for grade 3 CRS")
    assert rewrite("and the maximum?", history) == "and the maximum? (tocilizumab for grade 3 CRS)"


def test_a_follow_up_asking_for_an_alternative_carries_the_drug_as_the_one_not_wanted() -> None:
    history = turns("dex dose gr3 ICANS?", "dexamethasone 10 mg IV every 6-12 h")
    assert rewrite("alternative?", history) == "alternative? (instead of dex dose gr3 icans?)"
    assert rewrite("something else?", history) == "something else? (instead of dex dose gr3 icans?)"
    assert rewrite("and the max?", history) == "and the max? (dex dose gr3 ICANS?)"


def test_a_follow_up_asking_the_usual_case_drops_the_patient_condition() -> None:
    history = turns("toci dose adjust for renal failure?", "No source found speaks of renal impairment.")
    usual = "ok, what's the usual dose then?"
    assert rewrite(usual, history) == f"{usual} (toci dose adjust for ?)"
    assert "renal failure" in rewrite("and the max?", history)


def test_entities_recognise_brands_and_grades() -> None:
    assert entities("Yescarta grade 3 ICANS with Actemra") == {
        "toxicity": ["icans"],
        "product": ["axi-cel"],
        "drug": ["tocilizumab"],
        "grade": ["grade 3"],
    }


def test_a_name_inside_a_hyphenated_word_counts_only_before_treated() -> None:
    """ "tisa-cel-treated patients" names tisa-cel; "IL-6" in "anti-IL-6" is no entity of its own."""
    assert entities("22% of tisa-cel-treated patients")["product"] == ["tisa-cel"]
    assert entities("toci-ish anti-IL-6") == {}


def test_a_follow_up_stays_on_the_trial_the_conversation_is_on() -> None:
    """A follow-up ("and neuro?") after a ZUMA-1 question is about ZUMA-1; a turn on another subject ends that."""
    assert follow_up("and neuro?", turns("ZUMA-1 severe CRS rate?")) == ("and neuro?", "ZUMA-1 severe rate?")
    assert follow_up("and neuro?", turns("ZUMA-1 CRS rate?", "13%", "toci dose for CRS?"))[1] == "toci dose for ?"
    assert follow_up("and neuro in ZUMA-2?", turns("ZUMA-1 severe CRS rate?"))[1] == ""
    # ... and one after a real-world question stays on real-world data, in whatever spelling it was asked.
    assert follow_up("ICANS rate?", turns("real world cilta-cel CRS rate?"))[1] == "real-world; cilta-cel"
    assert follow_up("ICANS rate in CARTITUDE-1?", turns("real-world cilta-cel CRS rate?"))[1] == "cilta-cel"
    # ... and on the trial's numbered part, typed after its name: cohort 6 is not the pivotal cohort.
    cohort = follow_up("and ICANS in that cohort?", turns("zuma-1 cohort 6 — severe CRS with the ppx dex?"))[1]
    assert cohort.startswith("zuma-1 cohort 6")
    assert follow_up("and neuro?", turns("ZUMA-1, cohort 4: severe CRS?"))[1].startswith("ZUMA-1, cohort 4")


def test_follow_up_separates_the_question_from_what_it_carried() -> None:
    history = [Turn(role="user", content="tocilizumab for grade 3 CRS")]
    assert follow_up("And for ICANS?", history) == ("And for ICANS?", "tocilizumab for grade 3")
    assert rewrite("And for ICANS?", history) == "And for ICANS? (tocilizumab for grade 3)"
    assert follow_up("dose of tocilizumab?", []) == ("dose of tocilizumab?", "")


def test_a_users_own_brackets_are_not_taken_for_carried_text() -> None:
    """A follow-up that names its own drug, product and toxicity carries nothing, brackets or not."""
    history = [Turn(role="user", content="siltuximab for CRS")]
    question = "tocilizumab for axi-cel CRS (adults over 30 kg)?"
    assert follow_up(question, history) == (question, "")
    assert rewrite(question, history) == question


def test_asking_for_more_searches_again_with_the_question_it_continues() -> None:
    history = turns("tocilizumab for grade 3 CRS", "...", "And for ICANS?", "...")
    assert asks_for_more("tell me more", history) and asks_for_more("What else?", history)
    assert rewrite("tell me more", history) == "And for ICANS? (tocilizumab for grade 3)"
    # "more" after "more" still continues the last real question
    assert rewrite("more", [*history, *turns("more", "...")]) == "And for ICANS? (tocilizumab for grade 3)"
    assert not asks_for_more("tell me more", [])
    assert not asks_for_more("more tocilizumab for ICANS?", history)  # a question of its own


def test_a_follow_up_naming_another_outcome_replaces_what_the_last_question_measured() -> None:
    """ "ORR?" after "ZUMA-2 gr3+ CRS?" asks ZUMA-2's response rate: neither the CRS nor its grade is carried,
    from that turn or an earlier one; "and OS?" after "TRANSFORM EFS?" drops the EFS. An outcome asked again,
    or a follow-up naming none, carries the last question whole."""
    assert follow_up("ORR?", turns("ZUMA-2 gr3+ CRS?")) == ("ORR?", "ZUMA-2 ?")
    assert follow_up("response rate?", turns("ZUMA-2 gr3+ CRS?"))[1] == "ZUMA-2 ?"  # the ORR, as typed at the bedside
    assert follow_up("and OS?", turns("TRANSFORM EFS?")) == ("and OS?", "TRANSFORM ?")
    assert follow_up("infections?", turns("JULIET any-grade CRS?")) == ("infections?", "JULIET ?")
    assert follow_up("PFS?", turns("de Boer — how many had neutropenia?"))[1] == "de Boer — had ?"
    assert follow_up("what about OS?", turns("de Boer — how many pts?"))[1] == "de Boer —"  # what was asked goes
    assert follow_up("and the PFS?", turns("TRANSFORM PFS?"))[1] == "TRANSFORM PFS?"
    assert follow_up("how long?", turns("ZUMA-2 gr3+ CRS?"))[1] == "ZUMA-2 gr3+ CRS?"


def test_a_follow_up_after_a_follow_up_keeps_the_trial_of_the_turns_before() -> None:
    """ "PFS?" after "TRANSFORM EFS?" and "and OS?" is still about TRANSFORM; "ORR?" after "ZUMA-2 CRS rate?" and
    "and gr3+?" drops the CRS and its grade, wherever they were said."""
    assert follow_up("PFS?", turns("TRANSFORM EFS?", "...", "and OS?", "..."))[1] == "and ?; TRANSFORM"
    assert follow_up("ORR?", turns("ZUMA-2 CRS rate?", "...", "and gr3+?", "..."))[1] == "and ?; ZUMA-2"


@pytest.mark.parametrize(
    ("question", "one"),
    [("ORR?", True), ("and OS?", True), ("what about PFS?", True), ("PFS and OS?", False), ("OS in kids?", False)],
)
def test_a_follow_up_asks_one_outcome_when_it_names_one_and_nothing_else(question: str, one: bool) -> None:
    assert asks_one_outcome(question) is one


@pytest.mark.parametrize("question", ["any response?", "did it work?", "did they respond?"])
def test_a_follow_up_asking_whether_it_worked_does_not_carry_the_dose_asked(question: str) -> None:
    """After "what anakinra dose did Strati use?", the follow-up asks for Strati's findings, not the dose again."""
    history = [Turn(role="user", content="what anakinra dose did Strati use?")]
    _, carried = follow_up(question, history)
    assert "strati" in carried.lower() and "dose" not in carried.lower()
    assert "dose" in follow_up("and for how long?", history)[1]  # a duration of the dose still carries it
