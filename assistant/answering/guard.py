"""Screen a question for instructions aimed at Carta and for patient-specific order requests.

Neither changes what Carta may say: answers are still quoted from sources and verified. The screen
only removes the injected instruction or the patient details from the retrieval query, so they do
not steer retrieval, and adds a notice telling the user what was set aside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text import split_sentences

#: Phrases that try to change Carta's rules rather than ask a clinical question.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(sources?|instructions?|rules?|prompt)\b"
    r"|\bsystem (override|prompt)\b|\bdeveloper mode\b|\byou are now\b|\bjailbreak\b",
    re.IGNORECASE,
)
#: Phrases that ask for orders for one patient: set aside from the query.
PATIENT_SPECIFIC = re.compile(
    r"\b(write|draft|enter|place)\b.{0,20}\borders?\b|\bready to sign\b|\bfor my\b.{0,30}\b(pt|patient)\b"
    r"|\bbed \d+\b",
    re.IGNORECASE,
)
#: A weighed patient ("a 25 kg child") may invite a calculated dose: the notice says Carta gives none, but
#: the weight stays in the query, since it picks the weight band of the source's rows (<30 kg or ≥30 kg).
WEIGHED_PATIENT = re.compile(r"\b\d{1,3}\s?kg (pt|patient|man|woman|child)\b", re.IGNORECASE)

INJECTION_NOTICE = "Instructions inside the question were ignored; Carta answers only from its sources."
ORDERS_NOTICE = (
    "Carta does not write patient-specific orders or calculate doses; these are the doses as the sources "
    "state them. Check them against your local protocol."
)


@dataclass
class Screened:
    """The question as retrieval should see it, and the notices for the user."""

    query: str
    notices: list[str] = field(default_factory=list)


def screen(question: str) -> Screened:
    """Drop sentences that instruct Carta; strip patient details; say what was set aside."""
    notices: list[str] = []
    sentences = split_sentences(question, loose=True)
    kept = [s for s in sentences if not INJECTION.search(s)]
    if len(kept) < len(sentences) or INJECTION.search(question):
        notices.append(INJECTION_NOTICE)
    query = " ".join(kept).strip()
    if PATIENT_SPECIFIC.search(query) or WEIGHED_PATIENT.search(query):
        notices.append(ORDERS_NOTICE)
        query = PATIENT_SPECIFIC.sub(" ", query)
        query = re.sub(r"\s{2,}", " ", query).strip()
    return Screened(query=query or question, notices=notices)
