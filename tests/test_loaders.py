"""Loaders for a user's own files: PDF pages, plain text, HTML main text, sidecars, and every bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.errors import DocumentError
from assistant.loaders import load_file, load_paths
from assistant.loaders.html import html_to_markdown
from assistant.loaders.pdf import reflow

PAGES = [
    "Admission to the CAR-T ward needs a bed on the haematology unit and a named consultant.",
    "The Riverside protocol gives levetiracetam 750 mg twice daily for seizure prophylaxis after cilta-cel.",
    "Before discharge the Riverside team checks that a carer can stay close to the hospital.",
]


def reason(path: Path, **kwargs: object) -> str:
    """The one-line reason load_file gives for a bad file."""
    with pytest.raises(DocumentError) as caught:
        load_file(path, **kwargs)  # type: ignore[arg-type]
    assert caught.value.path == path
    assert "\n" not in str(caught.value)
    return caught.value.reason


def test_pdf_keeps_one_page_per_pdf_page(tmp_path: Path, make_pdf) -> None:
    path = make_pdf(tmp_path / "Riverside Protocol.pdf", PAGES, title="Riverside CAR-T protocol")
    document = load_file(path)
    assert [page.number for page in document.pages] == [1, 2, 3]
    assert "levetiracetam 750 mg" in document.pages[1].text
    assert document.id == "riverside-protocol"
    assert document.meta.title == "Riverside CAR-T protocol"  # the PDF's own /Title
    assert document.meta.collection == "local"
    assert {chunk.page for chunk in chunk_document(document)} == {1, 2, 3}


def test_pdf_blank_page_keeps_the_other_page_numbers(tmp_path: Path, make_pdf) -> None:
    path = make_pdf(tmp_path / "gap.pdf", [PAGES[0], "", PAGES[2]])
    assert [page.number for page in load_file(path).pages] == [1, 3]
    assert load_file(path).meta.title == "gap"  # no /Title: the file name


def test_reflow_joins_wrapped_lines_into_paragraphs() -> None:
    text = (
        "Tocilizumab is given for CRS grade 2 and\nabove in adults and children.\n"
        "Short heading\nNext para-\ngraph ends here."
    )
    assert reflow(text).split("\n\n") == [
        "Tocilizumab is given for CRS grade 2 and above in adults and children.",
        "Short heading",
        "Next para-graph ends here.",
    ]


def test_encrypted_pdf_is_refused(tmp_path: Path, make_pdf) -> None:
    path = make_pdf(tmp_path / "locked.pdf", PAGES, password="secret")
    assert "encrypted" in reason(path)


def test_image_only_pdf_is_refused(tmp_path: Path, make_pdf) -> None:
    path = make_pdf(tmp_path / "scan.pdf", ["", ""], image_only=True)
    assert "no text layer" in reason(path)


@pytest.mark.parametrize("content", [b"%PDF-1.4\nnot really a pdf \x00\x01", b"plain words, not a PDF at all"])
def test_corrupt_pdf_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    assert "not a readable PDF" in reason(path)


def test_truncated_pdf_is_refused(tmp_path: Path, make_pdf) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", PAGES).read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 3])
    assert "not a readable PDF" in reason(path)


def test_plain_text_loads_with_its_heading_as_title(tmp_path: Path) -> None:
    path = tmp_path / "ward-notes.txt"
    path.write_text("# Ward notes on ICANS\n\nCheck the ICE score every 8 hours.\n", encoding="utf-8")
    document = load_file(path)
    assert (document.id, document.meta.title, document.meta.doc_type.value) == (
        "ward-notes",
        "Ward notes on ICANS",
        "local",
    )
    assert [c.section for c in chunk_document(document)] == [""]


def test_non_utf8_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Fièvre ≥ 38 °C".encode("cp1252", errors="replace"))
    assert "not UTF-8" in reason(path)


@pytest.mark.parametrize("name", ["empty.txt", "empty.pdf", "empty.md", "empty.html"])
def test_empty_file_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert reason(path) == "file is empty"


def test_whitespace_only_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n\t\n", encoding="utf-8")
    assert reason(path) == "has no text"


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "protocol.docx"
    path.write_bytes(b"PK\x03\x04")
    assert "unknown file type '.docx'" in reason(path)


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("CRS grade 1 is fever. " * 200, encoding="utf-8")
    assert "over the" in reason(path, max_bytes=1000)


HTML = """<!doctype html><html><head><title>Intranet | CRS pathway</title><style>p{color:red}</style>
<script>var tracking = "tocilizumab";</script></head><body>
<header>Hospital intranet banner</header><nav><a href="/">Home</a> Menu</nav>
<main>
  <h2>Tocilizumab for CRS grade 2</h2>
  <p>Give tocilizumab 8 mg/kg IV over 1 hour,
     up to <b>800 mg</b> per dose.</p>
  <ul><li>Reassess after 8 hours.</li><li>Call ICU if hypotension persists.</li></ul>
  <h2>Dexamethasone for ICANS</h2>
  <table><tr><th>Drug</th><th>Dose</th></tr><tr><td>dexamethasone</td><td>10 mg IV | every 6 h</td></tr></table>
</main>
<footer>Copyright 2025</footer></body></html>"""


def test_html_keeps_main_text_and_headings() -> None:
    text, title = html_to_markdown(HTML)
    assert title == "Intranet | CRS pathway"
    for dropped in ("banner", "Menu", "Copyright", "tracking", "color"):
        assert dropped not in text
    assert "## Tocilizumab for CRS grade 2" in text
    assert "Give tocilizumab 8 mg/kg IV over 1 hour, up to 800 mg per dose." in text
    assert "- Reassess after 8 hours." in text
    assert "| Drug | Dose |\n|---|---|\n| dexamethasone | 10 mg IV \\| every 6 h |" in text


def test_html_chunks_follow_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "crs-pathway.html"
    path.write_text(HTML, encoding="utf-8")
    document = load_file(path)
    assert document.meta.title == "Intranet | CRS pathway"  # no h1: the <title>
    chunks = chunk_document(document)
    assert {c.section for c in chunks} == {"Tocilizumab for CRS grade 2", "Dexamethasone for ICANS"}
    assert [c.kind for c in chunks if c.section.startswith("Dexa")] == ["table"]


def test_html_without_main_keeps_the_body_and_prefers_h1(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text("<html><title>Site</title><body><nav>x</nav><h1>IEC-HS plan</h1><p>Check ferritin.</p>", "utf-8")
    document = load_file(path)
    assert document.meta.title == "IEC-HS plan"
    assert "Check ferritin." in document.body
    assert "x" not in document.body.split()


def test_html_keeps_an_articles_own_header(tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_text(
        "<header>Site banner</header><article><header><h1>CRS bundle</h1></header><p>Give fluids.</p>"
        "<footer>Reviewed 2025</footer></article><footer>Site footer</footer>",
        encoding="utf-8",
    )
    document = load_file(path)
    assert document.meta.title == "CRS bundle"
    assert document.body == "# CRS bundle\n\nGive fluids.\n\nReviewed 2025"


def test_html_role_main_ends_with_its_own_element() -> None:
    html = '<div role="main"><div><p>Inside one.</p></div><p>Inside two.</p></div><div>Sidebar links</div>'
    assert html_to_markdown(html)[0] == "Inside one.\n\nInside two."


def test_html_with_no_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "script-only.html"
    path.write_text("<html><script>alert(1)</script><nav>menu</nav></html>", encoding="utf-8")
    assert reason(path) == "has no text"


def test_sidecar_and_flags_layer_over_the_file(tmp_path: Path, make_pdf) -> None:
    path = make_pdf(tmp_path / "report.pdf", PAGES, title="Own title")
    (tmp_path / "report.pdf.meta.yaml").write_text("title: Sidecar title\nyear: 2024\ndoi: 10.1/x\n", encoding="utf-8")
    meta = load_file(path).meta
    assert (meta.title, meta.year, meta.doi) == ("Sidecar title", 2024, "10.1/x")
    meta = load_file(path, {"title": "Flag title", "doc_type": "guideline"}).meta
    assert (meta.title, meta.year, meta.doc_type.value) == ("Flag title", 2024, "guideline")


def test_stem_sidecar_overrides_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "local-protocol.md"
    path.write_text("---\nid: local-protocol\ntitle: Front title\ndoc_type: local\n---\n\nBody text.\n", "utf-8")
    (tmp_path / "local-protocol.meta.yaml").write_text("title: Sidecar title\nurl: https://intranet/x\n", "utf-8")
    meta = load_file(path).meta
    assert (meta.title, meta.url) == ("Sidecar title", "https://intranet/x")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"title: [unclosed", "not valid UTF-8 YAML"), (b"title: \xe9t\xe9", "not valid UTF-8 YAML"), (b"- a", "mapping")],
)
def test_bad_sidecar_is_refused_naming_file_and_sidecar(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("CRS notes.", encoding="utf-8")
    (tmp_path / "notes.meta.yaml").write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        load_file(path)
    assert (caught.value.path, caught.value.field) == (path, "sidecar")
    assert caught.value.reason.startswith("notes.meta.yaml ")
    assert expected in caught.value.reason


def test_markdown_without_front_matter_is_local(tmp_path: Path) -> None:
    path = tmp_path / "ICU Handover.md"
    path.write_text("# ICU handover for CAR-T\n\n## Checks\n\nNeuro checks every 4 hours.\n", encoding="utf-8")
    meta = load_file(path).meta
    assert (meta.id, meta.title, meta.collection) == ("icu-handover", "ICU handover for CAR-T", "local")


@pytest.mark.parametrize("overrides", [{"collection": "local"}, {}])
def test_own_markdown_with_front_matter_but_no_id_takes_its_file_name(tmp_path: Path, overrides: dict) -> None:
    """An own document's id comes from its file name unless given, whatever else its front matter holds."""
    collection = "" if overrides else "collection: local\n"
    path = tmp_path / "Riverside Protocol.md"
    path.write_text(f"---\ntitle: Riverside protocol\nyear: 2025\n{collection}---\n\n# Riverside\n\nWard 7 admits.\n")
    document = load_file(path, overrides)
    assert (document.id, document.meta.title, document.meta.year) == ("riverside-protocol", "Riverside protocol", 2025)
    assert (document.meta.doc_type, document.meta.collection) == ("local", "local")


def test_corpus_markdown_without_an_id_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "guideline.md"
    path.write_text("---\ntitle: A guideline\nyear: 2025\ndoc_type: guideline\n---\n\nText.\n")
    with pytest.raises(DocumentError, match="id"):
        load_file(path)


def test_batch_reports_each_bad_file_and_loads_the_rest(tmp_path: Path, make_pdf) -> None:
    make_pdf(tmp_path / "good.pdf", PAGES)
    make_pdf(tmp_path / "locked.pdf", PAGES, password="pw")
    (tmp_path / "notes.txt").write_text("Grade 1 CRS is fever.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Notes\n\nAnother file with the id notes.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "slides.pptx").write_bytes(b"PK")
    report = load_paths([tmp_path])
    assert sorted(d.id for d in report.documents) == ["good", "notes"]
    reasons = {e.path.name: e.reason for e in report.errors}
    assert set(reasons) == {"locked.pdf", "notes.txt", "empty.txt", "slides.pptx"}
    assert reasons["notes.txt"].startswith("duplicate id 'notes'")
