"""Chunks follow headings, keep tables whole, and have ids that depend only on their content."""

from __future__ import annotations

from assistant.chunking import MAX_TABLE_CHARS, chunk_document
from assistant.documents import DocumentMeta, Page, SourceDocument

TABLE = "\n".join(
    ["| Grade | Fever | Hypoxia |", "|---|---|---|"] + [f"| {g} | ≥38 °C | level {g} |" for g in range(1, 5)]
)
BODY = f"""# Title

Intro paragraph before any section.

## CRS grading

Some words before the table.

{TABLE}

Some words after the table.

### Notes

A note under a subsection.
"""


def make(body: str, doc_id: str = "doc") -> SourceDocument:
    return SourceDocument(meta=DocumentMeta(id=doc_id, title="T", doc_type="consensus"), pages=(Page(body),))


def test_table_stays_whole_in_one_chunk_with_its_section() -> None:
    chunks = chunk_document(make(BODY))
    tables = [c for c in chunks if c.kind == "table"]
    assert len(tables) == 1
    assert tables[0].text == TABLE
    assert tables[0].section == "CRS grading"


def test_sections_carry_their_heading_path() -> None:
    sections = [c.section for c in chunk_document(make(BODY))]
    assert sections == ["", "CRS grading", "CRS grading", "CRS grading", "CRS grading > Notes"]


def test_ids_are_stable_and_change_only_with_content() -> None:
    first = {c.id for c in chunk_document(make(BODY))}
    assert first == {c.id for c in chunk_document(make(BODY))}
    edited = {c.id for c in chunk_document(make(BODY.replace("A note under", "An edited note under")))}
    assert len(first - edited) == 1 and len(edited - first) == 1


def test_a_very_long_table_splits_between_rows_and_repeats_the_header() -> None:
    rows = [f"| {i} | {'x' * 80} |" for i in range(200)]
    body = "## Big\n\n" + "\n".join(["| n | text |", "|---|---|", *rows])
    parts = [c for c in chunk_document(make(body)) if c.kind == "table"]
    assert len(parts) > 1
    for part in parts:
        lines = part.text.splitlines()
        assert lines[:2] == ["| n | text |", "|---|---|"]
        assert len(part.text) <= MAX_TABLE_CHARS
    assert sum(len(p.text.splitlines()) - 2 for p in parts) == 200


def test_pages_keep_their_numbers() -> None:
    doc = SourceDocument(
        meta=DocumentMeta(id="pdf", title="T", doc_type="local"), pages=(Page("One.", 1), Page("Two.", 2))
    )
    assert [(c.text, c.page) for c in chunk_document(doc)] == [("One.", 1), ("Two.", 2)]
