"""Shared fixtures. All state goes to temp dirs; the real packaged model and a real Chroma are used.

- ``isolated_env`` (autouse): CARTA_* variables cleared and the data dir pointed at a temp dir.
- ``corpus_index`` (session): the real corpus ingested once into a temp data dir.
- ``chain`` (session): the answer chain over that index, loaded once.
- ``on_index``: CARTA_DATA_DIR and CARTA_CORPUS_DIR pointed at that index, for the app and the CLI.
- ``small_corpus``: a three-document corpus folder written fresh for each test.
- ``carta_cli``: runs the `carta` command in a subprocess, as a user would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.answering.chain import AnswerChain
from assistant.ingest import ingest
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's settings or writes into the repository's .carta/."""
    for key in list(os.environ):
        if key.startswith("CARTA_"):
            monkeypatch.delenv(key)
    data_dir = tmp_path / "carta-data"
    monkeypatch.setenv("CARTA_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("corpus-index"), corpus_dir=CORPUS)


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


SMALL_DOCS = {
    "guidelines/grading.md": """---
id: grading
title: Test grading consensus
authors: [Tester A]
source: Test Journal
year: 2019
doc_type: consensus
doi: 10.0000/test.grading
products: []
topics: [CRS, grading]
---

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
    "case-reports/case.md": """---
id: case
title: Test emapalumab case
authors: [Tester B]
source: Test Reports
year: 2025
doc_type: case-report
pmid: "123"
products: [brexu-cel]
topics: [IEC-HS]
---

# Test emapalumab case

## Course

Emapalumab was started on day +11 in an adult with IEC-HS after brexu-cel.

## Outcome

The patient recovered by day +21.
""",
    "labels/label.md": """---
id: label
title: Test tocilizumab label
authors: []
source: Test Agency
year: 2017
doc_type: label
url: https://example.org/label
products: []
topics: [CRS, dosing]
---

# Test tocilizumab label

## Dosing

| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use |
|---|---|---|---|---|---|---|---|
| tocilizumab | 8 mg/kg | IV | every 8 h | 800 mg per dose | ≥30 kg | CRS | label |
""",
}


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


CompletedProcess = subprocess.CompletedProcess[str]
CartaCli = Callable[..., CompletedProcess]


@pytest.fixture
def carta_cli() -> CartaCli:
    """Run `carta ARGS...` in a subprocess with the test's environment plus ``env`` (in ``cwd``, default the
    repository); a hang fails the test after five minutes instead of stalling the suite."""

    def run(
        *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path = REPO
    ) -> CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            input=stdin, capture_output=True, text=True, env={**os.environ, **(env or {})},
            cwd=cwd, timeout=300, check=False,
        )  # fmt: skip

    return run


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


def quoted(answer: str) -> set[str]:
    """The sentences and rows an answer quotes, without list marks, labels or [n] markers (their
    numbers restart in every answer, so a repeated sentence may carry another one)."""
    pieces = (re.sub(r"^\s*(- )?([A-Z][\w ]*: )?", "", piece).strip() for piece in re.split(r"\[\d+\]|\n", answer))
    return {piece for piece in pieces if len(piece.split()) >= 3}
