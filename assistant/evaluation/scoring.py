"""Pure scoring functions: retrieval ranks, rubric points and grades, citations, numbers, abstention.

Each takes plain values and returns plain values, so tests can check them by hand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.answering.verify import squash, support_score
from assistant.evaluation.questions import Fact, Harm, WrongLead
from assistant.tables import RULE, is_table_line
from assistant.text import (
    BULLET,
    CITATION_RUN,
    LEAD_BREAK,
    citation_numbers,
    numbers_in,
    split_sentences,
    strip_citations,
)

#: Grade bounds on the points fraction, from evals/SCHEMA.md; below the last one is F.
GRADE_BOUNDS: tuple[tuple[float, str], ...] = ((0.9, "A"), (0.75, "B"), (0.6, "C"), (0.4, "D"))
WORD = re.compile(r"\S*\w\S*")


class Cited(Protocol):
    """What scoring reads from a citation (``Citation`` and ``Passage`` both qualify)."""

    title: str
    section: str
    text: str


# --- retrieval ---------------------------------------------------------------------------------


def document_ranking(doc_ids: Iterable[str]) -> list[str]:
    """Chunk hits' document ids, best first, reduced to each document's first appearance."""
    return list(dict.fromkeys(doc_ids))


def recall_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Capped recall (BEIR's R_cap@k): gold documents in the top k over min(k, |gold|), so 1 is perfect."""
    if not gold:
        return 0.0
    return len(set(ranked[:k]) & set(gold)) / min(k, len(gold))


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str]) -> float:
    """1 / rank of the first gold document, 0 when none is ranked."""
    return next((1.0 / rank for rank, doc in enumerate(ranked, start=1) if doc in gold), 0.0)


def ndcg_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Normalised discounted cumulative gain over the top k, with binary relevance."""
    gain = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(gold)) + 1))
    return gain / ideal if ideal else 0.0


# --- rubric -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """Rubric points of one answer: matched facts, missed facts and matched harmful statements."""

    scored: float
    possible: float
    matched: tuple[str, ...]
    missed: tuple[str, ...]
    violated: tuple[str, ...]

    @property
    def key_fact_coverage(self) -> float | None:
        """Share of the must_include facts the answer states; None when the item lists none."""
        facts = len(self.matched) + len(self.missed)
        return len(self.matched) / facts if facts else None


def score_points(answer: str, facts: Sequence[Fact], harms: Sequence[Harm]) -> Points:
    """Matched fact points plus matched (negative) harm points, floored at 0, out of all fact points."""
    matched = [f for f in facts if f.matches(answer)]
    violated = [h for h in harms if h.matches(answer)]
    total = sum(f.points for f in matched) + sum(h.points for h in violated)
    return Points(
        scored=max(0.0, total),
        possible=sum(f.points for f in facts),
        matched=tuple(f.fact for f in matched),
        missed=tuple(f.fact for f in facts if f not in matched),
        violated=tuple(h.fact for h in violated),
    )


def failure_reasons(
    points: Points,
    abstained: bool,
    abstain: bool,
    citations: int,
    wrong: Sequence[str] = (),
    padded: tuple[int, int] | None = None,
) -> list[str]:
    """Why an item fails under evals/SCHEMA.md; empty when it passes.

    ``wrong`` holds the wrong-lead facts the lead line matched; ``padded`` is (words, max_words) when
    the answer ran over the item's cap.
    """
    reasons = []
    if abstained and not abstain:
        reasons.append("abstained, but the corpus answers this question")
    if abstain and not abstained:
        reasons.append("answered, but should have abstained")
    if abstain and citations:
        reasons.append(f"cites {citations} source(s) while it should abstain")
    reasons += [f"missing fact: {fact}" for fact in points.missed]
    reasons += [f"wrong statement: {fact}" for fact in points.violated]
    reasons += [f"wrong lead: {fact}" for fact in wrong]
    if padded is not None:
        reasons.append(f"padded: {padded[0]} words > {padded[1]}")
    return reasons


def points_fraction(points: Points, passed: bool) -> float:
    """Scored over possible points; an item with no possible points (abstain items) scores 1 if it passed."""
    return points.scored / points.possible if points.possible else float(passed)


def grade(fraction: float) -> str:
    """A (≥ 0.9), B (≥ 0.75), C (≥ 0.6), D (≥ 0.4), else F."""
    return next((letter for bound, letter in GRADE_BOUNDS if fraction >= bound), "F")


# --- the lead line, wrong-setting leads, paraphrase groups -------------------------------------


def lead_line(answer: str) -> str:
    """The answer's lead: the first sentence of its first line with content. Headings, blank lines, table
    rules and the header row above a rule are skipped; bullet and [n] markers are stripped. A table-first
    answer leads with its first row; a one-paragraph answer with its first sentence."""
    lines = answer.splitlines()
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if RULE.match(line) or RULE.match(following) or line.lstrip().startswith("#"):
            continue
        text = strip_citations(BULLET.sub("", line)).strip()
        if re.search(r"\w", text):
            return LEAD_BREAK.split(text, maxsplit=1)[0]
    return ""


def wrong_leads(lead: str, leads: Sequence[WrongLead]) -> list[str]:
    """The facts of the item's ``wrong_lead`` patterns that the lead line matches."""
    return [w.fact for w in leads if w.matches(lead)]


def paraphrase_consistency(groups: Iterable[Sequence[bool]]) -> float | None:
    """Share of groups (an original and its paraphrases, pass or fail each) whose items all pass.

    Groups of one (an original whose paraphrases were not run) are left out; None when none remain.
    """
    judged = [all(group) for group in groups if len(group) > 1]
    return sum(judged) / len(judged) if judged else None


# --- citations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence (or table row) of an answer and the citation numbers that back it."""

    text: str
    marks: tuple[int, ...]


def _segment_sentences(text: str) -> list[str]:
    """Sentences and table rows of one cited segment; table headers and rules are left out."""
    lines = text.splitlines()
    out: list[str] = []
    for number, line in enumerate(lines):
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if RULE.match(line) or RULE.match(following):
            continue
        line = BULLET.sub("", line).strip().strip("|").strip()
        if not line or line.startswith("#"):
            continue
        out.extend(s for s in split_sentences(line) if re.search(r"\w", s))
    return out


def sentences(answer: str) -> list[Sentence]:
    """The answer split into sentences, each carrying the [n] markers that close its segment.

    A segment runs from the end of one run of markers to the end of the next, so a bulleted
    statement, a table row and a whole quoted passage each take the markers that follow them.
    Text after the last markers cites nothing.
    """
    found: list[Sentence] = []
    start = 0
    for run in CITATION_RUN.finditer(answer):
        marks = tuple(citation_numbers(run.group(0)))
        found += [Sentence(s, marks) for s in _segment_sentences(answer[start : run.start()])]
        start = run.end()
    found += [Sentence(s, ()) for s in _segment_sentences(answer[start:])]
    return found


def citation_problems(answer: str, citations: Mapping[int, str], indexed: Collection[str]) -> list[str]:
    """Dangling [n] markers and citations to chunks the index does not hold.

    ``citations`` maps each citation number to its chunk id; ``indexed`` holds the index's chunk ids.
    """
    problems = [f"[{n}] resolves to no citation" for n in dict.fromkeys(citation_numbers(answer)) if n not in citations]
    problems += [
        f"citation [{n}] is chunk {chunk}, which is not indexed"
        for n, chunk in citations.items()
        if chunk not in indexed
    ]
    return problems


def _cited(sentence: Sentence, by_number: Mapping[int, Cited]) -> list[Cited]:
    return [by_number[n] for n in sentence.marks if n in by_number]


def ungrounded_numbers(found: Sequence[Sentence], by_number: Mapping[int, Cited]) -> tuple[int, list[str]]:
    """How many numbers the sentences state, and those absent from the passages their sentence cites.

    Uses the verifier's own number pattern and normalisation, so '1,000 mg' matches '1000mg'.
    """
    total = 0
    missing: list[str] = []
    for sentence in found:
        cited = squash(" ".join(p.text for p in _cited(sentence, by_number)))
        for number in numbers_in(sentence.text):
            total += 1
            if squash(number) not in cited:
                missing.append(f"'{number}' in: {sentence.text[:80]}")
    return total, missing


def token_overlap_support(found: Sequence[Sentence], by_number: Mapping[int, Cited]) -> list[float]:
    """Each sentence's share of words found in the passages it cites (0 when it cites none)."""
    return [support_score(s.text, cited) if (cited := _cited(s, by_number)) else 0.0 for s in found]


# --- abstention, length, latency ---------------------------------------------------------------


def abstention_parts(expected: bool, actual: bool) -> dict[str, tuple[float, float]]:
    """One item's (numerator, denominator) in each abstention figure, from should abstain / did abstain.

    The positive class is "abstain": precision is the share of abstentions that were right, recall
    the share of unanswerable questions that got one.
    """
    hit = float(expected and actual)
    return {
        "abstention_accuracy": (float(expected == actual), 1.0),
        "abstention_precision": (hit, float(actual)),
        "abstention_recall": (hit, float(expected)),
    }


def ratios(parts: Iterable[Mapping[str, tuple[float, float]]], keys: Sequence[str]) -> dict[str, float | None]:
    """Each figure as the sum of its items' numerators over the sum of their denominators; None over 0."""
    totals = {key: [0.0, 0.0] for key in keys}
    for item in parts:
        for key in keys:
            numerator, denominator = item[key]
            totals[key][0] += numerator
            totals[key][1] += denominator
    return {key: (n / d if d else None) for key, (n, d) in totals.items()}


def answer_words(answer: str) -> int:
    """Words a reader reads in the prose: markdown table lines and [n] markers are not counted."""
    prose = "\n".join(line for line in answer.splitlines() if not is_table_line(line))
    return len(WORD.findall(strip_citations(prose)))
