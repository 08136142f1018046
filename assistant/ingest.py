"""Corpus -> index, incremental and crash-safe.

Each document is reconciled on its own: the chunks it should have are computed from its text,
missing ones are embedded and added, stale ones deleted, and only then is its hash written to the
manifest. A crash at any point leaves documents either done or redone on the next run, never
half-counted. Removal of documents that left the corpus applies only to the collection being
reconciled (``corpus`` by default), so a hospital's own uploads are never swept away.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from assistant.chunking import chunk_document
from assistant.embeddings import LazyEmbeddings
from assistant.errors import CartaError, DocumentError
from assistant.index import ChunkIndex, Manifest
from assistant.loaders import load_paths, slugify
from assistant.passage import Passage
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

#: How long a second ingest waits for the first before giving up with a clear message.
LOCK_TIMEOUT_S = 120.0

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI summary and the tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_deleted: int = 0
    errors: list[DocumentError] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed documents; {self.chunks_added} chunks embedded, "
            f"{self.chunks_deleted} deleted; {len(self.errors)} files skipped ({self.seconds:.1f} s)"
        )


def ingest(
    settings: Settings,
    paths: Iterable[Path] | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
    embeddings: Embeddings | None = None,
) -> IngestReport:
    """Bring the index in line with ``paths`` (default: the whole corpus folder, reconciled).

    Passages are embedded by ``embeddings``, by default the configured model, loaded when needed.
    """
    started = time.perf_counter()
    reconcile = paths is None
    roots = [settings.corpus_dir] if paths is None else list(paths)
    for root in roots:
        if not root.exists():
            msg = f"{root} does not exist"
            raise CartaError(msg)
    settings.ensure_data_dir()
    lock = FileLock(str(settings.data_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout as exc:
        msg = f"another ingest holds {lock.lock_file}; waited {LOCK_TIMEOUT_S:.0f} s"
        raise CartaError(msg) from exc
    try:
        index = ChunkIndex.open(settings, embeddings or LazyEmbeddings(settings.model_path))
        report = _ingest_locked(settings, index, roots, overrides or {}, reconcile, progress)
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _ingest_locked(
    settings: Settings,
    index: ChunkIndex,
    roots: list[Path],
    overrides: dict[str, Any],
    reconcile: bool,
    progress: Progress | None,
) -> IngestReport:
    loaded = load_paths(roots, overrides, max_bytes=int(settings.max_file_mb * 1e6))
    report = IngestReport(errors=loaded.errors)
    manifest = Manifest(settings.manifest_path)
    indexed = index.chunk_ids_by_document()
    total = len(loaded.documents)
    for position, document in enumerate(loaded.documents, start=1):
        if progress:
            progress(position - 1, total, document.id)
        have = indexed.get(document.id, set())
        if have and manifest.hashes.get(document.id) == document.content_hash:
            report.unchanged.append(document.id)  # the same hash implies the same collection
            continue
        owner = index.collection_of(document.id) if have else None
        if owner not in (None, document.meta.collection):  # never let a user's file replace a corpus document
            reason = (
                f"duplicate id '{document.id}': the {owner} collection already has it; rename the file or set an id"
            )
            report.errors.append(DocumentError(document.path or document.id, reason, field="id"))
            continue
        passages = [Passage.from_chunk(c, document.meta, document.content_hash) for c in chunk_document(document)]
        want = {p.chunk_id for p in passages}
        new = [p for p in passages if p.chunk_id not in have]
        reembed, relabel = _kept_but_changed(index, [p for p in passages if p.chunk_id in have])
        stale = sorted(have - want)
        index.add(new + reembed)
        index.relabel(relabel)
        index.delete(stale)
        manifest.record(document.id, document.content_hash)
        report.chunks_added += len(new) + len(reembed)
        report.chunks_deleted += len(stale)
        if not new and not stale and not reembed and not relabel:
            report.unchanged.append(document.id)
        else:
            (report.updated if have else report.added).append(document.id)
    if reconcile:
        _remove_missing(index, manifest, loaded.documents, loaded.errors, report)
    if progress:
        progress(total, total, "done")
    return report


def _kept_but_changed(index: ChunkIndex, kept: list[Passage]) -> tuple[list[Passage], list[Passage]]:
    """Kept chunks whose stored metadata is out of date: (to re-embed, to relabel).

    Chunk ids hash the text, not the front matter, so an edited title, year or product list keeps
    the ids; the title is part of the embedded search text, so a new title also needs new vectors.
    """
    stored = index.metadata([p.chunk_id for p in kept])
    changed = [p for p in kept if stored.get(p.chunk_id) != p.to_metadata()]
    retitled = {p.chunk_id for p in changed if stored.get(p.chunk_id, {}).get("title") != p.title}
    return [p for p in changed if p.chunk_id in retitled], [p for p in changed if p.chunk_id not in retitled]


def _remove_missing(
    index: ChunkIndex, manifest: Manifest, documents: list, errors: list[DocumentError], report: IngestReport
) -> None:
    """Delete corpus documents that are gone, and manifest entries left without chunks by a crash.

    A file that failed to load keeps its old chunks.
    """
    present = {d.id for d in documents} | {slugify(e.path.stem) for e in errors}
    corpus_ids = set(index.chunk_ids_by_document(collection="corpus"))
    by_doc = index.chunk_ids_by_document()
    for doc_id in sorted(corpus_ids - present):
        ids = sorted(by_doc.get(doc_id, ()))
        index.delete(ids)
        manifest.record(doc_id, None)
        report.removed.append(doc_id)
        report.chunks_deleted += len(ids)
    for doc_id in sorted(set(manifest.hashes) - present - set(by_doc)):
        manifest.record(doc_id, None)  # its chunks were deleted by a run that died before this line


def remove_document(settings: Settings, doc_id: str) -> int:
    """Remove one document's chunks (e.g. a hospital upload); returns how many were deleted."""
    index = ChunkIndex.open(settings, LazyEmbeddings(settings.model_path))
    ids = sorted(index.chunk_ids_by_document().get(doc_id, ()))
    if not ids:
        msg = f"no document with id '{doc_id}' in the index"
        raise CartaError(msg)
    index.delete(ids)
    Manifest(settings.manifest_path).record(doc_id, None)
    return len(ids)


def index_is_stale(settings: Settings) -> bool:
    """True when the corpus folder holds documents whose hash the manifest does not record.

    Loads and hashes the corpus (fast: no model), for `make run` and the UI's health banner.
    """
    loaded = load_paths([settings.corpus_dir], max_bytes=int(settings.max_file_mb * 1e6))
    recorded = Manifest(settings.manifest_path).hashes
    current = {d.id: d.content_hash for d in loaded.documents}
    return any(recorded.get(k) != v for k, v in current.items()) or not settings.manifest_path.exists()
