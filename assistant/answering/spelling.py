"""Phone-keyboard typos and regional spellings in a question's clinical words, put right before the question is read.

"tocilizumsb", "dexametasone", "certificaton": a word that neither the corpus, the lexicon nor everyday English
knows, one slip (a letter wrong, missing, extra, or two swapped) from exactly one word the corpus or the lexicon
uses, is read as that word. Short words are left alone (too many words lie one slip from "vanc"), and so is a
word with two candidates: guessing between them would be inventing. So is an everyday word inflected in a form the
corpus never uses: "qualifies" is "qualify", not a slip of "qualifier" ("validate" is still read as the corpus's
"validated").

An adverb that neither the corpus nor everyday English knows is read as the word it is made from, when the corpus
uses that ("why give anakinra prophylactically?" asks about prophylactic anakinra; "usually" stays as typed).

A word the corpus never uses in the spelling typed but does in the other side of the Atlantic's ("randomization"
where the documents write "randomised", "anemia" where they write "anaemia", "tumour" for "tumor") is read in the
corpus's spelling, whatever its length and even when everyday English knows it.

>>> fix_typos("tocilizumsb dose for gr2 CRS?", frozenset({"tocilizumab", "dose", "crs"}), frozenset())
'tocilizumab dose for gr2 CRS?'
>>> fix_typos("pembrolizumab colitis", frozenset({"tocilizumab"}), frozenset())
'pembrolizumab colitis'
>>> fix_typos("what qualifies as grade 3?", frozenset({"qualifier", "grade"}), frozenset({"qualify"}))
'what qualifies as grade 3?'
>>> fix_typos("TRANSFORM randomization ratio?", frozenset({"randomised", "ratio"}), frozenset())
'TRANSFORM randomised ratio?'
>>> fix_typos("anakinra prophylactically?", frozenset({"anakinra", "prophylactic"}), frozenset())
'anakinra prophylactic?'
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.answering.scoring import inflections

#: Words shorter than this are never corrected: a slip in a short word is as likely another short word.
MIN_TYPO_LENGTH = 6
#: A word as a clinician types it: letters, maybe hyphenated ("tisa-cel").
WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


#: Words shorter than this keep their spelling: "does" is no "des", "aes" no "es".
MIN_REGIONAL_LENGTH = 5
#: The endings of an -ise/-ize verb's family ("randomise", "randomised", "randomisation").
IZE_ENDINGS = ("e", "ed", "es", "ing", "ation", "ations")
IZE_FAMILY = re.compile(rf"(\w{{3,}}?i)([sz])({'|'.join(sorted(IZE_ENDINGS, key=len, reverse=True))})")
#: Letters one spelling writes and the other does not, as (where, what the other spelling writes there), each pair
#: British to American and back: "haem"/"hem", "oedema"/"edema", "tumour"/"tumor", "centre"/"center",
#: "labelled"/"labeled", "analyse"/"analyze". A swap of "our" needs three letters before it, so "four" is never "for".
REGIONAL_SWAPS = tuple(
    (re.compile(where), other)
    for where, other in (
        (r"ae", "e"), (r"e", "ae"),
        (r"oe", "e"), (r"e", "oe"),
        (r"(?<=\w{3})our", "or"), (r"(?<=\w{3})or", "our"),
        (r"(?<=\w)tre(?=s?$)", "ter"), (r"(?<=\w)ter(?=s?$)", "tre"),
        (r"ll(?=ed$|ing$)", "l"), (r"(?<=[aeiou])l(?=ed$|ing$)", "ll"),
        (r"yse(?=[sd]?$)", "yze"), (r"yze(?=[sd]?$)", "yse"),
    )
)  # fmt: skip


def regional_variants(word: str) -> frozenset[str]:
    """The word in the other regional spelling, one difference at a time; an -ise/-ize word in any ending of its
    family in the other letter ('randomization' -> 'randomisation', 'randomised', ...), since the documents may use
    another ending."""
    variants: set[str] = set()
    if family := IZE_FAMILY.fullmatch(word):
        other = "z" if family.group(2) == "s" else "s"
        variants |= {family.group(1) + other + ending for ending in IZE_ENDINGS}
    for pattern, replacement in REGIONAL_SWAPS:
        for match in pattern.finditer(word):
            variants.add(word[: match.start()] + replacement + word[match.end() :])
    return frozenset(variants - {word})


def corpus_spelling(word: str, domain: Collection[str]) -> str | None:
    """The ``domain`` word that is ``word`` in the other regional spelling, the one keeping its ending first; None
    when there is none."""
    if len(word) < MIN_REGIONAL_LENGTH:
        return None
    found = {variant for variant in regional_variants(word) if variant in domain}
    return min(found, key=lambda known: (known[-3:] != word[-3:], known)) if found else None


#: An adverb's endings, tried in this order: "intravenously" is "intravenous", "prophylactically" "prophylactic".
ADVERB_ENDINGS = ("ly", "ally")
#: The shortest word an adverb is read as: "only" is no "on".
MIN_ADVERB_STEM = 4


def adjective_of(word: str, domain: Collection[str]) -> str | None:
    """The ``domain`` word that ``word``, an adverb the corpus does not use, is made from ("prophylactically" ->
    "prophylactic"), or None: the documents write the adjective ("prophylactic anakinra")."""
    for ending in ADVERB_ENDINGS:
        stem = word.removesuffix(ending)
        if stem != word and len(stem) >= MIN_ADVERB_STEM and stem in domain:
            return stem
    return None


def one_slip(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with one slip: a letter replaced, dropped, added, or two neighbours swapped."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return False
    start = next((i for i, (a, b) in enumerate(zip(typed, word, strict=False)) if a != b), min(len(typed), len(word)))
    rest_typed, rest_word = typed[start:], word[start:]
    return (
        rest_typed[1:] == rest_word[1:]  # replaced
        or rest_typed == rest_word[1:]  # dropped
        or rest_typed[1:] == rest_word  # added
        or (len(rest_typed) > 1 and rest_typed[:2] == rest_word[1::-1] and rest_typed[2:] == rest_word[2:])  # swapped
    )


def fix_typos(question: str, domain: Collection[str], everyday: Collection[str]) -> str:
    """``question`` with each unknown word of at least ``MIN_TYPO_LENGTH`` letters that is one slip from exactly one
    ``domain`` word (the corpus's and the lexicon's) replaced by it; ``everyday`` words are known as typed."""

    def fixed(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = typed.lower()
        if word in domain:
            return typed
        if regional := corpus_spelling(word, domain):
            return regional
        if len(word) < MIN_TYPO_LENGTH or word in everyday:
            return typed
        forms = inflections(word)
        if forms & everyday and not forms & domain:  # "qualifies" is "qualify" inflected, not a slip of "qualifier"
            return typed
        if adjective := adjective_of(word, domain):
            return adjective
        candidates = [known for known in domain if known[:1] == word[:1] and one_slip(word, known)]
        return candidates[0] if len(candidates) == 1 else typed

    return WORD.sub(fixed, question)
