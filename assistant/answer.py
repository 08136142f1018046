"""The Answer every consumer gets (CLI, UI, eval), and its JSON form.

JSON schema (one object per answer)::

    {"question", "query", "answer", "abstained", "abstain_reason", "intent",
     "parsed": {"intent", "asks", "toxicities", "grades", "drugs", "products", "population", "bodies",
                "line", "local_only"},
     "statements": [{"text", "citations": [n, ...], "label", "cells"}],
     "citations": [{"n", "doc_id", "chunk_id", "title", "authors", "source", "year", "doc_type",
                    "doi", "pmid", "url", "section", "page", "text"}],
     "verification": {"statements", "removed", "reasons"},
     "timings_ms": {"retrieve", "compose", "total", ...}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from assistant.answering.question import ParsedQuestion
from assistant.passage import Passage, best_link
from assistant.tables import DOSING_COLUMNS


class Citation(BaseModel):
    """A numbered source of an answer; ``text`` is the cited passage, verbatim from the chunk."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    #: Who wrote or issued it, for a reference a reader can look up ("Santomasso BD", or the body in ``source``).
    authors: list[str] = Field(default_factory=list)
    source: str = ""
    year: int | None
    doc_type: str
    doi: str | None
    pmid: str | None
    url: str | None
    section: str
    page: int | None = None
    text: str
    #: The source's content is as of this date (ISO, as precise as the source gives it).
    effective: str | None = None
    #: Statements in ``text`` that a later source replaces, each naming the date and the replacing document.
    superseded: list[str] = Field(default_factory=list)

    @classmethod
    def from_passage(cls, n: int, passage: Passage) -> Citation:
        return cls(
            n=n,
            doc_id=passage.doc_id,
            chunk_id=passage.chunk_id,
            title=passage.title,
            authors=list(passage.authors),
            source=passage.source,
            year=passage.year,
            doc_type=passage.doc_type,
            doi=passage.doi,
            pmid=passage.pmid,
            url=passage.url,
            section=passage.section,
            page=passage.page,
            text=passage.text,
            effective=passage.effective,
            superseded=passage.superseded,
        )

    @property
    def link(self) -> str | None:
        """The best link a reader can follow: DOI, then PubMed, then the URL."""
        return best_link(self.doi, self.pmid, self.url)

    @property
    def label(self) -> str:
        """One line naming the source: title, year, type, page, "as of" date and any superseded statement."""
        parts = [self.title, str(self.year) if self.year else None, self.doc_type]
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.effective:
            parts.append(f"as of {self.effective}")
        parts += [f"⚠ {line}" for line in self.superseded]
        return " · ".join(p for p in parts if p)


class AnswerStatement(BaseModel):
    """One line of the answer as data: its text, the citation numbers that back it, and for a table row its
    cells. The markdown ``answer`` is rendered from these; consumers read them instead of parsing markdown."""

    text: str
    citations: list[int] = Field(default_factory=list)
    label: str = ""  # what kind of source an evidence line rests on ("Guideline", "Case report")
    cells: dict[str, str] | None = None  # a dosing or grading row, column by column
    parts: list[AnswerStatement] = Field(default_factory=list)  # a line of several sentences, each cited

    def markdown(self) -> str:
        """The line with its [n] markers after each sentence, labelled when it has a label."""
        label = f"{self.label}: " if self.label else ""
        return label + " ".join(f"{p.text} {''.join(f'[{n}]' for n in p.citations)}" for p in self.parts or [self])


#: The first line of an answer whose sources lack what was asked; what follows is only related.
GAP_LINE = "Carta's sources do not give {gap}."


def render_markdown(statements: list[AnswerStatement], table: list[AnswerStatement], gap: str = "") -> str:
    """The answer's markdown view: what the sources lack (if anything), one line or a list of lines, then
    the dosing table ('' for none)."""
    lines = [s.markdown() for s in statements]
    text = lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines)
    if gap:
        text = "\n\n".join(part for part in (GAP_LINE.format(gap=gap), text) if part)
    if table:
        header = [*DOSING_COLUMNS, "Source"]
        rows = [
            "| " + " | ".join([*(row.cells or {}).values(), "".join(f"[{n}]" for n in row.citations)]) + " |"
            for row in table
        ]
        text = "\n".join([text, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows])
    return text


class Verification(BaseModel):
    """What the grounding verifier checked and what it removed, with one reason per removal."""

    statements: int = 0
    removed: int = 0
    reasons: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    """A grounded answer: markdown with [n] markers, and the citations the markers point to."""

    question: str
    query: str
    answer: str
    abstained: bool
    abstain_reason: str | None = None
    intent: str = "general"
    parsed: ParsedQuestion | None = None
    gap: str | None = None  # what the sources do not give; the answer's first line says so
    statements: list[AnswerStatement] = Field(default_factory=list)
    table: list[AnswerStatement] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notices: list[str] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
