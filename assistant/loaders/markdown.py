"""Markdown with optional YAML front matter: the corpus format (docs/corpus-format.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assistant.documents import LOCAL_COLLECTION, DocType, Page, SourceDocument, validate_meta
from assistant.errors import DocumentError

#: libyaml's safe loader when PyYAML has it: 13x faster than the pure-Python one, which otherwise
#: dominates loading a large corpus (docs/performance.md); same safe subset of YAML.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?(.*)\Z", re.DOTALL)
FIRST_HEADING = re.compile(r"^#\s+(.+)$", re.MULTILINE)


def read_text(path: Path) -> str:
    """Read UTF-8 text, refusing binary files and other encodings with a clear reason."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"is not UTF-8 text (bad byte at offset {exc.start})") from exc


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Return (front matter, body); a file without front matter has an empty mapping."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        raw = yaml.load(match.group(1), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" near line {line + 2}" if line is not None else ""
        raise DocumentError(path, f"front matter is not valid YAML{where}", field="front matter") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DocumentError(path, "front matter must be a mapping of fields", field="front matter")
    return raw, match.group(2)


def fallback_meta(path: Path, body: str) -> dict[str, Any]:
    """Metadata for a file that brings none: id from the file name, title from its first heading.

    Such a file is not a corpus document (the corpus format requires front matter), so it is local.
    """
    from assistant.loaders import slugify

    heading = FIRST_HEADING.search(body)
    return {
        "id": slugify(path.stem),
        "title": heading.group(1).strip() if heading else path.stem,
        "doc_type": DocType.LOCAL.value,
        "collection": LOCAL_COLLECTION,
    }


def load(path: Path, overrides: dict[str, Any]) -> SourceDocument:
    """Load one markdown file.

    A corpus file's front matter must be complete: a missing field is an error, not a silent default.
    A user's own file (no front matter, or put in the local collection by the caller or its front
    matter) takes what its front matter lacks from its name and first heading, the id above all.
    Caller overrides (sidecar, CLI flags) win over both.
    """
    text = read_text(path)
    raw, body = split_front_matter(text, path)
    if not body.strip():
        raise DocumentError(path, "has no body text")
    own = not raw or {**raw, **overrides}.get("collection") == LOCAL_COLLECTION
    base = {**fallback_meta(path, body), **raw} if own else raw
    meta = validate_meta({**base, **overrides}, path)
    return SourceDocument(meta=meta, pages=(Page(body.strip()),), path=path)
