"""Whether a question is about Carta's field at all, judged by its own subject words.

The similarity gate compares the whole question with the passages. Spelled-out shorthand makes a
question from another field look close: "pembro colitis gr3 — steroid dose?" becomes "... grade 3 —
steroid dose?", and grade, dose, patient and steroid words fill every CAR-T guideline. Those words say
what is asked, not what about. What a question is about is told by its subject words: a CAR-T
toxicity, product, named drug, trial or domain word of the lexicon (``Lexicon.anchor_pattern``) places
it in the field; a word that neither the corpus, nor the lexicon, nor everyday English knows
("pembro", "nivo", "vanc") names a subject Carta has no source for. A question with such a word and
no anchor is out of scope.

A drug alone does not place a question in the field when the question also names a disease Carta has no source for:
"grade 3 myocarditis from checkpoint inhibitors — IV methylpred how much?" is about myocarditis, and a CAR-T steroid
dose must not stand in (``diseases`` of ``scoring.specialised_words``, asked in answering/chain.py). A disease named
as what else the patient has beside a CAR-T toxicity ("gr 3 CRS in a pt with cardiomyopathy") is context, not the
subject (``patient_context``).

>>> foreign_subject("pembro colitis grade 3 — steroid dose?", {"grade": 1.0, "steroid": 2.0, "dose": 1.0},
...                 frozenset({"colitis"}), 3)
['pembro']
>>> foreign_subject("toci for grade 3 CRS, pembro before?", {"grade": 1.0}, frozenset(), 3)
[]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from assistant.lexicon import lexicon
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import normalize, synonym_vocabulary


def foreign_subject(question: str, idf: Mapping[str, float], common_words: frozenset[str], shortest: int) -> list[str]:
    """The question's subject words Carta does not know, when it names nothing of Carta's field; else [].

    ``idf`` holds the indexed words, ``common_words`` everyday English (the embedding model's vocabulary);
    a word shorter than ``shortest`` is too often shorthand ("yo", "sz") to name a subject
    (``ComposerRules.min_foreign_length``).
    """
    text = normalize(question)
    if lexicon().anchor_pattern.search(text):
        return []
    known = synonym_vocabulary()

    def unknown(word: str) -> bool:
        return word not in idf and word not in known and word not in common_words

    return sorted(
        {
            token
            for token in tokenize(text, parts=False)
            if len(token) >= shortest
            and all(part.isalpha() for part in token.split("-"))
            and unknown(token)
            and any(unknown(part) for part in token.split("-"))
        }
    )


#: How a disease's name is made ("myocarditis", "sarcoidosis", "cardiomyopathy", "myasthenia", "lymphoma"), or the
#: word naming one after it ("Still's disease"): an unknown word so made names a condition, not a verb or a role
#: ("validate", "nonresponder").
DISEASE_WORD = re.compile(r"(?:itis|osis|iasis|pathy|a?emia|oma|plegia|asthenia|trophy|plasia|algia)$")
DISEASE_NAMED = r"\W+(?:disease|syndrome|disorder)\b"


#: A word before "flare" names a disease that flares: "sarcoid flare", "RA flare", "lupus flare-up".
FLARING = re.compile(r"\b([a-z][\w'-]*)\s+flare(?:s|-?ups?)?\b", re.IGNORECASE)


def flaring(question: str, vocabulary: Collection[str]) -> list[str]:
    """The words before "flare" that Carta's ``vocabulary`` (the index's and the lexicon's words) lacks, however short:
    a disease the corpus never names ("solumedrol for a sarcoid flare?", "actemra for RA flare?"); not a toxicity it
    knows ("ICANS flare").

    >>> flaring("actemra for RA flare, or an ICANS flare?", {"icans"})
    ['ra']
    """
    return [word for word in (m.group(1).lower() for m in FLARING.finditer(question)) if word not in vocabulary]


def diseases(words: Iterable[str], question: str) -> list[str]:
    """Those of ``words`` (unknown to Carta) that name a disease by how they are made or by the word after them.

    >>> diseases(["nephritis", "validate", "kikuchi"], "validate kikuchi disease vs lupus nephritis")
    ['nephritis', 'kikuchi']
    """
    return [
        word
        for word in words
        if DISEASE_WORD.search(word)
        or re.search(rf"\b{re.escape(word)}(?:'s)?{DISEASE_NAMED}", question, re.IGNORECASE)
    ]


def patient_context(question: str) -> frozenset[str]:
    """The words saying what else the patient has ("in a pt with cardiomyopathy", "hx of lupus"): the lexicon's
    ``patient_context`` phrases, which name no subject of the question.

    >>> sorted(patient_context("gr 3 CRS in a pt with cardiomyopathy — toci dose?"))
    ['cardiomyopathy', 'pt']
    """
    pattern = lexicon().reading_patterns["patient_context"]
    return frozenset(word for match in pattern.finditer(question) for word in tokenize(match.group(0), parts=False))
