"""The index: chunks with their vectors in Chroma (embedded or a `chroma run` server).

Chroma is the single source of truth; the keyword index is rebuilt from it when a retriever loads,
so the embedded store and a shared server behave the same. Vectors always come from our model:
the collection is opened with our embedding function, so Chroma's default (which downloads a
model) is never attached.

>>> from assistant.settings import Settings
>>> index = ChunkIndex.open(Settings())          # doctest: +SKIP
>>> index.count()                                 # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError, IndexUnavailableError
from assistant.passage import Passage
from assistant.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_core.embeddings import Embeddings

#: Candidates HNSW explores per query (Chroma's default is 100; it searches max(k, ef_search)). The dense
#: ranking asks for 100 passages, and with ef_search = k the tail of the ranking was approximate and not the
#: same from one process to the next: a passage at similarity 0.304 was found under PYTHONHASHSEED=2 but
#: not under 1, and that one passage changed the fused top 10 and the answer. Five times the depth asked
#: makes the search exhaustive on the corpus's few hundred chunks and far more exact at 50,000.
EF_SEARCH = 500
#: Cosine distance, so that 1 - distance is the cosine similarity the abstention threshold uses.
COLLECTION_CONFIGURATION = {"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}}
#: Records per Chroma write; keeps each request well under the server's payload limit.
WRITE_BATCH = 256
#: Records per Chroma read. One read of 10,000 records took 4 s and ~300 MB; by pages of 1,000 ids,
#: 1.4 s and ~30 MB (Chroma 1.5; docs/performance.md).
READ_PAGE = 1000
#: The `chroma run` server's liveness endpoint (Chroma 1.x HTTP API).
HEARTBEAT_PATH = "/api/v2/heartbeat"


def make_client(settings: Settings) -> chromadb.ClientAPI:
    """An embedded PersistentClient in data_dir, or an HttpClient for a `chroma run` server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return _http_client(settings, chroma_settings)
    settings.ensure_data_dir()
    try:
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as exc:
        msg = f"cannot open the index at {settings.index_dir} ({exc})"
        raise ConfigError(msg) from exc


def _http_client(settings: Settings, chroma_settings: ChromaSettings) -> chromadb.ClientAPI:
    """An HttpClient, after a heartbeat bounded by ``chroma_timeout_s``.

    Chroma's own HTTP session has no timeout, so without the probe an unreachable host hangs for
    the operating system's connect timeout (minutes), and a silent one forever.
    """
    import chromadb
    import httpx

    host, port = settings.chroma_host or "", settings.chroma_port
    where = f"{host}:{port}"
    hint = "start it with `carta serve-index` or unset CARTA_CHROMA_HOST"
    try:
        httpx.get(f"http://{where}{HEARTBEAT_PATH}", timeout=settings.chroma_timeout_s).raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"Chroma server at {where} does not answer ({reason}); {hint}"
        raise IndexUnavailableError(msg) from exc
    try:
        return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
    except Exception as exc:  # chromadb raises several types for a server that is not Chroma
        msg = f"{where} answers but not as a Chroma server ({type(exc).__name__}); {hint}"
        raise IndexUnavailableError(msg) from exc


def doc_id_of(chunk_id: str) -> str:
    """The document a chunk belongs to: chunk ids are '{doc_id}:{hash}' (chunking.chunk_id)."""
    return chunk_id.rsplit(":", 1)[0]


class ChunkIndex:
    """Passages and their vectors in one Chroma collection, with document-level upsert and delete."""

    def __init__(self, client: chromadb.ClientAPI, collection: chromadb.Collection, embeddings: Embeddings) -> None:
        self.client = client
        self.collection = collection
        self.embeddings = embeddings

    @classmethod
    def open(cls, settings: Settings, embeddings: Embeddings) -> ChunkIndex:
        """Open (creating if needed) the collection, bound to our embedding function."""
        from chromadb.utils.embedding_functions.chroma_langchain_embedding_function import (
            ChromaLangchainEmbeddingFunction,
        )

        client = make_client(settings)
        collection = client.get_or_create_collection(
            name=settings.collection,
            embedding_function=ChromaLangchainEmbeddingFunction(embeddings),  # type: ignore[arg-type]
            configuration=COLLECTION_CONFIGURATION,  # type: ignore[arg-type]
        )
        hnsw = (collection.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != EF_SEARCH:  # an index made before EF_SEARCH: ef_search can change in place
            collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})  # type: ignore[arg-type]
        return cls(client, collection, embeddings)

    def count(self) -> int:
        return self.collection.count()

    def chunk_ids(self, collection: str | None = None) -> list[str]:
        """Every chunk id, or those of one collection: ids only, Chroma's cheapest read."""
        return self.collection.get(where={"collection": collection} if collection else None, include=[])["ids"]

    def _records(self, chunk_ids: Sequence[str], include: list[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of the given chunks, READ_PAGE at a time; ids the index lacks are skipped."""
        for start in range(0, len(chunk_ids), READ_PAGE):
            page = self.collection.get(ids=list(chunk_ids[start : start + READ_PAGE]), include=include)  # type: ignore[arg-type]
            texts = page["documents"] or [""] * len(page["ids"])
            metas = page["metadatas"] or [{}] * len(page["ids"])
            for cid, text, meta in zip(page["ids"], texts, metas, strict=True):
                yield cid, text or "", dict(meta or {})

    def passages(self) -> list[Passage]:
        """Every passage in the index (for the keyword index, the library view and audits).

        The ids are read first and the records by pages of them, so a concurrent ingest cannot make
        a page skip or repeat records, and memory stays bounded.
        """
        return [Passage.from_record(*record) for record in self._records(self.chunk_ids(), ["documents", "metadatas"])]

    def chunk_ids_by_document(self, collection: str | None = None) -> dict[str, set[str]]:
        """doc_id -> the chunk ids the index holds for it (optionally in one collection), from the ids alone."""
        found: dict[str, set[str]] = {}
        for cid in self.chunk_ids(collection):
            found.setdefault(doc_id_of(cid), set()).add(cid)
        return found

    def document_passages(self, doc_id: str) -> list[Passage]:
        """Every passage of one document, read by its doc_id alone (no model load): what a grading scale cites."""
        records = self.collection.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])  # type: ignore[list-item]
        texts = records["documents"] or []
        metas = records["metadatas"] or []
        return [
            Passage.from_record(cid, text or "", dict(meta or {}))
            for cid, text, meta in zip(records["ids"], texts, metas, strict=True)
        ]

    def collection_of(self, doc_id: str) -> str | None:
        """The collection a document's chunks are in (None when the index has none of them)."""
        records = self.collection.get(where={"doc_id": doc_id}, limit=1, include=["metadatas"])  # type: ignore[list-item]
        metas = records["metadatas"] or []
        return str(metas[0].get("collection", "")) if metas else None

    def add(self, passages: Sequence[Passage]) -> None:
        """Embed and write passages; ids are content hashes, so re-adding is harmless."""
        for start in range(0, len(passages), WRITE_BATCH):
            batch = passages[start : start + WRITE_BATCH]
            vectors = self.embeddings.embed_documents([p.search_text for p in batch])
            self.collection.upsert(
                ids=[p.chunk_id for p in batch],
                embeddings=vectors,  # type: ignore[arg-type]
                documents=[p.text for p in batch],
                metadatas=[p.to_metadata() for p in batch],  # type: ignore[misc]
            )

    def metadata(self, chunk_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """chunk id -> the metadata stored with it (ids the index lacks are left out)."""
        return {cid: meta for cid, _, meta in self._records(chunk_ids, ["metadatas"])}

    def relabel(self, passages: Sequence[Passage]) -> None:
        """Rewrite the metadata of passages whose text and vector stay as they are (a front-matter edit)."""
        for start in range(0, len(passages), WRITE_BATCH):
            batch = passages[start : start + WRITE_BATCH]
            self.collection.update(
                ids=[p.chunk_id for p in batch],
                metadatas=[p.to_metadata() for p in batch],  # type: ignore[misc]
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for start in range(0, len(chunk_ids), WRITE_BATCH):
            self.collection.delete(ids=list(chunk_ids[start : start + WRITE_BATCH]))


class Manifest:
    """doc_id -> content hash of what is committed in the index; written atomically after each commit.

    It lets `make run` and the UI tell a stale index without loading the model, and lets ingest skip
    unchanged documents without re-chunking them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.hashes: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        except (OSError, ValueError):
            self.hashes = {}  # unreadable manifest: ingest reconciles against the index itself

    def record(self, doc_id: str, doc_hash: str | None) -> None:
        if doc_hash is None:
            self.hashes.pop(doc_id, None)
        else:
            self.hashes[doc_id] = doc_hash
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.hashes, indent=0, sort_keys=True))
        tmp.replace(self.path)
