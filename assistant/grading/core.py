"""What every grading scale shares: rule rows held as data, their citations, and the result.

A scale's rules live in a YAML file next to its module (``crs.yaml``, ``icans.yaml`` ...). Each rule
row cites the corpus row it comes from: a document id and the row's text (or a distinctive part of
it), exactly as the document states it. Two checks keep the data honest:

- at load, every number and every phrase in a row's values must occur in the text it cites, as the
  answer verifier demands of answers (``RuleFile.load``);
- at run time, the cited text must be in an indexed chunk of that document; the chunk's id (a
  content hash) is the citation. A row the index lacks makes the scale refuse in one line naming the
  missing source, so a scale starts working as soon as its document is indexed (``resolve``).

>>> row = RuleRow("r", "d", "| 2 | ≥38 °C | low-flow (≤6 L/min) |", {"grade": 2, "max_lpm": 6})
>>> row.unsupported()
[]
>>> RuleRow("r", "d", "| 2 | ≥38 °C |", {"max_lpm": 8}).unsupported()
['8']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import CartaError, UsageError
from assistant.passage import Passage

HERE = Path(__file__).resolve().parent
NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Keys of a rule row that are not criteria: they are not checked against the cited text.
META_KEYS = frozenset({"text", "doc_id", "domain"})

#: Where a scale reads indexed passages from: doc_id -> that document's passages.
PassagesOf = Callable[[str], Sequence[Passage]]


class ScaleUnavailableError(CartaError):
    """The scale cannot grade: a source it needs is not in the index (or not in the corpus at all)."""


class FindingError(UsageError):
    """A finding is impossible or unusable (temperature 80 °C, negative L/min, ICE 12): one line, exit 2."""


def squash(text: str) -> str:
    """Lower case, one space, typographic dashes folded: how a cited text is looked for in a chunk."""
    return re.sub(r"\s+", " ", re.sub(r"[‐‑‒–—]", "-", text.lower())).strip()


def _leaves(value: Any) -> Iterator[Any]:
    """The scalar values inside nested dicts and lists."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _numbers(text: str) -> set[float]:
    return {float(n) for n in NUMBER.findall(text)}


@dataclass(frozen=True)
class RuleRow:
    """One rule of a scale and the corpus row it comes from."""

    id: str
    doc_id: str
    text: str
    values: dict[str, Any]

    def unsupported(self) -> list[str]:
        """The numbers and phrases of this row's values that its cited text does not hold."""
        cited, numbers = squash(self.text), _numbers(self.text)
        missing: list[str] = []
        for item in _leaves({k: v for k, v in self.values.items() if k not in META_KEYS}):
            if isinstance(item, bool):
                continue
            if isinstance(item, int | float):
                if float(item) not in numbers:
                    missing.append(str(item))
            elif squash(str(item)) not in cited:
                missing.append(str(item))
            else:
                missing.extend(n for n in NUMBER.findall(str(item)) if float(n) not in numbers)
        return missing

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@dataclass(frozen=True)
class RuleFile:
    """A scale's rules as written in its YAML file."""

    scale: str
    title: str
    rows: dict[str, RuleRow]
    #: For a scale whose criteria the corpus does not hold yet: what source it needs.
    pending: str | None = None

    @classmethod
    def load(cls, path: Path) -> RuleFile:
        """Read and check a rule file; a number or phrase its cited row lacks is an error here, at load."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        default_doc = data.get("doc_id", "")
        rows = {
            rid: RuleRow(rid, str(row.get("doc_id", default_doc)), str(row["text"]), dict(row))
            for rid, row in (data.get("rows") or {}).items()
        }
        for row in rows.values():
            bad = row.unsupported()
            if bad:
                msg = f"{path.name}: rule '{row.id}' has {', '.join(bad)}, which its cited row does not state"
                raise ValueError(msg)
        return cls(str(data["scale"]), str(data["title"]), rows, data.get("pending"))


@lru_cache(maxsize=16)
def rule_file(name: str) -> RuleFile:
    """The checked rules of one scale (``crs``, ``icans`` ...), read once per process."""
    return RuleFile.load(HERE / f"{name}.yaml")


class Cited(BaseModel):
    """A rule row resolved to the indexed chunk that holds it."""

    rule: str
    doc_id: str
    chunk_id: str
    text: str  # the row as the rule cites it
    chunk: str = Field(default="", exclude=True)  # the whole chunk (e.g. the table), to show the row in place
    title: str = Field(default="", exclude=True)
    year: int | None = Field(default=None, exclude=True)
    link: str | None = Field(default=None, exclude=True)


@dataclass(frozen=True)
class Rules:
    """A scale's rule rows, each resolved to its indexed chunk."""

    file: RuleFile
    cited: dict[str, Cited]

    def __getitem__(self, rule: str) -> RuleRow:
        return self.file.rows[rule]

    def rows(self, prefix: str) -> list[RuleRow]:
        """Rows whose id starts with ``prefix`` (e.g. the grade rows 'grade-1' .. 'grade-4'), in file order."""
        return [row for rid, row in self.file.rows.items() if rid.startswith(prefix)]


def resolve(name: str, passages_of: PassagesOf) -> Rules:
    """The scale's rules with their citations; refuses in one line when a cited row is not indexed."""
    file = rule_file(name)
    if file.pending:
        msg = f"{file.title} is not available: {file.pending}"
        raise ScaleUnavailableError(msg)
    cited: dict[str, Cited] = {}
    chunks: dict[str, Sequence[Passage]] = {}
    for row in file.rows.values():
        if row.doc_id not in chunks:
            chunks[row.doc_id] = passages_of(row.doc_id)
        wanted = squash(row.text)
        hit = next((p for p in chunks[row.doc_id] if wanted in squash(p.text)), None)
        if hit is None:
            where = "is not indexed" if not chunks[row.doc_id] else "does not hold the cited row"
            msg = (
                f"{file.title} is not available: its source {row.doc_id} {where} "
                f"(rule '{row.id}': \"{row.text[:60]}\"); add it to the corpus and run `carta ingest`"
            )
            raise ScaleUnavailableError(msg)
        cited[row.id] = Cited(
            rule=row.id,
            doc_id=hit.doc_id,
            chunk_id=hit.chunk_id,
            text=row.text,
            chunk=hit.text,
            title=hit.title,
            year=hit.year,
            link=hit.link,
        )
    return Rules(file, cited)


def index_passages(passages: Iterable[Passage]) -> PassagesOf:
    """A ``PassagesOf`` over passages already loaded (the chain's retriever, a test's list)."""
    by_doc: dict[str, list[Passage]] = {}
    for passage in passages:
        by_doc.setdefault(passage.doc_id, []).append(passage)
    return lambda doc_id: by_doc.get(doc_id, [])


@dataclass(frozen=True)
class Domain:
    """What one domain of a scale (hypoxia, seizure ...) says: the grades it allows and the rule that set them.

    ``low`` is the grade the findings prove; ``high`` the worst the domain could still be (equal when the
    domain was assessed, above it when a finding was not given).
    """

    name: str
    low: int
    high: int
    rule: str | None = None  # the rule row that set ``low``
    criterion: str = ""  # the criterion met, in the source's words
    finding: str = ""  # the finding as given
    missing: tuple[str, ...] = ()
    column: int | None = None  # the domain's column in the scale's grade rows ("| grade | ... |"), if it has one


class Neighbour(BaseModel):
    """The deciding domain's criterion at an adjacent grade: what would move the grade one step."""

    grade: int
    criterion: str
    rule: str


class Met(BaseModel):
    """Another domain's criterion the findings meet, below or at the grade: "ICE 3–6" beside a seizure's grade 3."""

    grade: int
    domain: str
    criterion: str
    rule: str


class GradeResult(BaseModel):
    """A computed grade: what set it, what was not assessed, and the rows it rests on."""

    scale: str
    title: str
    grade: int
    at_least: bool = False
    deciding: str
    deciding_rule: str | None = None
    deciding_domain: str = ""
    deciding_criterion: str = ""  # in the source's words, without the patient's values
    neighbours: list[Neighbour] = Field(default_factory=list)
    met: list[Met] = Field(default_factory=list)  # the other domains' criteria met, each with its own grade
    missing: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    findings: dict[str, str] = Field(default_factory=dict)
    criteria: list[str] = Field(default_factory=list)  # each rule used, in the source's words
    citations: list[Cited] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The CLI's JSON: scale, grade, deciding, missing and citations (doc_id, chunk_id, text), plus flags."""
        return self.model_dump(
            mode="json", include={"scale", "grade", "at_least", "deciding", "missing", "notices", "citations"}
        )

    @property
    def headline(self) -> str:
        """'ASTCT CRS grade (Lee 2019): grade 2' or 'at least grade 2', with what is missing."""
        grade = f"{'at least ' if self.at_least else ''}grade {self.grade}"
        gap = f"; {', '.join(self.missing)} not given" if self.missing else ""
        return f"{self.title}: {grade}{gap}"

    def to_note(self) -> str:
        """Plain text for a clinical note: grade, findings, criteria and references."""
        lines = [self.headline, f"Deciding: {self.deciding}"]
        if self.findings:
            lines.append("Findings: " + "; ".join(f"{k} {v}" for k, v in self.findings.items()))
        lines += [f"Criterion: {_plain(c)}" for c in self.criteria]
        lines += self.notices
        refs = dict.fromkeys(f"{c.title or c.doc_id}{f' ({c.year})' if c.year else ''}" for c in self.citations)
        lines += [f"Reference: {ref}" for ref in refs]
        return "\n".join(lines)


def _plain(row: str) -> str:
    """A table row as plain text ('| 2 | a | b |' -> 'grade 2: a; b'); other criteria as they are."""
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    return f"grade {cells[0]}: {'; '.join(cells[1:])}" if row.lstrip().startswith("|") else row


@dataclass
class Assessment:
    """Domains graded so far, combined into a result by ``combine``."""

    domains: list[Domain] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # rule ids used besides the domains' own

    def add(self, domain: Domain) -> None:
        self.domains.append(domain)


def combine(
    rules: Rules, assessment: Assessment, findings: dict[str, str], *, floor: Domain | None = None
) -> GradeResult:
    """The worst domain sets the grade (ties: the first domain in the scale's fixed order, so the order in
    which findings were given never matters); ``floor`` is what the grade is when no domain rises above it."""
    domains = [*assessment.domains]
    grade = max([d.low for d in domains] + [floor.low if floor else 0])
    deciding = next((d for d in domains if d.low == grade and d.rule), floor)
    high = max([d.high for d in domains] + [grade])
    missing = [m for d in domains if d.high > grade for m in d.missing]
    used = [*(d.rule for d in domains if d.rule and d.low > 0), *assessment.used]
    if deciding is not None and deciding.rule:
        used.insert(0, deciding.rule)
    if not used and floor is not None and floor.rule:
        used.append(floor.rule)
    used = list(dict.fromkeys(used))
    deciding_text = (
        f"{deciding.name}: {deciding.finding} — {deciding.criterion}" if deciding is not None else "no criterion met"
    )
    neighbours = _neighbours(rules, deciding, grade)
    used += [n.rule for n in neighbours if n.rule not in used]
    return GradeResult(
        scale=rules.file.scale,
        title=rules.file.title,
        grade=grade,
        at_least=high > grade,
        deciding=deciding_text,
        deciding_rule=deciding.rule if deciding is not None else None,
        deciding_domain=deciding.name if deciding is not None else "",
        deciding_criterion=deciding.criterion if deciding is not None else "",
        neighbours=neighbours,
        met=[
            Met(grade=d.low, domain=d.name, criterion=d.criterion, rule=d.rule)
            for d in domains
            if d.rule and d.low > 0 and d is not deciding
        ],
        missing=list(dict.fromkeys(missing)),
        notices=assessment.notices,
        findings=findings,
        criteria=[rules[r].text for r in used],
        citations=[rules.cited[r] for r in used],
    )


#: Cells that state no criterion for a domain at that grade.
EMPTY_CELLS = frozenset({"", "none", "not applicable", "-", "—"})


def _neighbours(rules: Rules, deciding: Domain | None, grade: int) -> list[Neighbour]:
    """The deciding domain's criteria one grade below and one above, from its column of the grade rows."""
    if deciding is None or deciding.column is None:
        return []
    out = []
    for row in rules.rows("grade-"):
        cells = row.text.split("|")
        if abs(row["grade"] - grade) == 1 and deciding.column < len(cells):
            cell = cells[deciding.column].strip()
            if cell.lower() not in EMPTY_CELLS:
                out.append(Neighbour(grade=row["grade"], criterion=cell, rule=row.id))
    return out


def validated(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """``model`` built from ``values`` (None means not given), or a one-line FindingError."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "finding"
        reason = str(error["msg"]).removeprefix("Value error, ")
        given = error.get("input")
        shown = f" {given}" if isinstance(given, int | float | str) else ""
        msg = f"{name.replace('_', ' ')}{shown}: {reason.lower()}"
        raise FindingError(msg) from None
