"""Source documents and their metadata, with front-matter validation that names the bad field."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import DocumentError


class DocType(StrEnum):
    """What kind of source a document is; drives the badge users see next to a citation."""

    GUIDELINE = "guideline"
    CONSENSUS = "consensus"
    LABEL = "label"
    TRIAL = "trial"
    CASE_REPORT = "case-report"
    CASE_SERIES = "case-series"
    COHORT = "cohort"
    REGULATORY = "regulatory"
    REVIEW = "review"
    LOCAL = "local"


#: The document types that report one study of their own (not a body's guidance, a label or a review of others).
SINGLE_STUDY_TYPES = frozenset({DocType.TRIAL, DocType.COHORT, DocType.CASE_SERIES, DocType.CASE_REPORT})


#: What each document type is called wherever a reader sees it: evidence answers' line labels, the
#: citation badges, the Library page and its filters.
DOC_TYPE_LABELS: dict[str, str] = {
    DocType.GUIDELINE: "Guideline",
    DocType.CONSENSUS: "Consensus",
    DocType.LABEL: "Drug label",
    DocType.REGULATORY: "Regulatory",
    DocType.TRIAL: "Trial",
    DocType.COHORT: "Cohort study",
    DocType.CASE_SERIES: "Case series",
    DocType.CASE_REPORT: "Case report",
    DocType.REVIEW: "Review",
    DocType.LOCAL: "Local document",
}


def doc_type_label(doc_type: str) -> str:
    """The reader's name for a document type ('case-report' -> 'Case report'); 'Source' when unknown.

    >>> doc_type_label("label"), doc_type_label("pamphlet")
    ('Drug label', 'Source')
    """
    return DOC_TYPE_LABELS.get(doc_type, "Source")


#: An ISO 8601 date as precise as the source gives it: "2025-06-26", "2024-11" or "2024".
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")


def _partial_date(value: Any) -> Any:
    """YAML gives a full date as ``date`` and a year as ``int``; both become ISO text, checked to be a real date."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = value.strip()
        if not ISO_PARTIAL_DATE.match(value):
            msg = f"'{value}' is not a date: write YYYY-MM-DD, or YYYY-MM or YYYY when the source gives no day"
            raise ValueError(msg)
        try:
            if len(value) == 10:
                date.fromisoformat(value)
        except ValueError as exc:  # 2025-02-30
            msg = f"'{value}' is not a date: {exc}"
            raise ValueError(msg) from exc
    return value


#: When a source's content took effect or was published, only as precise as the source says (no invented
#: day): kept as ISO text so "as of 2021" never reads as "as of 1 January 2021".
PartialDate = Annotated[str, BeforeValidator(_partial_date)]


def earliest_day(value: str) -> date:
    """The first day a partial ISO date can mean, for ordering: '2024' -> 2024-01-01."""
    parts = [*value.split("-"), "01", "01"][:3]
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


class Supersession(BaseModel):
    """One statement of a document that a later source replaces (the body keeps it, marked as historical).

    ``statement`` is words that occur in the superseded sentence or table row; a passage holding them is
    shown with ``note`` and "superseded on ``effective`` by ``by``" wherever it is cited.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    statement: str = Field(min_length=3)
    by: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    effective: PartialDate
    note: str = ""

    def applies_to(self, text: str) -> bool:
        """True when ``text`` holds the superseded statement (case and spacing ignored)."""
        return " ".join(self.statement.lower().split()) in " ".join(text.lower().split())

    def describe(self) -> str:
        """One line for a citation: what was replaced, when and by which document."""
        note = f": {self.note}" if self.note else ""
        return f"superseded on {self.effective} by {self.by} ({self.statement}){note}"


class DocumentMeta(BaseModel):
    """Front matter of one source. Unknown keys are kept (``extra``) so hospitals can add their own."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=120)
    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    source: str = ""
    year: int | None = Field(default=None, ge=1900, le=2100)
    doc_type: DocType
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    products: list[str] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    evidence: str | None = None
    collection: str = "corpus"
    #: When the source's content took effect or was published (required for corpus documents).
    effective: PartialDate | None = None
    #: Topics the document declares absent; each also stands in the body as a "not captured" sentence.
    not_captured: list[str] = Field(default_factory=list)
    #: Statements a later source replaces, each with the replacing document and its date.
    superseded_by: list[Supersession] = Field(default_factory=list)

    @field_validator("pmid", mode="before")
    @classmethod
    def _pmid_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("authors", "products", "drugs", "topics", "not_captured", "superseded_by", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


#: The collection of a user's own documents (files given to `carta ingest PATH`); a corpus re-ingest
#: only removes documents of the "corpus" collection, so these survive it.
LOCAL_COLLECTION = "local"

#: Ids of the form author-year-topic ('manghisi-2025-emapalumab-case'): their first word names a study.
AUTHOR_YEAR_ID = re.compile(r"^([a-z]+)-(?:19|20)\d\d-")


def study_named(doc_id: str) -> str | None:
    """The study a document's id names by its first author or centre ('chop-2023-…' -> 'chop'), if it names one."""
    match = AUTHOR_YEAR_ID.match(doc_id)
    return match.group(1) if match else None


#: Fields every corpus document must fill (a hospital's own upload may rely on defaults).
REQUIRED_CORPUS_FIELDS = (
    "id", "title", "authors", "source", "year", "doc_type", "products", "topics", "evidence", "effective"
)  # fmt: skip


def validate_meta(raw: dict[str, Any], path: Path) -> DocumentMeta:
    """Validate front matter, raising DocumentError that names the first bad field."""
    try:
        return DocumentMeta.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]) or None
        raise DocumentError(path, err["msg"], field=name) from exc


@dataclass(frozen=True)
class Page:
    """A span of body text and the page it came from (None for formats without pages)."""

    text: str
    number: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    """One loaded source: validated metadata plus its body, as markdown-ish text by page."""

    meta: DocumentMeta
    pages: tuple[Page, ...]
    path: Path | None = None
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", document_hash(self.meta, self.pages))

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def body(self) -> str:
        return "\n\n".join(page.text for page in self.pages)


#: Raised whenever what an indexed passage stores from its document's metadata changes (2: ``not_captured``),
#: so the next ingest relabels every indexed passage instead of keeping ones that lack the new field.
PASSAGE_FORMAT = 2


def document_hash(meta: DocumentMeta, pages: tuple[Page, ...]) -> str:
    """A content hash over metadata, text and the passage format: any edit to either re-ingests the document."""
    digest = hashlib.sha256(f"{PASSAGE_FORMAT}\x00{meta.model_dump_json()}".encode())
    for page in pages:
        digest.update(f"\x00{page.number}\x00{page.text}".encode())
    return digest.hexdigest()
