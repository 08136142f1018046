"""BM25 keyword search over the indexed passages (an in-memory inverted index, rebuilt from Chroma)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType

import numpy as np

from assistant.passage import Passage
from assistant.retrieval.synonyms import normalize

#: BM25Okapi's parameters, at rank-bm25's defaults (Robertson & Zaragoza 2009 give k1 1.2-2.0, b 0.75);
#: the eval set was calibrated with them.
K1 = 1.5
B = 0.75
EPSILON = 0.25
#: Length normalisation of the document ranking, lower than passages' B: a document's length says how much
#: of the subject it covers (a label, a guideline), not that it is wordy. Dev recall@5 0.926 -> 0.927 on the
#: corpus and 0.915 -> 0.917 at 9,757 chunks, MRR up on both; 0.3 gained more but cost a dev answer
#: (docs/performance.md).
DOCUMENT_B = 0.5

TOKEN = re.compile(r"[a-z0-9α-ωµ]+(?:[.-][a-z0-9α-ωµ]+)*")

#: Words too common in clinical questions to say anything about which passage answers them.
STOPWORDS = frozenset(
    """a about after against all also an and any are as at be been before being between both but by
    can could did do does doing for from had has have how i if in into is it its may me might more
    most my no not of on or our should so such than that the their them then there these they this
    those to under up was we were what when where which while who whom why will with would you your
    patient patients use used using give given still soon usually typically normally generally""".split()
)

#: Still's disease is one word, "stills": "still" alone ("still hypotensive", "REMS still required?") is the
#: everyday adverb (a stopword), and must not find the emapalumab label's Still's disease rows.
STILLS_DISEASE = re.compile(r"\b[Ss]till['’]s\b|\bStill(?= disease)")


#: "ALL" in capitals is acute lymphoblastic leukaemia, not the stopword "all": it is read as "B-ALL".
LEUKEMIA_ALL = re.compile(r"(?<![\w-])ALL(?![\w-])")

#: The ending of a contraction or possessive ("who's", "can't", "patient's"): no word of its own, so "who's at risk"
#: does not ask for "s".
CLITIC = re.compile(r"(?<=\w)['’](?:s|t|re|ll|ve|d|m)\b", re.IGNORECASE)


def tokenize(text: str, *, parts: bool = True) -> list[str]:
    """Word tokens; with ``parts`` a hyphenated term also yields its parts ('axi-cel' -> axi-cel, axi, cel)."""
    tokens: list[str] = []
    for token in TOKEN.findall(
        normalize(CLITIC.sub("", STILLS_DISEASE.sub("stills", LEUKEMIA_ALL.sub("B-ALL", text))))
    ):
        if token in STOPWORDS:
            continue
        tokens.append(token)
        if parts and "-" in token:
            tokens.extend(part for part in token.split("-") if part and part not in STOPWORDS)
    return tokens


class KeywordRetriever:
    """BM25 over passages' search text; ``run`` returns (passage index, score) best first.

    Scores are BM25Okapi's as rank-bm25 computes them (k1, b, and an idf floor of EPSILON times the
    mean idf for words in over half the passages), bit for bit, but from an inverted index: a query
    costs the postings of its own words instead of a Python loop over every passage, which is what
    keeps a 50,000-chunk index fast (docs/performance.md).
    """

    #: BM25's b for this kind of unit.
    length_normalisation: float = B
    #: Whether a hyphenated query word counts once (the better of the whole and its parts' mean) or its
    #: parts count as words of their own.
    hyphenated_once: bool = True

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._build([p.search_text for p in self.passages])

    def _build(self, texts: Sequence[str]) -> None:
        """The inverted index over ``texts`` (one per ranked unit: passage, or document)."""
        counts = [Counter(tokenize(text)) for text in texts]
        lengths = np.array([sum(c.values()) for c in counts], dtype=float)
        self._size = len(counts)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for position, count in enumerate(counts):
            for token, tf in count.items():
                docs, tfs = postings.setdefault(token, ([], []))
                docs.append(position)
                tfs.append(tf)
        self._idf = _idf({token: len(docs) for token, (docs, _) in postings.items()}, len(counts))
        b = self.length_normalisation
        norm = K1 * (1 - b + b * lengths / (lengths.mean() if len(lengths) and lengths.mean() else 1.0))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for token, (docs, tfs) in postings.items():
            where, tf = np.array(docs), np.array(tfs, dtype=float)
            self._postings[token] = (where, self._idf[token] * (tf * (K1 + 1) / (tf + norm[where])))

    @property
    def idf(self) -> Mapping[str, float]:
        """Inverse document frequency of each indexed token (the composer weights terms by it); read-only."""
        return MappingProxyType(self._idf)

    def run(self, query: str, top_k: int, expansion: str = "") -> list[tuple[int, float]]:
        """BM25 ranking; the query's own words count twice as much as its synonym expansion."""
        _check(top_k)
        scores = np.zeros(self._size)
        for token in tokenize(query) * 2 + tokenize(expansion):
            if token in self._postings:
                where, weights = self._postings[token]
                scores[where] += weights
        return _best(scores, top_k)

    def run_concepts(self, query: str, top_k: int, groups: Sequence[Sequence[str]]) -> list[tuple[int, float]]:
        """BM25 ranking in which each synonym group the query mentions counts once, as its best term.

        Summing every synonym let a passage that says "ICANS", "neurotoxicity" and "neurologic events"
        outscore one that names ICANS once but also matches the question's other words; with thousands
        of passages on other subjects the CAR-T terms' idf grows and that effect dominated the ranking.
        A term of several words scores the mean of its words, so "cytokine release syndrome" weighs
        like "CRS" rather than three words, and a hyphenated word counts once too: "CAR-T" scores as the
        better of "car-t" and the mean of "car" and "t", not their sum, which beside thousands of passages
        that never say CAR-T outweighed the drug a question asks about. The query's words count twice, as
        in ``run``.
        """
        _check(top_k)
        grouped = {token for group in groups for term in group for token in tokenize(term)}
        parts = not self.hyphenated_once  # the parts of a hyphenated word as words of their own
        scores = np.zeros(self._size)
        for token in tokenize(query, parts=parts):
            if token not in grouped:
                scores += 2 * self._word_weights(token, skip=grouped)
        for group in groups:
            best = np.zeros(self._size)
            for term in group:
                tokens = tokenize(term, parts=parts)
                if tokens:
                    best = np.maximum(best, sum(self._word_weights(t) for t in tokens) / len(tokens))
            scores += 2 * best
        return _best(scores, top_k)

    def _word_weights(self, token: str, skip: Collection[str] = frozenset()) -> np.ndarray:
        """A word's weight in every unit; a hyphenated word's is the better of the whole word's and the mean
        of its parts' (parts in ``skip``, a synonym group's own words, are left to that group)."""
        whole = self._weights(token)
        parts = [part for part in tokenize(token) if part != token and part not in skip]
        if not parts or not self.hyphenated_once:
            return whole
        return np.maximum(whole, sum(self._weights(part) for part in parts) / len(parts))

    def _weights(self, token: str) -> np.ndarray:
        """The BM25 weight of ``token`` in every passage (zero where it does not occur)."""
        weights = np.zeros(self._size)
        if token in self._postings:
            where, values = self._postings[token]
            weights[where] = values
        return weights


class DocumentRetriever(KeywordRetriever):
    """BM25 over whole documents (title, then every passage); ``run*`` return (document index, score).

    A passage alone says little about what its document is about; the document as a whole does. A
    document on rheumatoid arthritis shares "tocilizumab 8 mg/kg" with a CRS question but none of its
    CAR-T words, so at 50,000 chunks this ranking keeps such documents' passages out of the top k.
    Long documents are penalised less than long passages (DOCUMENT_B).
    """

    length_normalisation = DOCUMENT_B
    #: A whole document is ranked on what it is about, and there "after CAR-T" in "evidence for emapalumab in
    #: adult IEC-HS after CAR-T?" keeps the weight of its parts: the CAR-T case reports before the Gamifant label.
    hyphenated_once = False

    def __init__(self, passages: Sequence[Passage]) -> None:
        texts: dict[str, list[str]] = {}
        for passage in passages:
            texts.setdefault(passage.doc_id, [passage.title]).append(f"{passage.section}.\n{passage.text}")
        self.passages = list(passages)
        self.doc_ids = list(texts)
        self._build(["\n".join(parts) for parts in texts.values()])


def _check(top_k: int) -> None:
    if top_k < 1:
        msg = f"top_k must be at least 1, got {top_k}"
        raise ValueError(msg)


def _best(scores: np.ndarray, top_k: int) -> list[tuple[int, float]]:
    """The ``top_k`` positions with a positive score, best first; ties keep passage order."""
    hits = np.flatnonzero(scores > 0)
    best = hits[np.lexsort((hits, -scores[hits]))][:top_k]
    return [(int(i), float(scores[i])) for i in best]


def _idf(document_frequency: dict[str, int], passages: int) -> dict[str, float]:
    """log((N - n + 0.5) / (n + 0.5)); words in over half the passages get EPSILON x the mean idf instead."""
    idf = {t: math.log(passages - n + 0.5) - math.log(n + 0.5) for t, n in document_frequency.items()}
    floor = EPSILON * sum(idf.values()) / len(idf) if idf else 0.0
    return {t: floor if value < 0 else value for t, value in idf.items()}
