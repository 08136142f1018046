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


def percentile(values: Iterable[Number], q: float) -> Number | None:
    """Nearest-rank percentile (q in 0..100): the smallest value with at least q% of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
