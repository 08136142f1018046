"""Reciprocal rank fusion: combine rankings without calibrating their scores against each other."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence

#: The usual RRF constant (Cormack et al., SIGIR 2009); damps the head of each ranking.
RRF_K = 60


class ReciprocalRankFusion:
    """Fuse ranked id lists: score(id) = sum over rankings of 1 / (RRF_K + rank)."""

    def __init__(self, k: int = RRF_K) -> None:
        if k < 1:
            msg = f"k must be positive, got {k}"
            raise ValueError(msg)
        self.k = k

    def run(self, rankings: Sequence[Sequence[Hashable]]) -> list[tuple[Hashable, float]]:
        scores: dict[Hashable, float] = {}
        for ranking in rankings:
            for rank, item in enumerate(ranking, start=1):
                scores[item] = scores.get(item, 0.0) + 1.0 / (self.k + rank)
        return sorted(scores.items(), key=lambda pair: -pair[1])


class DocumentFusion:
    """Add a document ranking to fused passage scores: each passage gains weight / (RRF_K + its document's rank).

    Only passages already among the candidates gain (a document's rank says which of its passages
    nobody knows); a passage whose document is not ranked gains nothing. The order is stable for ties.
    """

    def __init__(self, weight: float, k: int = RRF_K) -> None:
        if weight < 0 or k < 1:
            msg = f"weight must be non-negative and k positive, got {weight} and {k}"
            raise ValueError(msg)
        self.weight = weight
        self.k = k

    def run(
        self,
        fused: Sequence[tuple[Hashable, float]],
        document: Callable[[Hashable], str],
        documents: Sequence[str],
    ) -> list[tuple[Hashable, float]]:
        rank = {doc: position for position, doc in enumerate(documents, start=1)}
        boosted = [
            (item, score + (self.weight / (self.k + rank[doc]) if (doc := document(item)) in rank else 0.0))
            for item, score in fused
        ]
        return sorted(boosted, key=lambda pair: -pair[1])


def diversify(ranked: Sequence[Hashable], document: Callable[[Hashable], str], per_document: int) -> list[Hashable]:
    """``ranked`` reordered so that no document has more than ``per_document`` items ahead of the rest.

    The order within the kept head and within the overflow is unchanged; the overflow follows in its
    own order, so nothing is dropped, only moved behind the other documents' best passages.
    """
    if per_document < 1:
        msg = f"per_document must be positive, got {per_document}"
        raise ValueError(msg)
    head: list[Hashable] = []
    overflow: list[Hashable] = []
    taken: dict[str, int] = {}
    for item in ranked:
        doc = document(item)
        taken[doc] = taken.get(doc, 0) + 1
        (head if taken[doc] <= per_document else overflow).append(item)
    return head + overflow


def deepen(
    ranked: Sequence[Hashable], head: int, document: Callable[[Hashable], str], documents: Collection[str]
) -> list[Hashable]:
    """The first ``head`` items of ``ranked`` as they are, then only the later items whose document is in ``documents``.

    A deep dense ranking over a large index is mostly passages on other subjects; keeping its tail
    only for the documents the lexical document ranking puts first gives their passages the dense
    evidence they had lost behind the others, and leaves the head (what dense alone finds) untouched.
    """
    if head < 0:
        msg = f"head must not be negative, got {head}"
        raise ValueError(msg)
    return [*ranked[:head], *(item for item in ranked[head:] if document(item) in documents)]
