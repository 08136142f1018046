"""Turn files into SourceDocuments: one small module per format, chosen by file extension.

>>> from pathlib import Path
>>> from assistant.loaders import load_paths
>>> report = load_paths([Path("corpus")])
>>> report.errors
[]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.documents import SourceDocument
from assistant.errors import DocumentError
from assistant.loaders import markdown

#: A loader reads one file; ``overrides`` are metadata given by the caller (sidecar, CLI flags).
Loader = Callable[[Path, dict[str, Any]], SourceDocument]

LOADERS: dict[str, Loader] = {
    ".md": markdown.load,
    ".markdown": markdown.load,
}

SIDECAR_SUFFIX = ".meta.yaml"


@dataclass
class LoadReport:
    """What a batch load produced: the good documents, and one error per bad file."""

    documents: list[SourceDocument] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)


def slugify(text: str) -> str:
    """A document id from a file name: lower case, runs of other characters become '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths, sorted, skipping sidecars, hidden files and link loops."""
    seen: set[Path] = set()
    for root in paths:
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            if path.name.startswith(".") or path.name.endswith(SIDECAR_SUFFIX) or path.is_dir():
                continue
            try:
                resolved = path.resolve(strict=True)
            except (OSError, RuntimeError):
                resolved = path  # broken link or loop: load_file reports it
            if resolved not in seen:
                seen.add(resolved)
                yield path


def load_file(path: Path, overrides: dict[str, Any] | None = None, max_bytes: int | None = None) -> SourceDocument:
    """Load one file with the loader for its extension; raise DocumentError naming the file."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise DocumentError(path, f"unknown file type '{path.suffix}' (known: {known})")
    try:
        size = path.stat().st_size
    except (OSError, RuntimeError) as exc:
        raise DocumentError(path, f"cannot be read ({exc})") from exc
    if size == 0:
        raise DocumentError(path, "file is empty")
    if max_bytes is not None and size > max_bytes:
        raise DocumentError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
    return loader(path, dict(overrides or {}))


def load_paths(
    paths: Iterable[Path], overrides: dict[str, Any] | None = None, max_bytes: int | None = None
) -> LoadReport:
    """Load every file under ``paths``; bad files become errors, the rest still load."""
    report = LoadReport()
    ids: dict[str, Path] = {}
    for path in iter_files(paths):
        try:
            document = load_file(path, overrides, max_bytes)
        except DocumentError as exc:
            report.errors.append(exc)
            continue
        if document.id in ids:
            report.errors.append(
                DocumentError(path, f"duplicate id '{document.id}' (also in {ids[document.id]})", field="id")
            )
            continue
        ids[document.id] = path
        report.documents.append(document)
    return report
