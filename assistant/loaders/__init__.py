"""Turn files into SourceDocuments: one small module per format, chosen by file extension.

Formats: markdown (.md, .markdown; front matter optional), plain text (.txt), HTML (.html, .htm; main
text only) and PDF (.pdf; one page per PDF page, so citations show `p. N`).

Metadata, highest first: CLI flags (``overrides``), a sidecar, the front matter, the file's own
metadata (PDF /Title, HTML <title>, its first `#` heading), then the file name (which gives the id).
The sidecar of ``report.pdf`` is ``report.pdf.meta.yaml``, or else ``report.meta.yaml``: a YAML
mapping of front-matter fields (id, title, year, doi, pmid, url, doc_type, ...).

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

import yaml

from assistant.documents import SourceDocument
from assistant.errors import DocumentError
from assistant.loaders import html, markdown, pdf, text

#: A loader reads one file; ``overrides`` are metadata given by the caller (sidecar, CLI flags).
Loader = Callable[[Path, dict[str, Any]], SourceDocument]

LOADERS: dict[str, Loader] = {
    ".md": markdown.load,
    ".markdown": markdown.load,
    ".txt": text.load,
    ".html": html.load,
    ".htm": html.load,
    ".pdf": pdf.load,
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


def sidecar_of(path: Path) -> Path | None:
    """The metadata sidecar of ``path``: ``NAME.EXT.meta.yaml``, else ``NAME.meta.yaml``, else None."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict[str, Any]:
    """The metadata in the sidecar of ``path`` ({} when it has none); a bad sidecar is an error on ``path``."""
    sidecar = sidecar_of(path)
    if sidecar is None:
        return {}
    try:
        raw = yaml.safe_load(markdown.read_text(sidecar))
    except (yaml.YAMLError, DocumentError) as exc:
        raise DocumentError(path, f"{sidecar.name} is not valid UTF-8 YAML", field="sidecar") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DocumentError(path, f"{sidecar.name} must be a mapping of metadata fields", field="sidecar")
    return raw


def load_file(path: Path, overrides: dict[str, Any] | None = None, max_bytes: int | None = None) -> SourceDocument:
    """Load one file with the loader for its extension; raise DocumentError naming the file.

    ``overrides`` (CLI flags) win over the file's sidecar, which wins over what the file holds.
    """
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
    return loader(path, {**read_sidecar(path), **(overrides or {})})


def refuse_escaping_link(path: Path, folders: list[Path]) -> None:
    """A file found by walking a folder must resolve inside it: a link out of the corpus could pull in
    any file on the machine. A path named directly (``carta ingest FILE``) may be anywhere."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        return  # a link loop: load_file reports it
    for folder in folders:
        if path.is_relative_to(folder) and not target.is_relative_to(folder.resolve()):
            raise DocumentError(path, f"is a link to {target}, outside {folder}; copy the file into the folder")


def load_paths(
    paths: Iterable[Path], overrides: dict[str, Any] | None = None, max_bytes: int | None = None
) -> LoadReport:
    """Load every file under ``paths``; bad files become errors, the rest still load."""
    paths = list(paths)
    report = LoadReport()
    ids: dict[str, Path] = {}
    for path in iter_files(paths):
        try:
            refuse_escaping_link(path, [p for p in paths if p.is_dir()])
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
