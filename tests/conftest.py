"""Shared fixtures (pure helpers are in helpers.py). All state goes to temp dirs.

- ``isolated_env`` (autouse): CARTA_* variables cleared, the data dir pointed at a temp dir, and the
  ONNX export of the model shared by the whole session.
- ``corpus_index`` (session): the real corpus ingested once with the real model into a temp data dir.
- ``chain`` (session): the answer chain over that index, loaded once.
- ``ui_server`` (module): `carta ui` over that index on a free port, for the browser tests.
- ``on_index``: CARTA_DATA_DIR and CARTA_CORPUS_DIR pointed at that index, for the app and the CLI.
- ``small_corpus``: a three-document corpus folder written fresh for each test.
- ``fake_embeddings``: LangChain's deterministic fake embedding, for fast tests of ingest and search
  mechanics that need no meaning.

Markers (pyproject.toml): a test that needs the real embedding model is ``model``, one that starts a
server ``server``, one that drives Chromium ``browser``; `make test-fast` runs the rest. Tests that
use the model's fixtures are marked ``model`` here, so a new test cannot forget it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import CORPUS, ServerDied, document, free_port, start_server
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.answering.chain import AnswerChain
from assistant.ingest import ingest
from assistant.settings import Settings

#: Fixtures that load the real embedding model: a test using one is marked ``model``.
MODEL_FIXTURES = frozenset({"corpus_settings", "corpus_index", "chain", "cli_env"})
#: The fake embedding's size: MiniLM's, so a fake index has the real one's shape.
FAKE_DIMENSIONS = 384


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the ONNX export of the model, so it is made once per test session, not per test."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Path:
    """No test reads the developer's settings or writes into the repository's .carta/."""
    for key in list(os.environ):
        if key.startswith("CARTA_"):
            monkeypatch.delenv(key)
    data_dir = tmp_path / "carta-data"
    monkeypatch.setenv("CARTA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CARTA_MODEL_CACHE_DIR", str(model_cache))
    return data_dir


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("corpus-index"), corpus_dir=CORPUS, model_cache_dir=model_cache)


@pytest.fixture(scope="session")
def corpus_index(corpus_settings: Settings) -> Settings:
    """The whole corpus, ingested once per test session; returns its settings."""
    report = ingest(corpus_settings)
    assert not report.errors, report.errors
    return corpus_settings


@pytest.fixture(scope="session")
def chain(corpus_index: Settings) -> AnswerChain:
    return AnswerChain.load(corpus_index)


@pytest.fixture
def on_index(corpus_index: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the app (which reads CARTA_* like any process) at the session's corpus index."""
    monkeypatch.setenv("CARTA_DATA_DIR", str(corpus_index.data_dir))
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(corpus_index.corpus_dir))
    return corpus_index


@pytest.fixture
def fake_embeddings() -> DeterministicFakeEmbedding:
    """Vectors that depend only on the text (a hash seeds them): fast, deterministic, meaningless."""
    return DeterministicFakeEmbedding(size=FAKE_DIMENSIONS)


SMALL_DOCS = {
    "guidelines/grading.md": document(
        "grading", "Test grading consensus", authors=["Tester A"], year=2019, doc_type="consensus",
        doi="10.0000/test.grading", topics=["CRS", "grading"],
        body="""
# Test grading consensus

## CRS grading table

| CRS grade | Fever | Hypotension |
|---|---|---|
| 1 | ≥38 °C | none |
| 2 | ≥38 °C | not requiring vasopressors |
| 3 | ≥38 °C | one vasopressor |

## Notes on fever

Fever is no longer required once tocilizumab has been given.
""",
    ),
    "case-reports/case.md": document(
        "case", "Test emapalumab case", authors=["Tester B"], source="Test Reports", year=2025,
        doc_type="case-report", pmid='"123"', products=["brexu-cel"], topics=["IEC-HS"],
        body="""
# Test emapalumab case

## Course

Emapalumab was started on day +11 in an adult with IEC-HS after brexu-cel.

## Outcome

The patient recovered by day +21.
""",
    ),
    "labels/label.md": document(
        "label", "Test tocilizumab label", source="Test Agency", year=2017, doc_type="label",
        url="https://example.org/label", topics=["CRS", "dosing"],
        body="""
# Test tocilizumab label

## Dosing

| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use |
|---|---|---|---|---|---|---|---|
| tocilizumab | 8 mg/kg | IV | every 8 h | 800 mg per dose | ≥30 kg | CRS | label |
""",
    ),
}  # fmt: skip


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A fresh three-document corpus (consensus table, case report, label) in a temp folder."""
    root = tmp_path / "corpus"
    for relative, text in SMALL_DOCS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def small_settings(small_corpus: Path, isolated_env: Path) -> Settings:
    return Settings(data_dir=isolated_env, corpus_dir=small_corpus)


@pytest.fixture
def copy_of_corpus(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the real corpus, for tests that edit or break documents."""
    target = tmp_path / "corpus-copy"
    shutil.copytree(CORPUS, target)
    yield target


MakePdf = Callable[..., Path]


@pytest.fixture
def make_pdf() -> MakePdf:
    """Write a PDF with one page per text at test time (fpdf2), so no binary fixture is committed.

    ``password`` encrypts it (user password); ``image_only`` draws shapes and no text, like a scan.
    """
    from fpdf import FPDF

    def make(
        path: Path, pages: list[str], *, title: str | None = None, password: str | None = None, image_only: bool = False
    ) -> Path:
        pdf = FPDF()
        pdf.set_font("Helvetica", size=11)
        for text in pages:
            pdf.add_page()
            if image_only:
                pdf.rect(20, 20, 120, 80, style="F")
            else:
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        if title:
            pdf.set_title(title)
        if password:
            pdf.set_encryption(owner_password="owner", user_password=password)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
        return path

    return make


@pytest.fixture(scope="module")
def ui_server(corpus_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`carta ui` over the session index, one for this module's tests; yields its URL and its log file,
    and stops it afterwards."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {"CARTA_DATA_DIR": str(corpus_index.data_dir), "CARTA_CORPUS_DIR": str(corpus_index.corpus_dir)}
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "assistant", "ui", "--port", str(port)]
    try:  # its own process group: the streamlit child stops with it
        process = start_server(command, f"{url}/_stcore/health", log, timeout_s=60, env=env, own_group=True)
    except ServerDied as exc:
        pytest.fail(f"carta ui did not start: {exc}")
    try:
        yield url, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
