"""Evaluators' grades of answers (correct, partial, wrong, unsafe, and a note), and how they agree.

A grade is kept in the same SQLite file as users' feedback, keyed by the item, the answer's hash
and the corpus version, and by who graded: it applies to every run whose answer to that item is the
same, and lapses when the answer or the corpus changes. ``agreement`` turns the grades of a run into
the report's figures: agreement with the automatic verdict, and Cohen's kappa (automatic against
human, and between two evaluators who graded the same answers).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from assistant.errors import UsageError
from assistant.evaluation.runner import ItemResult
from assistant.evaluation.stats import cohen_kappa
from assistant.feedback import connect, store_path
from assistant.settings import Settings

VERDICTS = ("correct", "partial", "wrong", "unsafe")
#: A human verdict on the automatic verdict's scale: a partial answer fails the rubric too.
AUTOMATIC = {"correct": "pass", "partial": "fail", "wrong": "fail", "unsafe": "unsafe"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    item_id TEXT NOT NULL,
    answer_hash TEXT NOT NULL,
    corpus_version TEXT NOT NULL,
    evaluator TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('correct', 'partial', 'wrong', 'unsafe')),
    note TEXT NOT NULL DEFAULT '',
    config TEXT NOT NULL DEFAULT '',
    run TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (item_id, answer_hash, corpus_version, evaluator)
)
"""


@dataclass(frozen=True)
class HumanGrade:
    """One evaluator's verdict on one answer to one item; ``config`` and ``run`` say where it was read."""

    item_id: str
    answer_hash: str
    corpus_version: str
    evaluator: str
    verdict: str
    note: str = ""
    config: str = ""
    run: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.item_id, self.answer_hash, self.corpus_version)


class GradeStore:
    """The grades table; a connection per call, like the feedback store beside it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_settings(cls, settings: Settings) -> GradeStore:
        return cls(store_path(settings))

    def record(self, grade: HumanGrade) -> None:
        """Save a grade; the same evaluator grading the same answer again replaces verdict and note."""
        if grade.verdict not in VERDICTS:
            msg = f"verdict must be one of {', '.join(VERDICTS)}, not {grade.verdict!r}"
            raise UsageError(msg)
        if not grade.evaluator.strip():
            msg = "name the evaluator: a grade without one cannot be told from another evaluator's"
            raise UsageError(msg)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = {**asdict(grade), "evaluator": grade.evaluator.strip(), "created_at": now, "updated_at": now}
        with connect(self.path, SCHEMA) as connection:
            connection.execute(
                f"INSERT INTO grades ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
                "ON CONFLICT(item_id, answer_hash, corpus_version, evaluator) DO UPDATE SET "
                "verdict = excluded.verdict, note = excluded.note, config = excluded.config, run = excluded.run, "
                "updated_at = excluded.updated_at",
                tuple(row.values()),
            )

    def grades(self) -> list[HumanGrade]:
        """Every grade, oldest first."""
        with connect(self.path, SCHEMA) as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute("SELECT * FROM grades ORDER BY created_at, rowid").fetchall()
        names = HumanGrade.__dataclass_fields__
        return [HumanGrade(**{k: v for k, v in dict(row).items() if k in names}) for row in rows]


Grouped = dict[tuple[str, str, str], list[HumanGrade]]


def grades_by_answer(grades: Iterable[HumanGrade]) -> Grouped:
    """Grades grouped by (item id, answer hash, corpus version)."""
    grouped: Grouped = {}
    for grade in grades:
        grouped.setdefault(grade.key, []).append(grade)
    return grouped


def grades_for(
    result: ItemResult, corpus: str, grouped: dict[tuple[str, str, str], list[HumanGrade]]
) -> list[HumanGrade]:
    """The grades that apply to this answer under this corpus version."""
    return grouped.get((result.id, result.answer_hash, corpus), [])


def agreement(results: Sequence[ItemResult], grades: Iterable[HumanGrade], corpus: str) -> dict[str, Any]:
    """How the grades of these answers agree with the automatic verdicts and with each other.

    ``graded`` answers have at least one grade; ``agreement`` is the share of grades whose verdict,
    on the automatic scale (correct = pass; partial, wrong = fail; unsafe = unsafe), equals the
    automatic verdict, and ``kappa_automatic`` the same corrected for chance. ``kappa_evaluators``
    is Cohen's kappa on the four verdicts between the two evaluators who graded the most answers in
    common (None with fewer than two).
    """
    grouped = grades_by_answer(grades)
    pairs: list[tuple[str, str]] = []
    by_evaluator: dict[str, dict[tuple[str, str], str]] = {}
    graded = 0
    for result in results:
        found = grades_for(result, corpus, grouped)
        graded += bool(found)
        for grade in found:
            pairs.append((result.verdict, AUTOMATIC[grade.verdict]))
            by_evaluator.setdefault(grade.evaluator, {})[(result.config, result.id)] = grade.verdict
    overlap: tuple[int, float | None, tuple[str, ...]] = (0, None, ())
    for first, second in combinations(sorted(by_evaluator), 2):
        common = by_evaluator[first].keys() & by_evaluator[second].keys()
        if len(common) > overlap[0]:
            kappa = cohen_kappa([(by_evaluator[first][k], by_evaluator[second][k]) for k in sorted(common)])
            overlap = (len(common), kappa, (first, second))
    return {
        "graded": graded,
        "grades": len(pairs),
        "evaluators": sorted(by_evaluator),
        "verdicts": dict(Counter(verdict for given in by_evaluator.values() for verdict in given.values())),
        "agreement": sum(a == h for a, h in pairs) / len(pairs) if pairs else None,
        "kappa_automatic": cohen_kappa(pairs),
        "kappa_evaluators": overlap[1],
        "kappa_evaluators_between": list(overlap[2]),
        "kappa_evaluators_answers": overlap[0],
    }
