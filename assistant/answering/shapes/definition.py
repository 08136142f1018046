"""The definition shape: "what is ICAHT?" is answered by the sentence that spells the term out.

A fellow asking what an abbreviation means wants its full name first ("immune effector cell-associated
hematotoxicity (ICAHT)"), not the best-scoring line on the subject, which for these terms is often a source's
note that some detail of them was not captured. A sentence spells a term out when the term follows its full
name in brackets, the way the documents introduce it. So with a CAR-T product asked by one of its names ("what's
obe-cel?", "liso-cel is which brand?"): the lines naming it by most of its names (brand, generic, short) lead.

>>> asked_abbreviations("what is ICAHT?")
['ICAHT']
>>> asked_abbreviations("what are the CAPD items + scoring?")
[]
>>> spells_out("Hematotoxicity after CAR-T (ICAHT) is graded by EHA/EBMT.", "ICAHT")
True
>>> spells_out("ICAHT is graded by EHA/EBMT.", "ICAHT")
False
>>> asked_products("liso-cel is which brand?"), asked_products("what's the boxed warning on breyanzi?")
(['liso-cel'], [])
>>> names_of("liso-cel", "TRANSCEND studied lisocabtagene maraleucel (liso-cel, Breyanzi) in LBCL.")
3
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.draft import Draft
from assistant.answering.units import Unit
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import normalize

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


def asked_products(question: str) -> list[str]:
    """The CAR-T products a question asks only what they are or what else they are called: it names a product, asks
    a definition ("what's", "brand", "= which CAR-T") or what it is ("aucatzyl — what is it?", the lexicon's
    ``identify``) and holds no other subject word ("what's the boxed warning on Breyanzi?" asks the warning)."""
    products = entities(question).get("product", [])
    asking = [lexicon().reading_patterns[name] for name in ("asks.definition", "identify")]
    if not products or not any(pattern.search(question) for pattern in asking):
        return []
    rest = question
    for pattern in asking:
        rest = pattern.sub(" ", rest)
    rest = normalize(rest)
    for _, spellings in lexicon().name_patterns["product"]:
        rest = spellings.sub(" ", rest)
    return [] if tokenize(rest, parts=False) else products


def names_of(product: str, text: str) -> int:
    """How many of the product's names (brand, generic, short) ``text`` uses."""
    found = normalize(text)
    return sum(bool(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", found)) for name in lexicon().group_of(product))


def product_names(question: str, scored: Sequence[tuple[float, Unit]]) -> list[tuple[float, Unit]]:
    """The scored sentences naming a product the question asks about by two or more of its names, those using most
    of them first, then by score; no table row."""
    products = asked_products(question)
    if not products:
        return []
    named = [(max(names_of(p, unit.text) for p in products), value, unit) for value, unit in scored if value > 0]
    named = [n for n in named if n[0] >= 2 and not n[2].cells]
    return [(value, unit) for _, value, unit in sorted(named, key=lambda n: (-n[0], -n[1]))]
