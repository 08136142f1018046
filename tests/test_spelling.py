"""A phone-keyboard slip in a clinical word is read as the word, and nothing else is changed."""

from __future__ import annotations

import pytest

from assistant.answering.spelling import fix_typos

DOMAIN = frozenset(
    {"tocilizumab", "dexamethasone", "certification", "siltuximab", "dose", "vanc", "cytokine", "cytokines"}
)
EVERYDAY = frozenset({"colitis", "dosing"})


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("tocilizumsb dose?", "tocilizumab dose?"),  # a letter replaced
        ("dexametasone for gr3 ICANS", "dexamethasone for gr3 ICANS"),  # a letter dropped
        ("REMS certificaton still required?", "REMS certification still required?"),
        ("siltuxiamb dose", "siltuximab dose"),  # two letters swapped
        ("pembrolizumab colitis", "pembrolizumab colitis"),  # unknown, but no slip from a known word
        ("vamc dosing", "vamc dosing"),  # too short to guess
        ("cytokinez", "cytokinez"),  # one slip from two words: no guess
        ("Tocilizumab dose", "Tocilizumab dose"),  # known words keep their case
    ],
)
def test_a_slip_in_a_clinical_word_is_read_as_the_word(typed: str, read: str) -> None:
    assert fix_typos(typed, DOMAIN, EVERYDAY) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("TRANSFORM randomization ratio?", "TRANSFORM randomised ratio?"),  # -ization typed, -ised written
        ("severe anemia rate?", "severe anaemia rate?"),  # everyday English or not, the corpus's spelling
        ("peds leukaemia", "peds leukemia"),
        ("tumour lysis", "tumor lysis"),  # our -> or
        ("four doses", "four doses"),  # "four" is no spelling of "for"
        ("organized care", "organized care"),  # in the corpus as typed: left alone
    ],
)
def test_a_word_in_the_other_regional_spelling_is_read_as_the_corpus_writes_it(typed: str, read: str) -> None:
    domain = frozenset({"randomised", "ratio", "anaemia", "leukemia", "tumor", "lysis", "for", "organized"})
    assert fix_typos(typed, domain, frozenset({"severe", "rate", "four", "doses", "care"})) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("why anakinra prophylactically?", "why anakinra prophylactic?"),  # -ally: the corpus's adjective
        ("given intravenously", "given intravenous"),  # -ly
        ("usually given", "usually given"),  # everyday English knows it: left alone
        ("only once", "only once"),  # too short a stem
        ("curiously", "curiously"),  # the corpus has no "curious"
    ],
)
def test_an_adverb_the_corpus_lacks_is_read_as_the_word_it_is_made_from(typed: str, read: str) -> None:
    domain = frozenset({"anakinra", "prophylactic", "intravenous", "usual", "on", "given"})
    assert fix_typos(typed, domain, frozenset({"usually", "why", "once"})) == read


def test_another_form_of_a_known_word_is_no_slip() -> None:
    """ "qualifies" lies one slip from the corpus's "qualifier" but is everyday "qualify" inflected."""
    assert fix_typos("what qualifies as grade 3?", frozenset({"qualifier"}), frozenset({"qualify"})) == (
        "what qualifies as grade 3?"
    )
    assert (
        fix_typos("what qualifies as grade 3?", frozenset({"qualifier"}), frozenset()) == "what qualifier as grade 3?"
    )
    # ... while a form the corpus writes is read as written there.
    assert (
        fix_typos("used to validate it", frozenset({"validated"}), frozenset({"validates"})) == "used to validated it"
    )
