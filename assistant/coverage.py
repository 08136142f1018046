"""What the corpus holds per toxicity, grade and source body, and what it declares absent (issue 12).

`carta corpus coverage` prints the matrix and the Library page shows it. Each cell of toxicity × grade ×
body says whether the body's documents hold grading criteria (G), management (M) or doses (D) for that
grade, or declare it absent (A: a "not captured" sentence or a ``not_captured`` entry naming the
toxicity and grade). A declared-absent cell counts as filled: the corpus then knows to say "Carta's
sources do not give X" instead of reaching for the nearest number. The bodies are the lexicon's
guideline bodies (assistant/lexicon/sources.yaml: ASTCT, ASCO, NCCN, EBMT/EHA, CARTOX) plus two kinds of
source: drug labels and institutional protocols. Reads the corpus folder only: no model, no index.

>>> from pathlib import Path
>>> from assistant.loaders import load_paths
>>> matrix = corpus_coverage(load_paths([Path("corpus")]).documents)
>>> matrix.cell("CRS", "4", "ASCO").filled
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from assistant.answering.question import grades_in
from assistant.corpus_check import DECLARED_ABSENT
from assistant.documents import DocType, SourceDocument
from assistant.lexicon import lexicon
from assistant.retrieval.synonyms import mentioned_sources
from assistant.tables import is_dosing_header, is_table_line, split_cells
from assistant.text import split_sentences

#: Toxicities the matrix maps, each with the words that name it in a sentence, heading or setting.
TOXICITIES: dict[str, re.Pattern[str]] = {
    "CRS": re.compile(r"\bCRS\b|cytokine release", re.IGNORECASE),
    "ICANS": re.compile(r"\bICANS\b|\bCRES\b|neurotoxicity|neurologic toxicit", re.IGNORECASE),
}
GRADES = ("1", "2", "3", "4")
#: The columns: a label and the lexicon's guideline bodies (named by their first term) whose documents fill it.
GROUP_BODIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("ASTCT", frozenset({"astct"})),
    ("ASCO", frozenset({"asco"})),
    ("NCCN", frozenset({"nccn"})),
    ("EBMT/EHA", frozenset({"ebmt", "eha", "jacie"})),
    ("CARTOX", frozenset({"cartox"})),
)
LABELS = "labels"
INSTITUTIONAL = "institutional"
BODIES = (*(label for label, _ in GROUP_BODIES), LABELS, INSTITUTIONAL)
#: What a cell can hold, in display order.
KINDS = {"G": "grading criteria", "M": "management", "D": "doses", "A": "declared absent"}
GRADING_SECTION = re.compile(r"\bgrading\b|criteri|definition|\bscore\b", re.IGNORECASE)
#: A grade mention with its position: "grade 3", "grades 2–4", "grade ≥3", "G4".
GRADE_MENTION = re.compile(r"\b(?:grades?|G)\s*(≥|>=)?\s*([1-5])(?:\s*(?:–|-|to|and)\s*([1-5]))?\b", re.IGNORECASE)
#: How far (characters) from a grade mention a toxicity word still names that grade's toxicity.
NEAR = 30
MANAGEMENT = re.compile(
    r"\b(?:treat\w*|manag\w*|given|give|consider\w*|recommend\w*|supportive|tocilizumab|dexamethasone|"
    r"methylprednisolone|corticosteroid\w*|steroid\w*|anakinra|siltuximab|ICU|vasopressor\w*|taper\w*)\b",
    re.IGNORECASE,
)
HEADING = re.compile(r"^#{1,6}\s+(.*)$")
GRADE_COLUMN = re.compile(r"^(?:G|grade\s*)([1-5])$", re.IGNORECASE)

_known_groups = {group[0] for group in lexicon().source_groups}
if not all(names <= _known_groups for _, names in GROUP_BODIES):  # pragma: no cover - a wiring error
    msg = "coverage bodies must name guideline bodies of the lexicon (assistant/lexicon/sources.yaml)"
    raise RuntimeError(msg)


@dataclass
class Cell:
    """What the corpus holds for one toxicity, grade and body, and which documents hold it."""

    kinds: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)

    @property
    def filled(self) -> bool:
        """Held or declared absent: either way an answer knows where it stands."""
        return bool(self.kinds)

    def __str__(self) -> str:
        return " ".join(kind for kind in KINDS if kind in self.kinds) or "—"


@dataclass
class Coverage:
    """The toxicity × grade × body matrix and each body's declared-absent topics."""

    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    absent: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # body -> (doc id, topic)

    def cell(self, toxicity: str, grade: str, body: str) -> Cell:
        return self.cells.setdefault((toxicity, grade, body), Cell())

    def rows(self, toxicity: str) -> list[dict[str, str]]:
        """One row per grade: {'grade': 'grade 1', 'ASCO': 'G M D', …}, for a table or a dataframe."""
        return [
            {"grade": f"grade {grade}", **{body: str(self.cell(toxicity, grade, body)) for body in BODIES}}
            for grade in GRADES
        ]

    def empty(self, toxicity: str, body: str) -> list[str]:
        """Grades of a toxicity for which a body's cell is empty (neither held nor declared absent)."""
        return [grade for grade in GRADES if not self.cell(toxicity, grade, body).filled]


def bodies_of(document: SourceDocument) -> set[str]:
    """The matrix columns a document belongs to: a body its id or title names, a label, or an institution."""
    meta = document.meta
    found: set[str] = set()
    if meta.doc_type is DocType.LABEL:
        found.add(LABELS)
    if (meta.evidence or "").lower() == "institutional protocol":
        found.add(INSTITUTIONAL)
    if meta.doc_type in (DocType.GUIDELINE, DocType.CONSENSUS):  # a body's own publications, not reviews of them
        named = {group[0] for group in mentioned_sources(f"{meta.id.replace('-', ' ')} {meta.title}")}
        found |= {label for label, names in GROUP_BODIES if named & names}
    return found


@dataclass(frozen=True)
class Unit:
    """One sentence or table row of a document, with the section heading above it."""

    text: str
    section: str
    kind: str  # "dose", "grading-row", "prose"
    grades: frozenset[str]

    def pairs(self, fallback: Iterable[str]) -> set[tuple[str, str]]:
        """(toxicity, grade) pairs: each grade goes with the toxicity named next to it ('grade 3 CRS',
        'ICANS grade 1'), else with the unit's toxicities, so a row about 'CRS grade 3 … ICANS grade 1'
        does not fill CRS grade 1."""
        own = _toxicities(self, fallback)
        found: set[tuple[str, str]] = set()
        mentions = list(GRADE_MENTION.finditer(self.text))
        for match in mentions:
            low, high = int(match.group(2)), int(match.group(3) or match.group(2))
            grades = {str(g) for g in range(low, 5 if match.group(1) else high + 1)} & set(GRADES)
            near = _nearest_toxicities(self.text, match.start(), match.end())
            found |= {(toxicity, grade) for toxicity in (near or own) for grade in grades}
        if not mentions:  # grades from a table's grade column
            found = {(toxicity, grade) for toxicity in own for grade in self.grades & set(GRADES)}
        return found


def _table_units(rows: list[str], section: str) -> Iterator[Unit]:
    """Rows of one table: dosing rows carry their Setting's grades; grading rows their grade column."""
    header = split_cells(rows[0])
    body = [row for row in rows[1:] if not set(row.strip()) <= set("|-: ")]
    if is_dosing_header(header):
        for row in body:
            cells = split_cells(row)
            setting = cells[6] if len(cells) > 6 else row
            yield Unit(setting, section, "dose", frozenset(grades_in(setting, targets=False)))
        return
    columns = [match.group(1) for cell in header if (match := GRADE_COLUMN.match(cell.strip()))]
    grade_first = "grade" in header[0].lower() if header else False
    for row in body:
        cells = split_cells(row)
        if columns:
            yield Unit(f"{header[0]} {row}", section, "grading-row", frozenset(columns))
        elif grade_first and cells and cells[0].strip() in GRADES:
            yield Unit(f"{header[0]} {row}", section, "grading-row", frozenset({cells[0].strip()}))
        else:
            yield Unit(row, section, "prose", frozenset(grades_in(row, targets=False)))


def units(text: str) -> Iterator[Unit]:
    """The sentences and table rows of a body, each with its section heading."""
    section = ""
    table: list[str] = []
    for line in [*text.splitlines(), ""]:
        if is_table_line(line):
            table.append(line)
            continue
        if table:
            yield from _table_units(table, section)
            table = []
        if match := HEADING.match(line):
            section = match.group(1)
            yield Unit(section, section, "prose", frozenset(grades_in(section, targets=False)))
            continue
        for sentence in split_sentences(line.strip().removeprefix("- ")):
            yield Unit(sentence, section, "prose", frozenset(grades_in(sentence, targets=False)))


def _toxicities(unit: Unit, fallback: Iterable[str]) -> set[str]:
    """The toxicities a unit names; else its section's; else the document's only toxicity topic."""
    for text in (unit.text, unit.section):
        named = {name for name, pattern in TOXICITIES.items() if pattern.search(text)}
        if named:
            return named
    return set(fallback)


def _nearest_toxicities(text: str, start: int, end: int) -> set[str]:
    """The toxicities named closest to a grade mention (within NEAR characters), ties kept."""
    distances: dict[str, int] = {}
    for name, pattern in TOXICITIES.items():
        for match in pattern.finditer(text):
            distance = max(start - match.end(), match.start() - end, 0)
            if distance <= NEAR:
                distances[name] = min(distances.get(name, distance), distance)
    best = min(distances.values(), default=None)
    return {name for name, distance in distances.items() if distance == best}


def _kinds(unit: Unit) -> set[str]:
    """What a unit contributes to a cell: absence, doses (with management), grading or management.

    A sentence or row with a percentage reports how often something happened, not how to grade or
    manage it, and contributes nothing.
    """
    if DECLARED_ABSENT.search(unit.text):
        return {"A"}
    if "%" in unit.text:
        return set()
    if unit.kind == "dose":
        return {"D", "M"}
    if unit.kind == "grading-row" or GRADING_SECTION.search(unit.section):
        return {"G"} if not MANAGEMENT.search(unit.section) else {"M"}
    return {"M"} if MANAGEMENT.search(unit.text) else set()


def corpus_coverage(documents: Iterable[SourceDocument]) -> Coverage:
    """Fill the matrix from every document that belongs to a body."""
    coverage = Coverage()
    for document in documents:
        bodies = bodies_of(document)
        if not bodies:
            continue
        meta = document.meta
        only = [t for t in TOXICITIES if t in meta.topics]
        fallback = only if len(only) == 1 else []
        for body in bodies:
            coverage.absent.setdefault(body, []).extend((meta.id, topic) for topic in meta.not_captured)
        declared = [(Unit(topic, "", "prose", frozenset(grades_in(topic))), {"A"}) for topic in meta.not_captured]
        for unit, kinds in [*((unit, _kinds(unit)) for unit in units(document.body)), *declared]:
            for toxicity, grade in unit.pairs(fallback) if kinds else ():
                for body in bodies:
                    cell = coverage.cell(toxicity, grade, body)
                    cell.kinds |= kinds
                    cell.documents.add(meta.id)
    return coverage
