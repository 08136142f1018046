"""Deterministic question types; the composer shapes its answer to fit the type."""

from __future__ import annotations

import re
from enum import StrEnum

from assistant.conversation import entities


class Intent(StrEnum):
    DOSING = "dosing"
    GRADING = "grading"
    MANAGEMENT = "management"
    EVIDENCE = "evidence"
    PRODUCT = "product"
    MONITORING = "monitoring"
    DEFINITION = "definition"
    GENERAL = "general"


#: "high-dose steroids" describes the patient; it does not ask for a dose.
NOT_AFTER_HIGH_OR_LOW = r"(?<!high )(?<!low )(?<!high-)(?<!low-)"

#: First match wins, so the more specific patterns come first.
INTENT_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        Intent.DOSING,
        re.compile(
            rf"\b({NOT_AFTER_HIGH_OR_LOW}dos(e|es|ing|age)|how much|mg/kg|mg\b|maximum|max\b|how often|frequency|"
            r"route|regimen|"
            r"escalat\w*|titrat\w*|interval|every \d+ ?h)",
            re.I,
        ),
    ),
    (
        Intent.GRADING,
        re.compile(
            r"\b(which|what)\b[\w\s-]{0,20}\bgrade\b|\bgrad(e|ed|ing) (is|of|for)\b|\bhow (is|are) .* graded\b"
            r"|\bcriteri(a|on)\b|\bice score\b|\bhscore\b",
            re.I,
        ),
    ),
    (Intent.EVIDENCE, re.compile(r"\b(evidence|studies|study|trial|data|case report|published|experience)\b", re.I)),
    (
        Intent.MONITORING,
        re.compile(r"\b(monitor\w*|how long|stay near|driv\w*|follow-up|prophyla\w*|surveillance)\b", re.I),
    ),
    (
        Intent.MANAGEMENT,
        re.compile(r"\b(manag\w*|treat\w*|what (should|do) (i|we) do|first[- ]line|next step|refractory)\b", re.I),
    ),
    (Intent.PRODUCT, re.compile(r"\b(rate|incidence|how common|boxed warning|indicat\w*|approv\w*|label)\b", re.I)),
    (Intent.DEFINITION, re.compile(r"^\s*(what is|what are|define|definition)\b", re.I)),
)


#: A dosing question names a drug or says "dose"; "how much neurotoxicity…" is not one.
DOSE_WORD = re.compile(rf"{NOT_AFTER_HIGH_OR_LOW}\bdos(e|es|ing|age)\b|\bmg\b|mg/", re.I)


def classify(question: str) -> Intent:
    """The question's type, from keyword patterns (no model, so it is the same every time)."""
    for intent, pattern in INTENT_PATTERNS:
        if not pattern.search(question):
            continue
        if intent is Intent.DOSING and not (DOSE_WORD.search(question) or entities(question).get("drug")):
            continue
        return intent
    return Intent.GENERAL
