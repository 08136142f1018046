"""The extractive composer: answers made only of sentences and table rows quoted from passages.

It never writes a fact of its own. It splits the retrieved passages into units (sentences, table
rows), scores each against the question by IDF-weighted term overlap, and keeps the best ones,
best first, each with the passages it came from. Dosing questions get a table of whole dosing rows.
Weak evidence gives an abstention instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.answering.intent import Intent
from assistant.conversation import entities
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import expansions

#: Statements in a prose answer, and the word budget they share (the first always fits).
MAX_STATEMENTS = 4
MAX_WORDS = 120
#: Rows in a dosing table answer.
MAX_DOSING_ROWS = 8
#: A unit joins the answer only if it scores at least this share of the best unit's score.
RELATIVE_CUTOFF = 0.45
#: Share of the question's IDF weight the best unit must cover, or Carta abstains.
MIN_COVERAGE = 0.3
#: Score factor for a unit about another grade than the one asked ("grade 2 ICANS" for a grade 3 question).
OTHER_GRADE_FACTOR = 0.4
GRADE_MENTION = re.compile(r"\b(?:grade|g)\s*:?\s*([1-5])(?:\s*(?:–|-|to|and)\s*([1-5]))?\b", re.IGNORECASE)
#: Units this similar (Jaccard over tokens) are one statement with several citations.
MERGE_SIMILARITY = 0.6
#: Weights: expansion terms and section/title context count less than the question's own words.
EXPANSION_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.3

#: Words that mark the kind of sentence each question type wants (results for evidence questions,
#: schedules for monitoring ones); they count like synonym expansions.
INTENT_HINTS: dict[Intent, str] = {
    Intent.EVIDENCE: "started day outcome response responded recovery recovered improved resolved normalized n=",
    Intent.MONITORING: "monitor daily weeks days stay driving",
    Intent.MANAGEMENT: "treated managed recommended first line",
    Intent.GRADING: "grade defined criteria",
}

DOSING_HEADER = ("drug", "dose", "route", "frequency", "maximum", "population", "setting", "use")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Unit:
    """A quotable piece of one passage: a sentence, or a table row with its header."""

    text: str
    passage: int
    cells: Mapping[str, str] | None = None

    @property
    def is_dosing_row(self) -> bool:
        return self.cells is not None and tuple(self.cells)[:2] == DOSING_HEADER[:2]


@dataclass
class Statement:
    """One line of the answer and the passages (by retrieval position) that back it."""

    text: str
    sources: list[int]
    cells: Mapping[str, str] | None = None


@dataclass
class Draft:
    """The composer's output, before citation numbering and verification."""

    statements: list[Statement] = field(default_factory=list)
    table: list[Statement] = field(default_factory=list)
    abstained: bool = False
    reason: str = ""


def split_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def table_units(text: str, passage: int) -> list[Unit]:
    """Each body row of a markdown table as a unit carrying its header."""
    lines = [line for line in text.splitlines() if line.strip().startswith("|")]
    if len(lines) < 3:
        return []
    header = [h.lower() for h in split_cells(lines[0])]
    units = []
    for line in lines[2:]:
        cells = split_cells(line)
        if len(cells) != len(header):
            continue
        pairs = dict(zip(header, cells, strict=True))
        rendered = "; ".join(f"{h}: {c}" for h, c in pairs.items() if c and c not in {"—", "-"})
        units.append(Unit(rendered, passage, pairs))
    return units


def prose_units(text: str, passage: int) -> list[Unit]:
    """Sentences of a prose passage; list items are split off first."""
    units = []
    for line in text.splitlines():
        line = BULLET.sub("", line).strip()
        if not line or line.startswith("#"):
            continue
        units.extend(Unit(s.strip(), passage) for s in SENTENCE_END.split(line) if len(s.split()) >= 3)
    return units


def units_of(passages: Sequence[Passage]) -> list[Unit]:
    units: list[Unit] = []
    for position, passage in enumerate(passages):
        if passage.kind == "table":
            units.extend(table_units(passage.text, position))
        else:
            units.extend(prose_units(passage.text, position))
    return units


class ExtractiveComposer:
    """Quote the units that best answer the question; ``idf`` weights terms by rarity."""

    def __init__(self, idf: Mapping[str, float]) -> None:
        self.idf = idf
        self.default_idf = max(idf.values(), default=1.0)

    def weight(self, token: str) -> float:
        return max(self.idf.get(token, self.default_idf), 0.05)

    def score(
        self, unit: Unit, passage: Passage, core: set[str], extra: set[str], rank: int, grade: str | None = None
    ) -> float:
        tokens = set(tokenize(unit.text, parts=False))
        context = set(tokenize(f"{passage.title} {passage.section}", parts=False))
        value = sum(self.weight(t) for t in core & tokens)
        value += EXPANSION_WEIGHT * sum(self.weight(t) for t in extra & tokens)
        value += CONTEXT_WEIGHT * sum(self.weight(t) for t in (core - tokens) & context)
        if grade is not None:
            mentioned = grades_in(unit.text)
            if mentioned and grade not in mentioned:
                value *= OTHER_GRADE_FACTOR
        return value * (1.0 + 0.1 / (1 + rank)) / (1.0 + 0.01 * len(tokens))

    def coverage(self, unit: Unit, passage: Passage, core: set[str]) -> float:
        """Share of the question's weight found in the unit or its section and title."""
        if not core:
            return 0.0
        found = set(tokenize(f"{unit.text} {passage.title} {passage.section}", parts=False)) & core
        return sum(self.weight(t) for t in found) / sum(self.weight(t) for t in core)

    def run(self, question: str, passages: Sequence[Passage], intent: Intent) -> Draft:
        """Compose from ``passages`` (best first); abstain when nothing answers the question."""
        core = set(tokenize(question, parts=False))
        extra = set(tokenize(" ".join([*expansions(question), INTENT_HINTS.get(intent, "")]), parts=False)) - core
        units = [u for u in units_of(passages) if intent is Intent.DOSING or not _unstated_dose(u)]
        if not units or not core:
            return Draft(abstained=True, reason="no passage text matches the question")
        asked = grades_in(question)
        grade = next(iter(asked)) if len(asked) == 1 else None
        scored = sorted(
            ((self.score(u, passages[u.passage], core, extra, u.passage, grade), u) for u in units),
            key=lambda pair: -pair[0],
        )
        best_score, best = scored[0]
        if best_score <= 0 or self.coverage(best, passages[best.passage], core) < MIN_COVERAGE:
            return Draft(abstained=True, reason="the best passage covers too little of the question")
        if intent is Intent.DOSING:
            table = self._dosing_rows(question, scored)
            if table:
                return Draft(statements=[self._lead_for(table[0])], table=table)
        return Draft(statements=self._select(scored, best_score))

    def _select(self, scored: list[tuple[float, Unit]], best_score: float) -> list[Statement]:
        chosen: list[tuple[set[str], Statement]] = []
        words = 0
        for value, unit in scored:
            if value < RELATIVE_CUTOFF * best_score or len(chosen) >= MAX_STATEMENTS:
                break
            tokens = set(tokenize(" ".join(unit.cells.values()) if unit.cells else unit.text))
            twin = next((s for toks, s in chosen if _jaccard(toks, tokens) >= MERGE_SIMILARITY), None)
            if twin is not None:
                if unit.passage not in twin.sources:
                    twin.sources.append(unit.passage)
                continue
            length = len(unit.text.split())
            if chosen and words + length > MAX_WORDS:
                continue
            chosen.append((tokens, Statement(unit.text, [unit.passage], unit.cells)))
            words += length
        return [s for _, s in chosen]

    def _dosing_rows(self, question: str, scored: list[tuple[float, Unit]]) -> list[Statement]:
        """Dosing rows for the drugs the question names (any drug when it names none), best first."""
        drugs = set(entities(question).get("drug", []))
        rows: list[Statement] = []
        seen: set[tuple[str, ...]] = set()
        for value, unit in scored:
            if not unit.is_dosing_row or value <= 0 or unit.cells is None:
                continue
            drug_cell = unit.cells.get("drug", "").lower()
            if drugs and not any(d in drug_cell for d in drugs):
                continue
            key = tuple(unit.cells.values())
            if key in seen or unit.cells.get("dose", "").lower() in {"not stated", "not verified", ""}:
                continue
            seen.add(key)
            rows.append(Statement(unit.text, [unit.passage], unit.cells))
            if len(rows) >= MAX_DOSING_ROWS:
                break
        return rows

    @staticmethod
    def _lead_for(row: Statement) -> Statement:
        """A one-line answer above the table, built only from the top row's own cells."""
        cells = row.cells or {}
        parts = [f"{cells.get('drug', '')}: {cells.get('dose', '')}"]
        for name in ("route", "frequency"):
            if cells.get(name) and cells[name] != "not stated":
                parts.append(cells[name])
        text = ", ".join(parts)
        if cells.get("maximum") and cells["maximum"] != "not stated":
            text += f"; maximum {cells['maximum']}"
        context = "; ".join(c for c in (cells.get("population"), cells.get("setting")) if c and c != "not stated")
        if context:
            text += f" ({context})"
        return Statement(text[0].upper() + text[1:] + ".", list(row.sources), row.cells)


def grades_in(text: str) -> set[str]:
    """Grades a text names: 'grade 3' -> {'3'}, 'grades 2–4' -> {'2', '3', '4'}."""
    found: set[str] = set()
    for match in GRADE_MENTION.finditer(text):
        low, high = match.group(1), match.group(2) or match.group(1)
        found.update(str(g) for g in range(int(low), int(high) + 1))
    return found


def _unstated_dose(unit: Unit) -> bool:
    """A dosing row whose dose the source does not give: useful in the dosing table, not as prose."""
    return unit.is_dosing_row and (unit.cells or {}).get("dose", "").lower().startswith(("not stated", "not verified"))


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
