"""Two runs side by side: what differs between them, each figure's change with a bootstrap 95% interval,
and the items whose verdict changed (`carta eval --compare OLD NEW` and the Evaluation page).

Intervals come from resampling the items both runs answered (paired: an item's old and new results
stay together), so they say how much of a change a different draw of questions could explain.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.evaluation.report import FIGURES, KINDS, LABELS, delta
from assistant.evaluation.runner import (
    LATENCY_FIGURES,
    RATIO_FIGURES,
    ItemResult,
    consistency,
    metrics,
    paraphrase_groups,
    parts,
    spreads,
)
from assistant.evaluation.runs import Run
from assistant.evaluation.stats import BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED, Interval, interval, ratio_draws, resamples
from assistant.evaluation.thresholds import Thresholds
from assistant.stats import rank_index

#: Provenance entries a comparison names when they differ, with how they read.
PROVENANCE = (
    ("commit", "commit"),
    ("settings_hash", "settings"),
    ("corpus_version", "corpus version"),
    ("question_set_hash", "question set"),
)


#: The smallest change of a share that counts as a fall: below it, a change is float noise the report rounds away.
SHARE_STEP = 0.0005


@dataclass(frozen=True)
class FigureChange:
    """One figure of one configuration in both runs, and the new-minus-old change with its interval."""

    config: str
    key: str
    old: float | None
    new: float | None
    change: Interval
    gate: str | None = None  # "minimum" or "maximum" when thresholds.toml gates this figure
    fell: bool = False  # a gated figure moved the wrong way (see fell())

    @property
    def label(self) -> str:
        return LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class VerdictChange:
    """An item whose automatic verdict differs between the runs."""

    config: str
    id: str
    category: str
    old: str
    new: str


@dataclass
class Comparison:
    """Everything `--compare` prints and the page shows."""

    old: str
    new: str
    differences: list[str]
    figures: list[FigureChange]
    changes: list[VerdictChange]
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)

    @property
    def fallen(self) -> list[FigureChange]:
        return [f for f in self.figures if f.fell]


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """One line per provenance entry that differs, naming the settings and documents that changed."""
    if not old or not new:
        return ["one of the runs records no provenance (written before runs did)"]
    lines = []
    for key, label in PROVENANCE:
        if old.get(key) != new.get(key):
            lines.append(f"{label}: {old.get(key) or 'unknown'} → {new.get(key) or 'unknown'}")
    before, after = old.get("settings", {}), new.get("settings", {})
    lines += [
        f"  setting {name}: {before.get(name)!r} → {after.get(name)!r}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]
    docs_before, docs_after = old.get("documents", {}), new.get("documents", {})
    for word, names in (
        ("added", sorted(docs_after.keys() - docs_before.keys())),
        ("removed", sorted(docs_before.keys() - docs_after.keys())),
        ("changed", sorted(d for d in docs_before.keys() & docs_after.keys() if docs_before[d] != docs_after[d])),
    ):
        if names:
            lines.append(f"  documents {word} ({len(names)}): {', '.join(names[:8])}{' …' if len(names) > 8 else ''}")
    return lines


def fell(key: str, gate: str | None, old: float | None, new: float | None, change: Interval) -> bool:
    """Whether a gated figure got worse. A share (pass rate, recall…) falls on any drop the report can
    show (0.05 pp or more: one item of a 2,000-item set is 0.05 pp); a timing only when its whole
    interval lies on the worse side, since timings move with the machine's load."""
    if gate is None or old is None or new is None:
        return False
    worse = (old - new if gate == "minimum" else new - old) >= SHARE_STEP
    if not worse or KINDS.get(key, "share") == "share":
        return worse
    return change.excludes_zero


def intervals(
    pairs: Sequence[tuple[ItemResult, ItemResult]], samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED
) -> dict[str, Interval]:
    """Each figure's new-minus-old change over the items of ``pairs``, with its bootstrap interval.

    Every resample draws items (an item's old and new results together) and recomputes both runs'
    figures: the ratio figures from the items' parts (the parts metrics() sums) and the spreads
    (median words, latency percentiles, paraphrase consistency) from the resampled items.
    """
    picks = resamples(len(pairs), samples, seed)
    before, after = metrics([o for o, _ in pairs]), metrics([n for _, n in pairs])
    old_parts, new_parts = [parts(o) for o, _ in pairs], [parts(n) for _, n in pairs]
    out: dict[str, Interval] = {}
    for key in RATIO_FIGURES:
        draws = ratio_draws(*zip(*(p[key] for p in new_parts), strict=True), picks) if pairs else np.zeros(0)
        draws = draws - (ratio_draws(*zip(*(p[key] for p in old_parts), strict=True), picks) if pairs else 0)
        out[key] = interval(_change(before[key], after[key]), draws)
    spread_draws = _spread_draws(pairs, picks)
    for key in spreads([]):
        out[key] = interval(_change(before[key], after[key]), spread_draws.get(key, []))
    return out


def _spread_draws(pairs: Sequence[tuple[ItemResult, ItemResult]], picks: np.ndarray) -> dict[str, Sequence[float]]:
    """New-minus-old of each spread in each resample: percentiles and the median on sorted rows of the
    resamples (the same nearest rank as assistant.stats.percentile), paraphrase consistency group by group."""
    if not pairs:
        return {}
    draws: dict[str, Sequence[float]] = {}
    for key, q in LATENCY_FIGURES.items():
        rank = rank_index(len(pairs), q)
        old, new = (np.sort(np.array([p[side].latency_ms for p in pairs])[picks], axis=1) for side in (0, 1))
        draws[key] = new[:, rank] - old[:, rank]
    words = [np.array([np.nan if p[side].abstained else p[side].words for p in pairs]) for side in (0, 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample of abstentions only has no median
        draws["words_median"] = np.nanmedian(words[1][picks], axis=1) - np.nanmedian(words[0][picks], axis=1)
    if any(n.paraphrase_of for _, n in pairs):
        changes = []
        for row in picks:
            was = consistency(paraphrase_groups(pairs[i][0] for i in row).values())
            now = consistency(paraphrase_groups(pairs[i][1] for i in row).values())
            changes.append(np.nan if was is None or now is None else now - was)
        draws["paraphrase_consistency"] = changes
    return draws


def _change(old: float | None, new: float | None) -> float | None:
    return None if old is None or new is None else new - old


def compare_runs(
    old: Run,
    new: Run,
    gates: Thresholds | None = None,
    configs: Sequence[str] | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Comparison:
    """Compare ``new`` with ``old`` over the configurations both ran (or ``configs``), on the items both hold.

    Gates apply to the new run's default configuration, the one thresholds.toml gates.
    """
    names = [n for n in (configs or new.results) if n in old.results and n in new.results]
    figures: list[FigureChange] = []
    changes: list[VerdictChange] = []
    only_old: set[str] = set()
    only_new: set[str] = set()
    for name in names:
        before = {r.id: r for r in old.results[name]}
        after = {r.id: r for r in new.results[name]}
        only_old |= before.keys() - after.keys()
        only_new |= after.keys() - before.keys()
        pairs = [(before[i], after[i]) for i in after if i in before]
        changes_of = intervals(pairs, samples, seed)
        old_figures, new_figures = metrics([o for o, _ in pairs]), metrics([n for _, n in pairs])
        for key, _, _ in FIGURES:
            gate = None
            if gates is not None and name == new.default:
                gate = "minimum" if key in gates.minimum else "maximum" if key in gates.maximum else None
            was, now = old_figures.get(key), new_figures.get(key)
            change = changes_of[key]
            figures.append(FigureChange(name, key, was, now, change, gate, fell(key, gate, was, now, change)))
        changes += [
            VerdictChange(name, o.id, n.category, o.verdict, n.verdict) for o, n in pairs if o.verdict != n.verdict
        ]
    return Comparison(
        old=str(old.path),
        new=str(new.path),
        differences=differences(old.provenance, new.provenance),
        figures=figures,
        changes=changes,
        only_old=sorted(only_old),
        only_new=sorted(only_new),
    )


def interval_text(key: str, change: Interval) -> str:
    """The interval as the report prints changes: "[-2.1 pp, +0.7 pp]"."""
    if change.low is None or change.high is None:
        return "–"
    return f"[{delta(key, change.low, 0.0)}, {delta(key, change.high, 0.0)}]"
