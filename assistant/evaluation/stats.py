"""Statistics an evaluator reads beside the figures: bootstrap intervals, Cohen's kappa, risk–coverage.

Pure functions over plain values, so tests check them by hand.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from assistant.evaluation.scoring import percentile

T = TypeVar("T")
#: Resamples per interval: enough for a stable 95% interval on a few hundred items, and fast.
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 14


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap percentile interval (``low``..``high``); None when not measurable."""

    value: float | None
    low: float | None
    high: float | None

    @property
    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of 0 (a change beyond resampling noise)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def bootstrap(
    units: Sequence[T],
    figures: Callable[[Sequence[T]], Mapping[str, float | None]],
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> dict[str, Interval]:
    """Each figure on ``units``, with a percentile interval from resampling the units with replacement.

    ``figures`` maps a sample of units to named figures (for a comparison: each unit is an item's
    (old, new) pair and each figure a new-minus-old delta). A resample in which a figure cannot be
    measured (None) does not count towards that figure's interval. Seeded: the same input gives the
    same interval.
    """
    point = figures(units)
    draws: dict[str, list[float]] = {name: [] for name in point}
    rng = random.Random(seed)
    count = len(units)
    for _ in range(samples if count else 0):
        sample = [units[rng.randrange(count)] for _ in range(count)]
        for name, value in figures(sample).items():
            if value is not None and name in draws:
                draws[name].append(value)
    tail = 100 * (1 - level) / 2
    return {
        name: Interval(
            value,
            percentile(draws[name], tail) if value is not None else None,
            percentile(draws[name], 100 - tail) if value is not None else None,
        )
        for name, value in point.items()
    }


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Agreement between two raters beyond chance: (observed − expected) / (1 − expected).

    ``pairs`` holds both raters' labels for each rated item. None with no pairs, or when chance
    agreement is already total (both raters used one and the same label throughout).
    """
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class CoveragePoint:
    """One abstention threshold: the share of all items answered, and the share of those answered that fail."""

    threshold: float
    coverage: float
    risk: float | None


def risk_coverage(outcomes: Sequence[tuple[float | None, bool, bool]]) -> list[CoveragePoint]:
    """The risk–coverage curve of abstaining on low similarity, from (top similarity, answered, failed) per item.

    The threshold is swept over every recorded top similarity, lowest first: at threshold t an item
    is answered when it was answered in the run and its top similarity is at least t. Raising the
    threshold can only turn answers into abstentions, so the curve is what the run's own answers
    support; below the run's threshold nothing changes (a lower threshold needs a new run).
    Coverage is over all items; risk is the share of the answered ones that failed (None when none is).
    """
    total = len(outcomes)
    answered = sorted((sim, failed) for sim, did_answer, failed in outcomes if did_answer and sim is not None)
    points = []
    for start, (threshold, _) in enumerate(answered):
        if start and answered[start - 1][0] == threshold:
            continue  # ties: one point per distinct threshold
        kept = answered[start:]
        points.append(CoveragePoint(threshold, len(kept) / total, sum(failed for _, failed in kept) / len(kept)))
    if answered:
        points.append(CoveragePoint(answered[-1][0] + 1e-9, 0.0, None))
    return points
