"""Shared fixtures. All state goes to temp dirs; the real packaged model and a real Chroma are used.

- ``isolated_env`` (autouse): CARTA_* variables cleared and the data dir pointed at a temp dir.
- ``corpus_index`` (session): the real corpus ingested once into a temp data dir.
- ``chain`` (session): the answer chain over that index, loaded once.
- ``small_corpus``: a three-document corpus folder written fresh for each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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
