"""BM25 keyword search over the indexed passages (rank-bm25, in memory, rebuilt from Chroma)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rank_bm25 import BM25Okapi

from assistant.passage import Passage
from assistant.retrieval.synonyms import normalize

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
    """BM25 over passages' search text; ``run`` returns (passage index, score) best first."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        corpus = [tokenize(p.search_text) for p in self.passages]
        self._bm25 = BM25Okapi(corpus) if corpus else None

    @property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each indexed token (the composer weights terms by it)."""
        return dict(self._bm25.idf) if self._bm25 else {}

    def run(self, query: str, top_k: int, expansion: str = "") -> list[tuple[int, float]]:
        """BM25 ranking; the query's own words count twice as much as its synonym expansion."""
        if top_k < 1:
            msg = f"top_k must be at least 1, got {top_k}"
            raise ValueError(msg)
        tokens = tokenize(query) * 2 + tokenize(expansion)
        if self._bm25 is None or not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [(i, float(scores[i])) for i in ranked[:top_k] if scores[i] > 0]
