"""The grounding verifier: every statement must be backed by the passages it cites.

It runs after every composer, extractive or LLM. A statement is removed when it cites nothing, when
a number (with its unit) or a drug name in it is absent from its cited passages, or when too few of
its words occur there. What is removed, and why, is reported in the answer's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import Verification
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import group_of, normalize
from assistant.text import numbers_in, strip_citations


@dataclass(frozen=True)
class Claim:
    """A statement to check and the passages it cites."""

    text: str
    passages: tuple[Passage, ...]


def squash(text: str) -> str:
    """Normalise spacing and separators so '1,000 mg' and '1000mg' compare equal."""
    return re.sub(r"[\s,]", "", normalize(text))


def support_score(text: str, passages: Sequence[Passage]) -> float:
    """Token-overlap support: the share of the statement's words found in its cited passages."""
    words = set(tokenize(strip_citations(text)))
    if not words:
        return 1.0
    found = set(tokenize(" ".join(f"{p.title} {p.section} {p.text}" for p in passages)))
    return len(words & found) / len(words)


def check(claim: Claim, min_support: float) -> str | None:
    """Why the claim fails, or None when it is grounded (``min_support``: ``Settings.min_support``)."""
    if not claim.passages:
        return "cites no passage"
    cited = " ".join(p.text for p in claim.passages)
    squashed = squash(cited)
    for number in numbers_in(claim.text):
        if squash(number) not in squashed:
            return f"number '{number}' is not in its cited passages"
    cited_norm = normalize(f"{cited} {' '.join(p.title for p in claim.passages)}")
    for drug in lexicon().entity_names("drug"):
        names = group_of(drug)
        if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", normalize(claim.text)) for n in names) and not any(
            n in cited_norm for n in names
        ):
            return f"drug '{drug}' is not in its cited passages"
    score = support_score(claim.text, claim.passages)
    if score < min_support:
        return f"support score {score:.2f} is below {min_support}"
    return None


def verify(claims: Sequence[Claim], min_support: float) -> tuple[list[bool], Verification]:
    """Check every claim, each needing ``min_support`` of its words in its cited passages; returns which to keep,
    and the report for the answer's JSON."""
    keep: list[bool] = []
    reasons: list[str] = []
    for claim in claims:
        reason = check(claim, min_support)
        keep.append(reason is None)
        if reason:
            reasons.append(f"{claim.text[:80]}: {reason}")
    return keep, Verification(statements=len(claims), removed=len(reasons), reasons=reasons)
