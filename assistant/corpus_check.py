"""The corpus's rules (docs/corpus-format.md) as code, for `carta corpus check` and `carta corpus stats`.

Both read the corpus folder with the loaders and the chunker only: no model, no index. A problem is a
DocumentError naming the file and the field (``body`` problems name the line), so the CLI prints one
line per problem.

>>> from pathlib import Path
>>> check_corpus(Path("corpus")).files > 0
True
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.chunking import Chunk, chunk_document
from assistant.documents import REQUIRED_CORPUS_FIELDS, DocumentMeta, SourceDocument
from assistant.errors import DocumentError
from assistant.lexicon import lexicon
from assistant.loaders import iter_files
from assistant.loaders.markdown import read_text, split_front_matter
from assistant.stats import percentile
from assistant.tables import DOSING_COLUMNS, USES, is_dosing_header, is_table_line, split_cells
from assistant.text import DOSE, split_sentences

# Allowed values, copied from docs/corpus-format.md: a new value goes into that document first.
TOPICS = frozenset(
    {"CRS", "ICANS", "IEC-HS", "HLH", "ICAHT", "infection", "seizure", "grading", "dosing", "monitoring",
     "regulatory", "efficacy", "prophylaxis", "immune-reconstitution", "secondary-malignancy"}
)  # fmt: skip
EVIDENCE = frozenset(
    {"consensus", "guideline", "label", "regulatory", "RCT", "single-arm trial", "cohort", "retrospective",
     "case series", "case report", "review", "institutional protocol"}
)  # fmt: skip
PRODUCTS = frozenset(lexicon().entity_names("product"))
IDENTIFIER_STATUSES = frozenset({"confirmed", "unconfirmed"})
#: The type folder a document lives in, and the doc_type values allowed there.
FOLDER_TYPES: dict[str, frozenset[str]] = {
    "guidelines": frozenset({"guideline", "consensus"}),
    "labels": frozenset({"label"}),
    "regulatory": frozenset({"regulatory"}),
    "trials": frozenset({"trial"}),
    "cohorts": frozenset({"cohort"}),
    "case-reports": frozenset({"case-report", "case-series"}),
    "reviews": frozenset({"review"}),
}
SOURCE_FIELDS = ("doi", "pmid", "url")
HEADING = re.compile(r"^#{1,6}\s")
#: How many of the largest and smallest chunks `carta corpus stats` shows.
EXTREME_CHUNKS = 5

#: What a dosing row's Setting may be about (issue 12): a toxicity, a complication or a preventive use.
SETTING_TOXICITY = re.compile(
    r"\b(?:CRS|ICANS|CRES|neurotox\w*|neurologic\w*|IEC-HS|(?:car|s)?HLH|MAS|ICAHT|neutropeni\w*|"
    r"thrombocytopeni\w*|cytopeni\w*|infections?|prophyla\w*|hypogammaglobulin\w*|seizures?|"
    r"status epilepticus|cerebral o?edema|vaccination|toxicity)\b",
    re.IGNORECASE,
)
#: Toxicities that are graded: a Setting naming one also names the grade, "any grade" or that the grade is unknown.
GRADED_TOXICITY = re.compile(r"\b(?:CRS|ICANS|CRES|neurotox\w*|neurologic (?:events?|toxicit\w*))\b", re.IGNORECASE)
SETTING_GRADE = re.compile(
    r"\bgrades?\s*(?:≥|>=|>|≤|<)?\s*[1-5]|\bG\s*(?:≥|>=|>)?\s*[1-5]\b|\bany grade\b|\bgrade not (?:stated|captured)\b",
    re.IGNORECASE,
)
#: A preventive setting comes before any grade.
PREVENTIVE = re.compile(r"\bprophyla\w*|\bprevent\w*", re.IGNORECASE)
#: A weight band: "<30 kg", "≥30 kg", "30–50 kg".
WEIGHT_BAND = re.compile(r"(?:[<>≤≥]|>=|<=)\s*\d+(?:\.\d+)?\s*kg\b|\b\d+\s*[–-]\s*\d+\s*kg\b")
WEIGHT_WORDS = re.compile(r"\bweigh", re.IGNORECASE)
#: A sentence that declares something absent from the document ("… not captured", "not stated", "not reported"):
#: the composer finds a declared topic's sentence with it too (answering/declared.py).
DECLARED_ABSENT = re.compile(
    r"\bnot (?:captured|given|included|verified|retrieved|stated|recorded|confirmed|reported|available|reached)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[\w≥≤<>]+(?:[-'][\w]+)*")
#: Words a declared-absent topic may leave out of its sentence.
STOPWORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"})


@dataclass(frozen=True)
class UnconfirmedIdentifier:
    """An identifier the front matter flags as unconfirmed (``doi_status``/``pmid_status``), listed by the check."""

    path: Path
    field: str
    value: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field} {self.value} is flagged unconfirmed"


@dataclass
class CheckReport:
    """How many files were checked, every problem found, and the identifiers flagged unconfirmed."""

    files: int = 0
    problems: list[DocumentError] = field(default_factory=list)
    unconfirmed: list[UnconfirmedIdentifier] = field(default_factory=list)


def has_source(raw: dict[str, Any]) -> bool:
    """True when the front matter gives at least one source identifier."""
    return any(str(raw.get(name) or "").strip() for name in SOURCE_FIELDS)


def _schema_problems(path: Path, raw: dict[str, Any]) -> list[DocumentError]:
    """Required fields present and typed, per docs/corpus-format.md."""
    problems = [
        DocumentError(path, "required field is missing", name) for name in REQUIRED_CORPUS_FIELDS if name not in raw
    ]
    flagged = {p.field for p in problems}
    for name in ("id", "title", "source", "doc_type", "evidence"):
        if name in raw and not str(raw[name] or "").strip():
            problems.append(DocumentError(path, "must not be empty", name))
            flagged.add(name)
    year = raw.get("year")
    if "year" in raw and (isinstance(year, bool) or not isinstance(year, int | None)):
        problems.append(DocumentError(path, f"must be an integer year or null, not {year!r}", "year"))
        flagged.add("year")
    try:
        DocumentMeta.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"])
            if name.split(".")[0] not in flagged:
                problems.append(DocumentError(path, err["msg"], name))
    return problems


def _vocabulary_problems(path: Path, raw: dict[str, Any], folder: str) -> list[DocumentError]:
    """Identifiers, controlled vocabularies and the type folder."""
    problems: list[DocumentError] = []
    if not has_source(raw):
        problems.append(
            DocumentError(path, "no source identifier: give at least one of doi, pmid, url", "doi/pmid/url")
        )
    stem = path.stem
    if raw.get("id") and raw["id"] != stem:
        problems.append(DocumentError(path, f"id '{raw['id']}' differs from the file name '{stem}'", "id"))
    if "topics" in raw and not raw["topics"]:
        problems.append(DocumentError(path, "needs at least one topic", "topics"))
    for name, allowed in (("topics", TOPICS), ("products", PRODUCTS)):
        values = raw.get(name) if isinstance(raw.get(name), list) else []
        problems += [
            DocumentError(path, f"unknown value '{v}' (see docs/corpus-format.md)", name)
            for v in values
            if v not in allowed
        ]
    if raw.get("evidence") and raw["evidence"] not in EVIDENCE:
        problems.append(
            DocumentError(path, f"unknown value '{raw['evidence']}' (see docs/corpus-format.md)", "evidence")
        )
    drugs = raw.get("drugs") if isinstance(raw.get("drugs"), list) else []
    problems += [
        DocumentError(path, f"'{d}' must be a lower-case generic name", "drugs")
        for d in drugs
        if str(d) != str(d).lower()
    ]
    for name in ("doi_status", "pmid_status"):
        if name in raw and raw[name] not in IDENTIFIER_STATUSES:
            problems.append(DocumentError(path, f"must be one of {', '.join(sorted(IDENTIFIER_STATUSES))}", name))
    allowed_types = FOLDER_TYPES.get(folder)
    if allowed_types is None:
        problems.append(
            DocumentError(path, f"folder '{folder}' is not a type folder ({', '.join(FOLDER_TYPES)})", "doc_type")
        )
    elif raw.get("doc_type") and raw["doc_type"] not in allowed_types:
        expected = ", ".join(sorted(allowed_types))
        problems.append(
            DocumentError(path, f"'{raw['doc_type']}' does not belong in {folder}/ ({expected})", "doc_type")
        )
    return problems


def _dosing_table_problems(path: Path, rows: list[tuple[int, str]]) -> list[DocumentError]:
    """A dosing table (header, separator, rows) has the 8 standard columns and a full, valid row each."""
    number, header = rows[0]
    if tuple(split_cells(header)) != DOSING_COLUMNS:
        expected = "| " + " | ".join(DOSING_COLUMNS) + " |"
        return [DocumentError(path, f"line {number}: a dosing table header must be {expected}", "body")]
    problems: list[DocumentError] = []
    for number, line in rows[1:]:
        cells = split_cells(line)
        if len(cells) != len(DOSING_COLUMNS):
            reason = f"line {number}: dosing table row has {len(cells)} cells, not {len(DOSING_COLUMNS)}"
            problems.append(DocumentError(path, reason, "body"))
            continue
        if set(line) <= set("|-: "):  # the separator row
            continue
        for column, cell in zip(DOSING_COLUMNS, cells, strict=True):
            if not cell:
                reason = f"line {number}: empty {column} cell (write 'not stated')"
                problems.append(DocumentError(path, reason, "body"))
        if cells[-1] and cells[-1] not in USES:
            reason = f"line {number}: Use '{cells[-1]}' is not one of {', '.join(sorted(USES))}"
            problems.append(DocumentError(path, reason, "body"))
        problems += [DocumentError(path, f"line {number}: {reason}", "body") for reason in setting_problems(cells[6])]
    return problems + _weight_band_problems(path, rows[1:])


def setting_problems(setting: str) -> list[str]:
    """A dosing row's Setting names its toxicity, and for a graded toxicity its grade (or 'any grade')."""
    if not SETTING_TOXICITY.search(setting):
        return [f"Setting '{setting}' names no toxicity (CRS, ICANS, HLH, ICAHT, infection, prophylaxis, …)"]
    if GRADED_TOXICITY.search(setting) and not SETTING_GRADE.search(setting) and not PREVENTIVE.search(setting):
        return [f"Setting '{setting}' names no grade: write 'grade N', 'any grade' or 'grade not stated'"]
    return []


def _weight_band_problems(path: Path, rows: list[tuple[int, str]]) -> list[DocumentError]:
    """Rows of one drug and setting whose doses differ by weight each name their weight band (Population or Setting)."""
    groups: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    for number, line in rows:
        cells = split_cells(line)
        if len(cells) == len(DOSING_COLUMNS) and not set(line) <= set("|-: "):
            groups.setdefault((cells[0].lower(), cells[6].lower()), []).append((number, cells))
    problems: list[DocumentError] = []
    for group in groups.values():
        banded = any(WEIGHT_BAND.search(f"{c[5]} {c[6]}") for _, c in group)
        for number, cells in group:
            where = f"{cells[5]} {cells[6]}"
            weighed = WEIGHT_WORDS.search(where) or (banded and len({c[1] for _, c in group}) > 1)
            if weighed and not WEIGHT_BAND.search(where):
                reason = f"line {number}: a weight-banded {cells[0]} row names no weight band (e.g. '<30 kg')"
                problems.append(DocumentError(path, reason, "body"))
    return problems


def words(text: str) -> set[str]:
    """Lower-case words of a text, for matching a declared-absent topic to a sentence."""
    return {w.lower() for w in WORD.findall(text)} - STOPWORDS


def absence_sentences(body: str) -> list[str]:
    """Sentences of the body that declare something absent ("… was not captured for this corpus")."""
    return [s for line in body.splitlines() for s in split_sentences(line) if DECLARED_ABSENT.search(s)]


def _declaration_problems(path: Path, raw: dict[str, Any], body: str) -> list[DocumentError]:
    """Each `not_captured` topic stands in an absence sentence; each superseded statement is in the body."""
    problems: list[DocumentError] = []
    declared = absence_sentences(body)
    topics = raw.get("not_captured") if isinstance(raw.get("not_captured"), list) else []
    for topic in topics:
        wanted = words(str(topic))
        if not any(wanted <= words(sentence) for sentence in declared):
            reason = f"'{topic}' has no 'not captured' sentence in the body holding all its words"
            problems.append(DocumentError(path, reason, "not_captured"))
    entries = raw.get("superseded_by") if isinstance(raw.get("superseded_by"), list) else []
    flat = " ".join(body.lower().split())
    for entry in entries:
        statement = str(entry.get("statement", "")) if isinstance(entry, dict) else ""
        if statement and " ".join(statement.lower().split()) not in flat:
            reason = f"superseded statement '{statement}' is not in the body"
            problems.append(DocumentError(path, reason, "superseded_by"))
    return problems


def _body_problems(path: Path, body: str, first_line: int, sourced: bool) -> list[DocumentError]:
    """A non-empty body; doses only in sentences or table rows of a sourced document; dosing tables whole."""
    if not body.strip():
        return [DocumentError(path, "body is empty", "body")]
    problems: list[DocumentError] = []
    table: list[tuple[int, str]] = []
    lines = list(enumerate(body.splitlines(), start=first_line))
    for number, line in [*lines, (0, "")]:
        if is_table_line(line):
            table.append((number, line))
        else:
            if table and is_dosing_header(split_cells(table[0][1])):
                problems += _dosing_table_problems(path, table)
            table = []
        doses = ", ".join(DOSE.findall(line))
        if not doses:
            continue
        if HEADING.match(line):
            reason = f"line {number}: dose-like '{doses}' in a heading (put it in a sentence or table row)"
            problems.append(DocumentError(path, reason, "body"))
        elif not sourced:
            reason = f"line {number}: dose-like '{doses}' in a document with no doi, pmid or url"
            problems.append(DocumentError(path, reason, "body"))
    return problems


def check_file(path: Path, root: Path) -> tuple[str | None, list[DocumentError]]:
    """(the file's id, its problems): every rule of docs/corpus-format.md that one file can break."""
    if path.suffix != ".md":
        return None, [DocumentError(path, "corpus documents are markdown files ending in .md", "file")]
    try:
        text = read_text(path)
        raw, body = split_front_matter(text, path)
    except DocumentError as exc:
        return None, [exc]
    problems: list[DocumentError] = []
    if not raw:
        problems.append(DocumentError(path, "no front matter (see docs/corpus-format.md)", "front matter"))
    else:
        folder = path.parent.relative_to(root).as_posix()
        problems += _schema_problems(path, raw) + _vocabulary_problems(path, raw, folder)
    first_line = text[: len(text) - len(body)].count("\n") + 1
    problems += _body_problems(path, body, first_line, has_source(raw))
    if raw:
        problems += _declaration_problems(path, raw, body)
    doc_id = raw.get("id")
    return (doc_id if isinstance(doc_id, str) else None), problems


def unconfirmed_identifiers(path: Path) -> list[UnconfirmedIdentifier]:
    """The identifiers a file's front matter flags ``unconfirmed`` (doi_status, pmid_status)."""
    try:
        raw, _ = split_front_matter(read_text(path), path)
    except DocumentError:
        return []
    return [
        UnconfirmedIdentifier(path, name, str(raw.get(name) or "(omitted)"))
        for name in ("doi", "pmid")
        if raw.get(f"{name}_status") == "unconfirmed"
    ]


def check_corpus(root: Path) -> CheckReport:
    """Check every file under ``root``: ids unique, superseding documents present; list unconfirmed identifiers."""
    report = CheckReport()
    seen: dict[str, Path] = {}
    for path in iter_files([root]):
        report.files += 1
        doc_id, problems = check_file(path, root)
        report.problems += problems
        report.unconfirmed += unconfirmed_identifiers(path)
        if doc_id is None:
            continue
        if doc_id in seen:
            report.problems.append(DocumentError(path, f"duplicate id '{doc_id}' (also in {seen[doc_id]})", "id"))
        else:
            seen[doc_id] = path
    report.problems += _superseding_problems(seen)
    return report


def _superseding_problems(documents: dict[str, Path]) -> list[DocumentError]:
    """Every ``superseded_by`` entry names a document of the corpus."""
    problems: list[DocumentError] = []
    for path in documents.values():
        raw, _ = split_front_matter(read_text(path), path)
        entries = raw.get("superseded_by") if isinstance(raw.get("superseded_by"), list) else []
        for entry in entries:
            by = entry.get("by") if isinstance(entry, dict) else None
            if by and by not in documents:
                reason = f"superseded_by names '{by}', which is not a corpus document"
                problems.append(DocumentError(path, reason, "superseded_by"))
    return problems


@dataclass
class CorpusStats:
    """Figures about a loaded corpus and its chunks, for `carta corpus stats` and the issue's note."""

    documents: int
    by_type: Counter[str]
    by_product: Counter[str]
    by_year: Counter[str]
    chunks: list[Chunk]  # shortest first
    chunks_by_kind: Counter[str]

    @property
    def sizes(self) -> dict[str, int]:
        """Chunk length in characters: min, p50, p90, max."""
        lengths = [len(chunk.text) for chunk in self.chunks]
        return {
            "min": lengths[0] if lengths else 0,
            "p50": percentile(lengths, 50) or 0,
            "p90": percentile(lengths, 90) or 0,
            "max": lengths[-1] if lengths else 0,
        }

    @property
    def smallest(self) -> list[Chunk]:
        return self.chunks[:EXTREME_CHUNKS]

    @property
    def largest(self) -> list[Chunk]:
        return self.chunks[::-1][:EXTREME_CHUNKS]


def corpus_stats(documents: list[SourceDocument]) -> CorpusStats:
    """Count documents by type, product and year, and chunk them as ingest would."""
    chunks = sorted((c for d in documents for c in chunk_document(d)), key=lambda c: (len(c.text), c.id))
    return CorpusStats(
        documents=len(documents),
        by_type=Counter(d.meta.doc_type.value for d in documents),
        by_product=Counter(p for d in documents for p in (d.meta.products or ["(none)"])),
        by_year=Counter(str(d.meta.year) if d.meta.year else "no year" for d in documents),
        chunks=chunks,
        chunks_by_kind=Counter(c.kind for c in chunks),
    )
