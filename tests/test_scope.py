"""The out-of-scope gate reads a question's own subject words, not its spelled-out grade and dose words.

Hand-made data: a tiny "index" vocabulary and everyday-English list, and a hospital lexicon file that
adds one drug and one domain word, so each case shows which word decides.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.rules import ComposerRules
from assistant.answering.scope import foreign_subject, patient_context
from assistant.lexicon import use_lexicon
from assistant.retrieval.synonyms import spell_out

#: The indexed words of a toy CAR-T corpus: the frame words of a dose question are all here.
IDF = dict.fromkeys(["grade", "dose", "steroid", "patient", "hepatitis", "loading", "crs", "kg"], 2.0)
#: Everyday English: "colitis" and "rash" are words, "pembro" and "nivo" are not.
ENGLISH = frozenset({"colitis", "rash", "topical", "how", "much"})
#: The shipped shortest length of an unknown subject word.
SHORTEST = ComposerRules().min_foreign_length


@pytest.fixture
def restore_lexicon():
    yield
    use_lexicon(None)


@pytest.mark.parametrize(
    ("typed", "foreign"),
    [
        ("pembro colitis gr3 — steroid dose?", ["pembro"]),
        ("nivo hepatitis gr3, how much steroid?", ["nivo"]),
        ("gr2 rash on pembro - topical steroid?", ["pembro"]),
        ("vanc loading dose for 90 kg pt?", ["vanc"]),
    ],
)
def test_spelled_out_frame_words_do_not_make_a_foreign_subject_relevant(typed: str, foreign: list[str]) -> None:
    question = spell_out(typed)
    assert "grade" in question or "patient" in question or "steroid" in question  # the frame is indexed
    assert foreign_subject(question, IDF, ENGLISH, SHORTEST) == foreign


@pytest.mark.parametrize(
    "typed",
    [
        "pembro before CAR-T, then gr3 CRS — steroid dose?",  # a domain word
        "nivo pt with gr3 crs, toci dose?",  # a toxicity and a named drug
        "zuma-1 nivo cohort?",  # a named trial
        "gr3 colitis, how much steroid?",  # no unknown word: the similarity gate decides
    ],
)
def test_a_question_naming_the_field_or_no_unknown_word_is_not_judged_here(typed: str) -> None:
    assert foreign_subject(spell_out(typed), IDF, ENGLISH, SHORTEST) == []


def test_a_steroid_class_is_no_anchor_but_a_named_drug_is(tmp_path: Path, restore_lexicon: None) -> None:
    assert foreign_subject("nivo hepatitis, steroids dose?", IDF, ENGLISH, SHORTEST) == ["nivo"]
    extra = tmp_path / "ours.yaml"
    extra.write_text("groups:\n  - {kind: drug, terms: [clazakizumab, clazak]}\ndomain: '\\bbispecific'\n")
    use_lexicon(extra)
    assert foreign_subject("clazak after nivo?", IDF, ENGLISH, SHORTEST) == []
    assert foreign_subject("nivo then a bispecific, dose?", IDF, ENGLISH, SHORTEST) == []
    use_lexicon(None)
    assert foreign_subject("clazak after nivo?", IDF, ENGLISH, SHORTEST) == ["clazak", "nivo"]


def test_an_unknown_word_shorter_than_the_rule_names_no_subject() -> None:
    assert foreign_subject("pembro colitis gr3 — steroid dose?", IDF, ENGLISH, len("pembro") + 1) == []


def test_the_gate_is_a_rule_that_ablation_can_turn_off() -> None:
    assert ComposerRules().foreign_subject is True
    assert ComposerRules.ablated("foreign_subject").foreign_subject is False


def test_another_form_of_an_indexed_word_is_not_a_foreign_term() -> None:
    from assistant.answering.scoring import unknown_share

    idf = {**IDF, "escalated": 3.0, "emapalumab": 4.0}
    assert unknown_share("can we escalate emapalumab", idf, ENGLISH, ComposerRules()) == 0.0
    assert unknown_share("can we pembrolizumab emapalumab", idf, ENGLISH, ComposerRules()) > 0.35


def test_a_word_asking_what_a_study_found_is_no_foreign_term() -> None:
    """ "TRANSFORM takeaways?" asks about TRANSFORM, though no document or everyday word list holds 'takeaways'."""
    from assistant.answering.scoring import unknown_share

    idf = {**IDF, "transform": 4.0}
    assert unknown_share("TRANSFORM takeaways?", idf, ENGLISH, ComposerRules()) == 0.0
    assert unknown_share("TRANSFORM pembrolizumab?", idf, ENGLISH, ComposerRules()) > 0.35


def test_a_clinical_word_of_the_lexicon_is_no_foreign_term() -> None:
    """ "toci contraindicated — what else?": no document writes 'contraindicated', but the lexicon knows it."""
    from assistant.answering.scoring import unknown_share

    idf = {**IDF, "tocilizumab": 4.0}
    assert unknown_share("tocilizumab contraindicated", idf, ENGLISH, ComposerRules()) == 0.0


@pytest.mark.parametrize(
    ("typed", "context"),
    [
        ("gr 3 CRS in a pt with cardiomyopathy — toci dose?", {"pt", "cardiomyopathy"}),
        ("ICANS, hx of lupus nephritis: dex dose?", {"hx", "lupus", "nephritis"}),
        ("CRS from blinatumomab — toci?", set()),  # what the CRS came from is asked about, not the patient's context
    ],
)
def test_what_else_the_patient_has_is_read_to_the_clause_end(typed: str, context: set[str]) -> None:
    assert patient_context(typed) == context


def test_a_disease_the_patient_also_has_weighs_nothing_in_the_unknown_share() -> None:
    from assistant.answering.scoring import specialised_words, unknown_share

    idf = {**IDF, "grade": 0.5, "dose": 0.5, "patient": 0.5, "crs": 1.0, "tocilizumab": 4.0}  # frame words weigh little
    question = "grade 3 crs in a patient with cardiomyopathy, dose?"
    rules = ComposerRules()
    assert specialised_words(question, idf, ENGLISH, rules) == ["cardiomyopathy"]
    assert unknown_share(question, idf, ENGLISH, rules) > rules.max_unknown_share
    assert unknown_share(question, idf, ENGLISH, rules, patient_context(question)) == 0.0


def test_everyday_english_inflected_is_no_specialised_word() -> None:
    """ "what qualifies as grade 3 CRS?": the embedding vocabulary holds "qualify", not "qualifies"."""
    from assistant.answering.scoring import specialised_words

    question = "what qualifies as grade 3 crs?"
    assert specialised_words(question, IDF, ENGLISH, ComposerRules()) == ["qualifies"]
    assert specialised_words(question, IDF, ENGLISH | {"qualify"}, ComposerRules()) == []
