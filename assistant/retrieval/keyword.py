"""BM25 keyword search over the indexed passages (an in-memory inverted index, rebuilt from Chroma)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from assistant.passage import Passage
from assistant.retrieval.synonyms import normalize

#: BM25Okapi's parameters, at rank-bm25's defaults (Robertson & Zaragoza 2009 give k1 1.2-2.0, b 0.75);
#: the eval set was calibrated with them.
K1 = 1.5
B = 0.75
EPSILON = 0.25

TOKEN = re.compile(r"[a-z0-9α-ωµ]+(?:[.-][a-z0-9α-ωµ]+)*")

#: Words too common in clinical questions to say anything about which passage answers them.
STOPWORDS = frozenset(
    """a about after against all also an and any are as at be been before being between both but by
    can could did do does doing for from had has have how i if in into is it its may me might more
    most my no not of on or our should so such than that the their them then there these they this
    those to under up was we were what when where which while who whom why will with would you your
    patient patients use used using give given there's what's""".split()
)


def tokenize(text: str, *, parts: bool = True) -> list[str]:
    """Word tokens; with ``parts`` a hyphenated term also yields its parts ('axi-cel' -> axi-cel, axi, cel)."""
    tokens: list[str] = []
    for token in TOKEN.findall(normalize(text)):
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

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        counts = [Counter(tokenize(p.search_text)) for p in self.passages]
        lengths = np.array([sum(c.values()) for c in counts], dtype=float)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for position, count in enumerate(counts):
            for token, tf in count.items():
                docs, tfs = postings.setdefault(token, ([], []))
                docs.append(position)
                tfs.append(tf)
        self._idf = _idf({token: len(docs) for token, (docs, _) in postings.items()}, len(counts))
        norm = K1 * (1 - B + B * lengths / (lengths.mean() if len(lengths) and lengths.mean() else 1.0))
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
        if top_k < 1:
            msg = f"top_k must be at least 1, got {top_k}"
            raise ValueError(msg)
        scores = np.zeros(len(self.passages))
        for token in tokenize(query) * 2 + tokenize(expansion):
            if token in self._postings:
                where, weights = self._postings[token]
                scores[where] += weights
        hits = np.flatnonzero(scores > 0)
        best = hits[np.lexsort((hits, -scores[hits]))][:top_k]  # ties keep passage order
        return [(int(i), float(scores[i])) for i in best]


def _idf(document_frequency: dict[str, int], passages: int) -> dict[str, float]:
    """log((N - n + 0.5) / (n + 0.5)); words in over half the passages get EPSILON x the mean idf instead."""
    idf = {t: math.log(passages - n + 0.5) - math.log(n + 0.5) for t, n in document_frequency.items()}
    floor = EPSILON * sum(idf.values()) / len(idf) if idf else 0.0
    return {t: floor if value < 0 else value for t, value in idf.items()}
