"""How common a toxicity is, asked with no product: each product's rate, from its label or pivotal trial.

"What % of pts get CRS after CAR-T?" has no one answer: the sources give the rate product by product (ZUMA-1 for
axi-cel, the Kymriah label for tisa-cel, TRANSCEND for liso-cel). The answer leads with one line per product that
gives a rate for the toxicity asked, not with the lines that share most words ("after CAR-T", "CRS").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.question import Asked, ParsedQuestion, grades_in, trials_in
from assistant.answering.scoring import GIVES_RATE
from assistant.answering.shapes.one_fact import names_asked_toxicity, products_of
from assistant.answering.shapes.overview import says_nothing_else
from assistant.answering.units import Unit
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.synonyms import group_of

#: The sources of a product's reference rates: its label, its approval summary, its trials.
REFERENCE_TYPES = frozenset({"label", "regulatory", "trial"})

#: A line saying its own figure is no rate ("this 88% is a timing figure, not the incidence").
NOT_A_RATE = re.compile(r"\bnot (?:the|an?) (?:incidence|rate)\b", re.IGNORECASE)


#: "high-grade neurotox — how often?": with nothing but a toxicity named, "how often" asks how often it occurs (the
#: lexicon's "occurrence" leaves it out, as "toci how often?" asks an interval).
HOW_OFTEN = re.compile(r"\bhow (?:often|frequently)\b", re.IGNORECASE)


#: A point or span of the course ("after day 14", "after 2 weeks", "past wk 2", "late"): the question asks about the
#: cases then, not how common the toxicity is.
WHEN = re.compile(
    r"\b(?:day|d)\s*\+?\s*\d+|\b\d+\s*(?:days?|weeks?|wks?|months?|mos?)\b|\b(?:weeks?|wks?|months?)\s*\d+\b|"
    r"\blate\b|\bdelayed\b",
    re.IGNORECASE,
)


def asks_rates_across_products(question: str, parsed: ParsedQuestion, asked: Asked, everyday: frozenset[str]) -> bool:
    """Whether the question asks how common one toxicity is ("occurrence" in the lexicon), of any grade or of the
    grades asked ("how common is severe CRS?"), names no product, trial, drug or time of the course, and says nothing
    else of it ("new ICANS after wk 2 — how common?" asks about late cases)."""
    occurs = asked.wants_rate and bool(
        lexicon().reading_patterns["occurrence"].search(question) or HOW_OFTEN.search(question)
    )
    named = parsed.products or parsed.drugs or trials_in(question)
    if not occurs or named or len(parsed.toxicities) != 1 or WHEN.search(question):
        return False
    # "how often does CRS happen?": the words saying it occurs ask the rate, as "how common" does.
    return says_nothing_else(question, parsed.toxicities[0], asked.core - set(group_of("occur")), everyday)


def rates_by_product(
    candidates: list[tuple[float, Unit]],
    scored: Sequence[tuple[float, Unit]],
    passages: Sequence[Passage],
    parsed: ParsedQuestion,
    most: int,
) -> list[tuple[float, Unit]]:
    """The candidates led by the best scored line of each product (up to ``most``) that gives a rate and names the
    toxicity asked, and a grade asked when the question names grades, from a label, approval summary or trial; the
    order stays when none does."""
    asked = {str(grade) for grade in parsed.grades}
    leads: list[tuple[float, Unit]] = []
    shown: set[str] = set()
    for value, unit in scored:
        if value <= 0:
            continue
        products = products_of(unit)
        reference = passages[unit.passage].doc_type in REFERENCE_TYPES
        gives_rate = bool(GIVES_RATE.search(unit.text)) and not NOT_A_RATE.search(unit.text)
        if len(products) != 1 or products & shown or not reference or not gives_rate:
            continue
        if names_asked_toxicity(unit.text, parsed) and (not asked or asked & grades_in(unit.text, targets=False)):
            leads.append((value, unit))
            shown |= products
        if len(leads) == most:
            break
    chosen = {id(unit) for _, unit in leads}
    return [*leads, *((v, u) for v, u in candidates if id(u) not in chosen)]
