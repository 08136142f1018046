"""Plain text files, and the metadata layering every format without front matter shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.documents import Page, SourceDocument, validate_meta
from assistant.errors import DocumentError
from assistant.loaders.markdown import fallback_meta, read_text


def build_document(
    path: Path, pages: list[Page], overrides: dict[str, Any], own: dict[str, Any] | None = None
) -> SourceDocument:
    """A document from extracted pages; metadata layers, lowest first: file name, the file's own, overrides.

    Pages without text are dropped (keeping the others' numbers); a file with no text at all is an error.
    """
    kept = tuple(Page(page.text.strip(), page.number) for page in pages if page.text.strip())
    if not kept:
        raise DocumentError(path, "has no text")
    body = "\n\n".join(page.text for page in kept)
    meta = validate_meta({**fallback_meta(path, body), **(own or {}), **overrides}, path)
    return SourceDocument(meta=meta, pages=kept, path=path)


def load(path: Path, overrides: dict[str, Any]) -> SourceDocument:
    """Load a UTF-8 text file as one page; its first `#` line, if any, is the title."""
    return build_document(path, [Page(read_text(path))], overrides)
