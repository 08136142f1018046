"""Statistics an evaluator reads beside the figures: bootstrap intervals, Cohen's kappa, risk–coverage.

Pure functions over plain values, so tests check them by hand.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.stats import percentile

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


def resamples(count: int, samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """``samples`` rows of ``count`` item indices drawn with replacement; seeded, so intervals repeat."""
    return np.random.default_rng(seed).integers(0, count, size=(samples, count)) if count else np.zeros((0, 0), int)


def ratio_draws(numerators: Sequence[float], denominators: Sequence[float], picks: np.ndarray) -> np.ndarray:
    """A ratio figure (sum of numerators over sum of denominators) in each resample; NaN where it sums to 0."""
    if not picks.size:
        return np.zeros(0)
    above = np.asarray(numerators, dtype=float)[picks].sum(axis=1)
    below = np.asarray(denominators, dtype=float)[picks].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(below > 0, above / np.where(below > 0, below, 1), np.nan)


def interval(value: float | None, draws: Iterable[float], level: float = 0.95) -> Interval:
    """The percentile interval of a figure's resampled values (NaN draws, unmeasurable, left out)."""
    finite = [float(d) for d in draws if not math.isnan(d)]
    if value is None or not finite:
        return Interval(value, None, None)
    tail = 100 * (1 - level) / 2
    return Interval(value, percentile(finite, tail), percentile(finite, 100 - tail))


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
    kept = failures = 0
    for position in range(len(answered) - 1, -1, -1):  # from the highest similarity down, counting as we go
        threshold, failed = answered[position]
        kept += 1
        failures += failed
        if position and answered[position - 1][0] == threshold:
            continue  # ties: one point per distinct threshold
        points.append(CoveragePoint(threshold, kept / total, failures / kept))
    points.reverse()
    if answered:
        points.append(CoveragePoint(answered[-1][0] + 1e-9, 0.0, None))
    return points
