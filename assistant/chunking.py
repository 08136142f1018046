"""Heading- and table-aware chunking with stable, content-derived chunk ids.

A chunk never crosses a heading, and a markdown table stays whole in one chunk (a very long
table is split between rows, each part repeating the header), so a pharmacist's question lands on
whole dosing rows. Chunk ids hash the document id, section, page and text: unchanged text keeps
its id across ingests, which is what makes ingestion incremental.

>>> from assistant.documents import DocumentMeta, Page, SourceDocument
>>> meta = DocumentMeta(id="d", title="T", doc_type="review")
>>> doc = SourceDocument(meta=meta, pages=(Page("## Dosing\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |"),))
>>> [c.section for c in chunk_document(doc)]
['Dosing']
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.documents import SourceDocument
from assistant.tables import is_table_line

#: Prose chunks grow to about this many characters before a new one starts.
MAX_PROSE_CHARS = 1200
#: Tables longer than this are split between rows (each part keeps the header).
MAX_TABLE_CHARS = 4000

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: verbatim text from one section of one document."""

    id: str
    doc_id: str
    text: str
    section: str
    kind: str  # "prose" or "table"
    page: int | None = None


@dataclass(frozen=True)
class _Block:
    text: str
    kind: str


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """Paragraphs, lists and tables of one section, in order."""
    current: list[str] = []
    kind = "prose"
    for line in [*lines, ""]:
        line_kind = "table" if is_table_line(line) else "prose"
        if not line.strip() or (current and line_kind != kind):
            if current:
                yield _Block("\n".join(current).strip(), kind)
            current = []
        if line.strip():
            current.append(line.rstrip())
            kind = line_kind


def _split_table(text: str) -> list[str]:
    """A table as one piece, or as row groups that each repeat the header and separator."""
    if len(text) <= MAX_TABLE_CHARS:
        return [text]
    header, rows = text.splitlines()[:2], text.splitlines()[2:]
    parts: list[str] = []
    group: list[str] = []
    for row in rows:
        if group and len("\n".join([*header, *group, row])) > MAX_TABLE_CHARS:
            parts.append("\n".join([*header, *group]))
            group = []
        group.append(row)
    parts.append("\n".join([*header, *group]))
    return parts


def _pieces(blocks: list[_Block]) -> Iterator[tuple[str, str]]:
    """Group a section's blocks into (text, kind) chunks: tables alone, prose up to a size."""
    prose: list[str] = []
    for block in blocks:
        if block.kind == "table":
            if prose:
                yield "\n\n".join(prose), "prose"
                prose = []
            for part in _split_table(block.text):
                yield part, "table"
        else:
            if prose and len("\n\n".join([*prose, block.text])) > MAX_PROSE_CHARS:
                yield "\n\n".join(prose), "prose"
                prose = []
            prose.append(block.text)
    if prose:
        yield "\n\n".join(prose), "prose"


def _sections(text: str) -> Iterator[tuple[str, list[str]]]:
    """(section path, body lines) for each heading; the document title (a lone H1) is skipped."""
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            yield " > ".join(title for _, title in path), lines
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            if level > 1:
                path.append((level, match.group(2)))
            lines = []
        else:
            lines.append(line)
    yield " > ".join(title for _, title in path), lines


def chunk_id(doc_id: str, section: str, page: int | None, text: str) -> str:
    """Stable id: the same text in the same place gets the same id on every ingest."""
    digest = hashlib.sha256(f"{doc_id}\x00{section}\x00{page}\x00{text}".encode()).hexdigest()
    return f"{doc_id}:{digest[:16]}"


def chunk_document(document: SourceDocument) -> list[Chunk]:
    """Split a document into chunks along headings, keeping tables whole."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for page in document.pages:
        for section, lines in _sections(page.text):
            for text, kind in _pieces(list(_blocks(lines))):
                cid = chunk_id(document.id, section, page.number, text)
                if cid in seen:  # the same paragraph twice in one section: keep one
                    continue
                seen.add(cid)
                chunks.append(Chunk(cid, document.id, text, section, kind, page.number))
    return chunks
