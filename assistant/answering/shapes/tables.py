"""The whole-table shape: a small table answered whole for "what's in X?".

"What's in the ICE score?" is answered by every row of the table headed by it, not its best-matching rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.draft import Statement
from assistant.answering.scoring import Scorer
from assistant.answering.units import Unit
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize

#: Questions that ask what something is made of ("what's in the ICE score?", "HLH-2004 criteria?"):
#: when a table is headed by that thing, the answer is the whole table, not its best-matching rows.
COMPOSITION = re.compile(
    r"\bwhat'?s in\b|\bwhats in\b|\bcomponents?\b|\bconsists?\b|\bmade up\b|\bcriteri(a|on)\b|"
    r"\bdefinition\b|\bdefined\b|\bwhich (labs|tests|items|tasks|features|markers)\b",
    re.IGNORECASE,
)
#: Sentences above a table answered whole that point to it ("the criteria below") come first.
TABLE_REFERENCE = re.compile(r"\bbelow\b|\bin the table\b", re.IGNORECASE)


def whole_table(
    core: set[str], passages: Sequence[Passage], units: list[Unit], scored: list[tuple[float, Unit]], scorer: Scorer
) -> list[Statement]:
    """The rows of the first retrieved table whose heading names what is asked, after the best
    sentence of its document; empty when no small table is headed by the question's subject."""
    rules = scorer.rules
    # Sorted: two words of equal rarity are decided alphabetically, not by the set's hash-seeded order.
    # The words asking for a whole table ("criteria", "definition") name no subject: "CRS definition" is about CRS.
    known = sorted(
        t for t in core if t in scorer.idf and not t.isdigit() and len(t) > 1 and not COMPOSITION.fullmatch(t)
    )
    if not known:
        return []
    subject = max(known, key=scorer.weight)  # the rarest word: 'carvykti' in "what's in the carvykti boxed warning"
    for position, passage in enumerate(passages):
        rows = [u for u in units if u.passage == position and u.cells]
        if not 2 <= len(rows) <= rules.whole_table_rows:
            continue
        heading = set(tokenize(f"{passage.title} {passage.section}", parts=False))
        if subject not in heading or scorer.coverage(Unit("", position), passage, core) < rules.min_heading_coverage:
            continue
        # The sentences that introduce the table ("... the criteria below"), else the best of its section.
        prose = [u for value, u in scored if value > 0 and not u.cells and passages[u.passage].doc_id == passage.doc_id]
        prose.sort(key=lambda u: (not TABLE_REFERENCE.search(u.text), passages[u.passage].section != passage.section))
        lead = [Statement(u.text, [u.passage]) for u in prose[: rules.whole_table_leads]]
        return [*lead, *(Statement(u.text, [u.passage], u.cells) for u in rows)]
    return []
