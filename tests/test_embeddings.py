"""Query vectors from the ONNX export: the same as the torch model's, and no torch on the query path."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from assistant.embeddings import OnnxEmbeddings, load_embeddings, onnx_path
from assistant.settings import Settings

pytestmark = pytest.mark.model

TEXTS = (
    "What is the tocilizumab dose for grade 2 CRS?",
    "ICE score",
    "Is there evidence for emapalumab in adult IEC-HS after CAR-T? " * 30,  # past the 256-token limit
    "ß, µg/kg, ≥38 °C",
)


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_onnx_query_vectors_match_the_torch_model(model_cache: Path) -> None:
    settings = Settings(model_cache_dir=model_cache)
    onnx = OnnxEmbeddings(settings.model_path, settings.onnx_cache_dir)
    torch_model = load_embeddings(settings.model_path)
    for text in TEXTS:
        assert cosine(onnx.embed_query(text), torch_model.embed_query(text)) == pytest.approx(1.0, abs=1e-4), text
    assert onnx.path == onnx_path(settings.model_path, model_cache) and onnx.path.is_file()


#: A fresh process answers one question and reports which heavy modules it imported.
QUERY_PATH = """
import json, sys
from assistant.answering.chain import AnswerChain
from assistant.settings import Settings
answer = AnswerChain.load(Settings()).invoke("What is the tocilizumab dose for grade 2 CRS?")
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "sentence_transformers", "transformers"})
print(json.dumps({"cited": len(answer.citations), "heavy": heavy}))
"""


def test_a_question_is_answered_without_importing_torch(corpus_index: Settings) -> None:
    OnnxEmbeddings(corpus_index.model_path, corpus_index.onnx_cache_dir).embed_query("export it first")
    env = {"CARTA_DATA_DIR": str(corpus_index.data_dir), "CARTA_MODEL_CACHE_DIR": str(corpus_index.onnx_cache_dir)}
    done = subprocess.run(
        [sys.executable, "-c", QUERY_PATH], capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["cited"] > 0 and result["heavy"] == []


def test_an_unwritable_cache_falls_back_to_the_torch_model(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings(model_cache_dir=blocker / "models")
    vector = OnnxEmbeddings(settings.model_path, settings.onnx_cache_dir).embed_query("ICE score")
    assert vector == load_embeddings(settings.model_path).embed_query("ICE score")
