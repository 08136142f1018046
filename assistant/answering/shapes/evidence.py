"""The evidence shape: one line per study, strongest kind of source first, each labelled with its kind.

"Does earlier corticosteroid use reduce CRS?" is answered by what each study found; a reader weighs a
guideline above a case report, so the lines are ordered and labelled by source type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.answering.draft import Statement, joined
from assistant.documents import doc_type_label
from assistant.passage import Passage

#: Evidence answers put the strongest source first; lower is stronger.
EVIDENCE_RANK = {
    "guideline": 0, "consensus": 0, "label": 1, "regulatory": 1, "trial": 2, "cohort": 3,
    "case-series": 4, "case-report": 5, "review": 6, "local": 7,
}  # fmt: skip


def by_study(statements: list[Statement], passages: Sequence[Passage]) -> list[Statement]:
    """One line per study: a study's sentences in the order chosen, each keeping its own citations."""
    studies: dict[str, list[Statement]] = {}
    for statement in statements:
        studies.setdefault(passages[statement.sources[0]].doc_id, []).append(statement)
    return [joined(parts) for parts in studies.values()]


def by_evidence_strength(statements: list[Statement], passages: Sequence[Passage]) -> list[Statement]:
    """Strongest source first, each line labelled with what kind of source it is."""
    ordered = sorted(statements, key=lambda s: EVIDENCE_RANK.get(passages[s.sources[0]].doc_type, 9))
    return [replace(s, label=doc_type_label(passages[s.sources[0]].doc_type)) for s in ordered]
