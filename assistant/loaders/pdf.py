"""PDF files via pypdf: one Page per PDF page, so a citation can say `p. N`.

pypdf returns each page as hard-wrapped lines; they are joined back into paragraphs (a line ends
a paragraph when it ends a sentence or is much shorter than the page's longest line) so the
chunker can group paragraphs instead of taking a whole page as one block.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from assistant.documents import Page, SourceDocument
from assistant.errors import DocumentError
from assistant.loaders.text import build_document
from assistant.text import SENTENCE_END

#: A line shorter than this share of the page's longest line closes its paragraph (last line, heading).
SHORT_LINE_RATIO = 0.6

# pypdf logs recoverable damage ("EOF marker not found") as warnings without naming the file; the
# loader reports an unreadable file itself, in one line that names it.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def reflow(text: str) -> str:
    """Join a page's wrapped lines into paragraphs separated by blank lines."""
    lines = [line.strip() for line in text.splitlines()]
    longest = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            paragraphs.append(current)
            current = ""
            continue
        joiner = "" if not current or current.endswith("-") else " "
        current = f"{current}{joiner}{line}"
        short = len(line) < SHORT_LINE_RATIO * longest and not line.endswith("-")
        if short or SENTENCE_END.search(line):
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return "\n\n".join(p for p in paragraphs if p)


def _reader(path: Path) -> Any:
    """An open, decrypted PdfReader, or a DocumentError saying why the file cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, "PDF is encrypted with a password; save an unprotected copy and ingest that")
    except DependencyError as exc:
        raise DocumentError(path, f"PDF is encrypted and cannot be decrypted here ({exc})") from exc
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, OSError) as exc:
        raise DocumentError(path, f"is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    return reader


def _title(reader: Any) -> dict[str, Any]:
    """The PDF's own /Title, when it has a usable one."""
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # pypdf raises many types for a broken info dictionary; the title is optional
        return {}
    return {"title": title.strip()} if isinstance(title, str) and title.strip() else {}


def load(path: Path, overrides: dict[str, Any]) -> SourceDocument:
    """Load a PDF's text layer page by page; image-only (scanned) PDFs are refused with a hint."""
    from pypdf.errors import PyPdfError

    reader = _reader(path)
    pages: list[Page] = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            pages.append(Page(reflow(page.extract_text() or ""), number))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path, f"is not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(page.text for page in pages):
        raise DocumentError(path, "PDF has no text layer (scanned or image-only); run OCR on it first")
    return build_document(path, pages, overrides, _title(reader))
