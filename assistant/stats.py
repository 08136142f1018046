"""The one percentile Carta reports: eval latencies, corpus chunk sizes and every benchmark.

Nearest rank, so a reported p95 is a value that was actually measured, and the same on every page.

>>> percentile([3, 1, 2, 4], 50), percentile([3, 1, 2, 4], 95), percentile([], 50)
(2, 4, None)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

Number = TypeVar("Number", int, float)


def rank_index(count: int, q: float) -> int:
    """Where the nearest-rank ``q`` percentile sits among ``count`` sorted values (0-based).

    >>> rank_index(4, 50), rank_index(4, 95), rank_index(0, 50)
    (1, 3, 0)
    """
    return max(0, math.ceil(q / 100 * count) - 1)


def percentile(values: Iterable[Number], q: float) -> Number | None:
    """Nearest-rank percentile (q in 0..100): the smallest value with at least q% of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[rank_index(len(ordered), q)]
