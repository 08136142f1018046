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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ConfigError, IndexUnavailableError
from assistant.passage import Passage
from assistant.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

#: Cosine distance, so that 1 - distance is the cosine similarity the abstention threshold uses.
COLLECTION_CONFIGURATION = {"hnsw": {"space": "cosine"}}
#: Records per Chroma write; keeps each request well under the server's payload limit.
WRITE_BATCH = 256


def make_client(settings: Settings) -> chromadb.ClientAPI:
    """An embedded PersistentClient in data_dir, or an HttpClient for a `chroma run` server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        chroma_settings.chroma_server_http_timeout = settings.chroma_timeout_s  # type: ignore[attr-defined]
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # chromadb raises several types for a dead server
            msg = f"Chroma server at {where} does not answer ({type(exc).__name__}); start it with `carta serve-index`"
            raise IndexUnavailableError(msg) from exc
        return client
    settings.ensure_data_dir()
    try:
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as exc:
        msg = f"cannot open the index at {settings.index_dir} ({exc})"
        raise ConfigError(msg) from exc


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
        return cls(client, collection, embeddings)

    def count(self) -> int:
        return self.collection.count()

    def passages(self) -> list[Passage]:
        """Every passage in the index (for the keyword index, the library view and audits)."""
        records = self.collection.get(include=["documents", "metadatas"])
        return [
            Passage.from_record(cid, text or "", dict(meta or {}))
            for cid, text, meta in zip(
                records["ids"], records["documents"] or [], records["metadatas"] or [], strict=True
            )
        ]

    def chunk_ids_by_document(self) -> dict[str, set[str]]:
        """doc_id -> the chunk ids the index holds for it (metadata only, no text)."""
        records = self.collection.get(include=["metadatas"])
        found: dict[str, set[str]] = {}
        for cid, meta in zip(records["ids"], records["metadatas"] or [], strict=True):
            found.setdefault(str((meta or {}).get("doc_id", "")), set()).add(cid)
        return found

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
