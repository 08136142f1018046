"""The embedding model: the packaged all-MiniLM-L6-v2, loaded once per process, as LangChain Embeddings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError

#: Chunks embedded per forward pass at ingest. bench/embedding.py on 2 cores: 16 and 8 embedded ~27
#: passages/s, 32 ~24, 64 ~18, 128 ~16 (larger batches pad more); docs/performance.md.
BATCH_SIZE = 16


@lru_cache(maxsize=2)
def load_embeddings(model_path: Path) -> Embeddings:
    """Load the sentence-transformers model at ``model_path`` (never from a hub)."""
    if not (model_path / "modules.json").is_file():
        msg = (
            f"embedding model not found at {model_path}; "
            "set CARTA_EMBEDDING_MODEL_PATH to a sentence-transformers folder"
        )
        raise ConfigError(msg)
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=str(model_path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": BATCH_SIZE},
    )


class LazyEmbeddings(Embeddings):
    """The model at ``model_path``, loaded on first use: an ingest with nothing to embed, or a
    document removal, opens the index without paying the model's load time."""

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return load_embeddings(self.model_path).embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return load_embeddings(self.model_path).embed_query(text)


@lru_cache(maxsize=2)
def common_words(model_path: Path) -> frozenset[str]:
    """Whole English words of the model's WordPiece vocabulary: a cheap, offline 'is this everyday English?'."""
    vocab = model_path / "vocab.txt"
    if not vocab.is_file():
        return frozenset()
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and len(w) > 1)
