"""Source documents and their metadata, with front-matter validation that names the bad field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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

    @field_validator("pmid", mode="before")
    @classmethod
    def _pmid_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("authors", "products", "drugs", "topics", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


#: The collection of a user's own documents (files given to `carta ingest PATH`); a corpus re-ingest
#: only removes documents of the "corpus" collection, so these survive it.
LOCAL_COLLECTION = "local"

#: Fields every corpus document must fill (a hospital's own upload may rely on defaults).
REQUIRED_CORPUS_FIELDS = ("id", "title", "authors", "source", "year", "doc_type", "products", "topics", "evidence")


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


def document_hash(meta: DocumentMeta, pages: tuple[Page, ...]) -> str:
    """A content hash over metadata and text: any edit to either re-ingests the document."""
    digest = hashlib.sha256(meta.model_dump_json().encode())
    for page in pages:
        digest.update(f"\x00{page.number}\x00{page.text}".encode())
    return digest.hexdigest()
