"""The gates of `carta eval --check`: minimum (and maximum) figures for the default configuration.

They live in `evals/thresholds.toml`; a figure on the wrong side of its gate fails the check.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import UsageError
from assistant.evaluation.runner import ITEM_SETS


@dataclass(frozen=True)
class Thresholds:
    """Figures that must be reached (``minimum``) or not exceeded (``maximum``)."""

    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)

    def shortfalls(self, metrics: Mapping[str, float | None]) -> list[str]:
        """One line per figure on the wrong side of its gate; a figure not measured is reported too."""
        out = []
        for bounds, worse, word in ((self.minimum, float.__lt__, "below"), (self.maximum, float.__gt__, "above")):
            for name, limit in bounds.items():
                value = metrics.get(name)
                if value is None:
                    out.append(f"{name} was not measured (the items run hold nothing to measure it on)")
                elif worse(float(value), float(limit)):
                    out.append(f"{name} = {value:.3f} is {word} its threshold {limit}")
        return out


#: The tables of the file: the "base" item set's gates (`make eval`), the smoke subset's (`make test`), and
#: one pair per other item set of runner.ITEM_SETS ([set.test.minimum], [set.new.maximum], ...).
TABLES = (
    "minimum",
    "maximum",
    "smoke.minimum",
    "smoke.maximum",
    *(f"set.{name}.{bound}" for name in ITEM_SETS if name != "base" for bound in ("minimum", "maximum")),
)


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    """Tables by dotted name: {"smoke": {"minimum": ...}} becomes {"smoke.minimum": ...}, and
    {"set": {"test": {"minimum": ...}}} becomes {"set.test.minimum": ...}."""
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key in ("smoke", "set") or (prefix == "set." and isinstance(value, dict)):
            flat.update(_flatten(value, f"{name}.") if isinstance(value, dict) else {name: value})
        else:
            flat[name] = value
    return flat


def load_thresholds(path: Path, known: set[str], scope: str = "full") -> Thresholds:
    """Read the gates of ``scope``: "full" (the top-level tables, for the "base" item set), "smoke" (the
    [smoke.*] tables) or "set.NAME" (the [set.NAME.*] tables of another item set).

    A missing file, bad TOML, or an unknown table or figure name is a usage error (exit 2).
    """
    try:
        tables = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        msg = f"thresholds file {path} not found"
        raise UsageError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise UsageError(msg) from exc
    problems = [f"{path}: [{name}] is not one of {', '.join(TABLES)}" for name in tables if name not in TABLES]
    for name in (n for n in TABLES if n in tables):
        table = tables[name]
        if not isinstance(table, dict):
            problems.append(f"{path}: [{name}] must be a table")
            continue
        for figure, value in table.items():
            if figure not in known:
                problems.append(f"{path}: {figure} in [{name}] is not a figure carta eval reports")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"{path}: {figure} in [{name}] must be a number")
    if problems:
        raise UsageError("\n".join(problems))
    prefix = "" if scope == "full" else f"{scope}."
    return Thresholds(
        minimum=dict(tables.get(f"{prefix}minimum", {})), maximum=dict(tables.get(f"{prefix}maximum", {}))
    )


def set_shortfalls(path: Path, known: set[str], figures: Mapping[str, Mapping[str, float | None]]) -> list[str]:
    """Every item set's gates against that set's figures (``figures``: set name to metrics).

    The top-level tables gate the "base" set; [set.NAME.*] gate set NAME. A set that was not run (for
    example "test" under `--split dev`) is not checked; each shortfall names its set.
    """
    out = []
    for name, measured in figures.items():
        scope = "full" if name == "base" else f"set.{name}"
        out += [f"{name} set: {line}" for line in load_thresholds(path, known, scope).shortfalls(measured)]
    return out
