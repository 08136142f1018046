"""The embedding model: the packaged all-MiniLM-L6-v2, loaded once per process, as LangChain Embeddings.

Passages are embedded at ingest by the sentence-transformers model (torch). Questions are embedded
by an ONNX export of the same model run by onnxruntime and tokenizers, so a new `carta ask` or app
process answers without importing torch (several seconds of a cold start, docs/performance.md).
The export is made once per model, at `carta ingest` or on first use, and kept in
``Settings.onnx_cache_dir``; its vectors match the torch model's (tests/test_embeddings.py).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.settings import Settings

#: Chunks embedded per forward pass at ingest. bench/embedding.py on 2 cores: 16 and 8 embedded ~27
#: passages/s, 32 ~24, 64 ~18, 128 ~16 (larger batches pad more); docs/performance.md.
BATCH_SIZE = 16
#: The model's longest input in tokens (its sentence_bert_config.json); longer text is truncated, as
#: sentence-transformers does.
MAX_TOKENS = 256
#: ONNX operator set of the export; onnxruntime 1.x runs it.
OPSET = 17
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

log = logging.getLogger("carta.embeddings")
_export_lock = threading.Lock()


def _check_model(model_path: Path) -> None:
    if not (model_path / "modules.json").is_file():
        msg = (
            f"embedding model not found at {model_path}; "
            "set CARTA_EMBEDDING_MODEL_PATH to a sentence-transformers folder"
        )
        raise ConfigError(msg)


@lru_cache(maxsize=2)
def load_embeddings(model_path: Path) -> Embeddings:
    """Load the sentence-transformers model at ``model_path`` (never from a hub)."""
    _check_model(model_path)
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


def onnx_path(model_path: Path, cache_dir: Path) -> Path:
    """Where the export of ``model_path`` lives: named by the weights file's size and time, so a changed
    model gets a new export."""
    weights = model_path / "model.safetensors"
    stat = (weights if weights.is_file() else model_path / "modules.json").stat()
    return cache_dir / f"{model_path.name}-{stat.st_size}-{stat.st_mtime_ns}.onnx"


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the model with its mean pooling and normalisation to ``target`` (torch, once per model).

    Written to a temporary file and renamed, so a concurrent reader never sees half an export.
    """
    _check_model(model_path)
    with _export_lock:
        if target.is_file():
            return target
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

        class Pooled(torch.nn.Module):
            """The transformer, then sentence-transformers' Pooling (mean over real tokens) and Normalize."""

            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                hidden = self.model(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        sample = torch.ones((1, 8), dtype=torch.long)
        axes = {name: {0: "batch", 1: "tokens"} for name in ONNX_INPUTS}
        # The tracer's notes on transformers' mask code (constant shapes, index ops) hold for this export.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(), (sample, sample, torch.zeros_like(sample)), str(partial),
                input_names=list(ONNX_INPUTS), output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}}, opset_version=OPSET, dynamo=False,
            )  # fmt: skip
        partial.replace(target)
        return target


class OnnxEmbeddings(Embeddings):
    """Vectors from the ONNX export of the model at ``model_path`` (onnxruntime + tokenizers, no torch).

    ``embed_documents`` stays with the torch model: ingest loads it anyway, and the index's vectors
    keep coming from the reference implementation. Where no export exists and none can be written
    (a read-only cache folder), questions fall back to the torch model too, with a warning.
    """

    def __init__(self, model_path: Path, cache_dir: Path) -> None:
        self.model_path = model_path
        self.path = onnx_path(model_path, cache_dir)
        self._runtime: tuple[Any, Any] | None = None
        self._torch_only = False

    def _load(self) -> tuple[Any, Any] | None:
        """The ONNX session and tokenizer, exporting first when needed; None when only torch can serve."""
        if self._runtime is None and not self._torch_only:
            import onnxruntime
            from tokenizers import Tokenizer

            if not self.path.is_file():
                try:
                    export_onnx(self.model_path, self.path)
                except OSError as exc:
                    log.warning("no ONNX export at %s (%s); questions use the torch model", self.path, exc)
                    self._torch_only = True
                    return None
            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3  # errors only
            session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
            self._runtime = (session, tokenizer)
        return self._runtime

    def embed_query(self, text: str) -> list[float]:
        import numpy as np

        runtime = self._load()
        if runtime is None:
            return load_embeddings(self.model_path).embed_query(text)
        session, tokenizer = runtime
        encoding = tokenizer.encode(text)
        values = (encoding.ids, encoding.attention_mask, encoding.type_ids)
        feed = {name: np.array([ids], dtype=np.int64) for name, ids in zip(ONNX_INPUTS, values, strict=True)}
        return [float(x) for x in session.run(None, feed)[0][0]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return load_embeddings(self.model_path).embed_documents(texts)


@lru_cache(maxsize=4)
def _query_embeddings(model_path: Path, cache_dir: Path) -> Embeddings:
    _check_model(model_path)
    return OnnxEmbeddings(model_path, cache_dir)


def query_embeddings(settings: Settings) -> Embeddings:
    """The embeddings a retriever uses: ONNX for questions, one instance per model and cache folder."""
    return _query_embeddings(settings.model_path, settings.onnx_cache_dir)


def prepare_query_embeddings(settings: Settings) -> Path | None:
    """Make the ONNX export now (after `carta ingest`), so the first question does not wait for it.

    Returns its path, or None when it cannot be made here (the first question then tries again).
    """
    target = onnx_path(settings.model_path, settings.onnx_cache_dir)
    try:
        return export_onnx(settings.model_path, target)
    except (OSError, RuntimeError, ImportError) as exc:
        log.warning("could not export the embedding model to ONNX (%s)", exc)
        return None


@lru_cache(maxsize=2)
def common_words(model_path: Path) -> frozenset[str]:
    """Whole English words of the model's WordPiece vocabulary: a cheap, offline 'is this everyday English?'."""
    vocab = model_path / "vocab.txt"
    if not vocab.is_file():
        return frozenset()
    words = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and len(w) > 1)
