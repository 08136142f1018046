"""The definition shape: "what is ICAHT?" is answered by the sentence that spells the term out.

A fellow asking what an abbreviation means wants its full name first ("immune effector cell-associated
hematotoxicity (ICAHT)"), not the best-scoring line on the subject, which for these terms is often a source's
note that some detail of them was not captured. A sentence spells a term out when the term follows its full
name in brackets, the way the documents introduce it.

>>> asked_abbreviations("what is ICAHT?")
['ICAHT']
>>> asked_abbreviations("what are the CAPD items + scoring?")
[]
>>> spells_out("Hematotoxicity after CAR-T (ICAHT) is graded by EHA/EBMT.", "ICAHT")
True
>>> spells_out("ICAHT is graded by EHA/EBMT.", "ICAHT")
False
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.draft import Draft
from assistant.answering.units import Unit

#: A question asking only what a term is: "what is ICAHT?", "define ICANS", "what does IEC-HS stand for?"; not "what
#: are the CAPD items?" nor "what's the evidence for ...?".
WHAT_IS = re.compile(
    r"^\W*(?:what(?:'s|’s|\s+is|\s+are|\s+does)|define|definition of|meaning of)\s+(?:an?\s+|the\s+)?"
    r"([\w-]+)(?:\s+(?:mean|stand\s+for))?\W*$",
    re.IGNORECASE,
)
#: A term typed as an abbreviation: capitals, digits and hyphens ("ICAHT", "IEC-HS", "CAR-HEMATOTOX").
ABBREVIATION = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
#: "CAR-T" and "CAR" name the therapy itself, which no answer spells out.
THE_THERAPY = frozenset({"CAR", "CAR-T"})


def asked_abbreviations(question: str) -> list[str]:
    """The abbreviation a question asks the meaning of, if it asks only that (not the therapy's own name)."""
    match = WHAT_IS.match(question)
    term = match.group(1) if match else ""
    return [term] if ABBREVIATION.fullmatch(term) and len(term) > 1 and term not in THE_THERAPY else []


def spells_out(text: str, abbreviation: str) -> bool:
    """Whether ``text`` gives the term's full name with the abbreviation in brackets after it."""
    return bool(re.search(rf"\w[\w,'’\"-]*(?:\s+[\w,'’\"-]+){{1,8}}\s+\({re.escape(abbreviation)}\)", text))


def spelled_out(question: str, scored: Sequence[tuple[float, Unit]]) -> list[tuple[float, Unit]]:
    """The scored sentences that spell out an abbreviation the question asks about, best first; no table row."""
    abbreviations = asked_abbreviations(question)
    return [
        (value, unit)
        for value, unit in scored
        if value > 0 and not unit.cells and any(spells_out(unit.text, a) for a in abbreviations)
    ]


def spells_out_asked(question: str, draft: Draft) -> bool:
    """Whether the draft's first statement spells out an abbreviation the question asks about."""
    return any(spells_out(draft.statements[0].text, a) for a in asked_abbreviations(question))
