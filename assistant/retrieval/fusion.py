"""Reciprocal rank fusion: combine rankings without calibrating their scores against each other."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

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
