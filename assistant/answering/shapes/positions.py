"""Whether the guideline bodies agree: each body's position, one line per body.

"Keppra ppx after CAR-T: what dose, and do all the societies recommend it?" asks for the dose and for the
positions, which differ (CARTOX and the Italian societies for all or most patients, ASCO for high-risk
patients, EBMT/JACIE/EHA not except in high-risk cases); the dosing rows alone would read as a consensus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.draft import Statement
from assistant.answering.question import named_sources
from assistant.answering.units import Unit
from assistant.lexicon import lexicon
from assistant.passage import Passage

#: A sentence giving a body's position: it recommends, suggests or considers something, or does not.
POSITION = re.compile(r"\brecommend\w*|\bsuggest\w*|\bconsider\w*", re.IGNORECASE)
#: A position against, or only for some patients ("does not recommend ... except in high-risk cases").
AGAINST = re.compile(r"\bnot recommend\w*|\bexcept\b|\bonly\b|\bhigh[- ]risk\b", re.IGNORECASE)
#: A body the lexicon does not name ("SFGM-TC", "a Chinese expert panel", "the Pan-UK pharmacy working group").
BODY = re.compile(r"\bsociet(?:y|ies)\b|\bpanel\b|\bworking group\b", re.IGNORECASE)
#: Bodies a document must give positions for to answer whether the bodies agree.
MIN_BODIES = 2


def positions(scored: list[tuple[float, Unit]], passages: Sequence[Passage], limit: int) -> list[Statement]:
    """What each body recommends, one sentence per body, up to ``limit``, from the document that compares the
    most bodies (a comparison is answered from a comparison, not from one body's line on another topic). The best
    position against (or limited to some patients) and the best for come first, so the answer shows whether the
    bodies agree; None found, the list is empty."""
    found = [
        u for value, u in scored
        if value > 0 and not u.cells and POSITION.search(u.text) and (named_sources(u.text) or BODY.search(u.text))
    ]  # fmt: skip
    by_document: dict[str, list[Unit]] = {}
    for unit in found:
        by_document.setdefault(passages[unit.passage].doc_id, []).append(unit)
    compared = max(by_document.values(), key=lambda units: len({body_of(u) for u in units}), default=[])
    if len({body_of(u) for u in compared}) < MIN_BODIES:
        return []
    against = [u for u in compared if AGAINST.search(u.text)]
    first = against[:1] + [u for u in compared if u not in against][:1]
    chosen: list[Unit] = []
    for unit in [*first, *compared]:
        if unit not in chosen and body_of(unit) not in {body_of(u) for u in chosen}:
            chosen.append(unit)
    return [Statement(u.text, [u.passage]) for u in chosen[:limit]]


def body_of(unit: Unit) -> frozenset[str]:
    """The bodies a position names ('EBMT/JACIE/EHA' -> ebmt, jacie, eha), or the sentence itself for a body
    the lexicon does not know ('SFGM-TC')."""
    return frozenset(named_sources(unit.text)) or frozenset({unit.text})


def asks_positions(text: str) -> bool:
    """Whether ``text`` itself asks whether the bodies agree (``asks.positions`` of the lexicon)."""
    pattern = lexicon().reading_patterns.get("asks.positions")
    return bool(pattern and pattern.search(text))
