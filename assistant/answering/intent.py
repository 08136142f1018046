"""Deterministic question types; the composer shapes its answer to fit the type.

The phrases that mark each type are data: ``intents`` in ``assistant/lexicon/intents.yaml``.
"""

from __future__ import annotations

from enum import StrEnum

from assistant.conversation import entities
from assistant.lexicon import lexicon


class Intent(StrEnum):
    DOSING = "dosing"
    GRADING = "grading"
    MANAGEMENT = "management"
    EVIDENCE = "evidence"
    PRODUCT = "product"
    MONITORING = "monitoring"
    DEFINITION = "definition"
    GENERAL = "general"


def classify(question: str) -> Intent:
    """The question's type, from the lexicon's intent patterns (no model, so it is the same every time)."""
    for name, pattern, confirm in lexicon().intent_patterns:
        if not pattern.search(question):
            continue
        if confirm is not None and not (confirm.search(question) or entities(question).get("drug")):
            continue
        return Intent(name)
    return Intent.GENERAL
