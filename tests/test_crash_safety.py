"""Ingest survives `kill -9` anywhere, serialises with a second ingest, and never breaks a query in flight.

A killed run followed by a normal re-run must leave exactly what a clean build leaves: the same chunk
ids per document, the same metadata on each chunk, the same manifest, nothing twice. The kill points
are deterministic: a small driver script wraps the index's write methods and SIGKILLs its own
process right after the Nth write reached Chroma, so no hook lives in the library.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import REPO

from assistant import ingest as ingest_module
from assistant.answering.chain import AnswerChain
from assistant.embeddings import load_embeddings
from assistant.errors import CartaError
from assistant.index import ChunkIndex
from assistant.ingest import ingest
from assistant.settings import Settings

pytestmark = pytest.mark.model

#: Small documents of the real corpus: enough for every kind of change, cheap to rebuild often.
SUBSET = (
    "case-reports/wehrli-2022-anakinra-steroid-refractory-icans.md",
    "cohorts/cibmtr-2020-tisa-cel-real-world.md",
    "guidelines/maus-2020-sitc.md",
    "guidelines/ufhealth-2026-crs-icans-guide.md",
    "reviews/ficm-crs-management.md",
    "reviews/lee-2025-iec-hs-review.md",
)
EDITED = "guidelines/ufhealth-2026-crs-icans-guide.md"
RETITLED = "reviews/lee-2025-iec-hs-review.md"
REDATED = "cohorts/cibmtr-2020-tisa-cel-real-world.md"
REMOVED = "reviews/ficm-crs-management.md"
ADDED = "trials/roddie-2024-felix.md"
#: (file, old text, new text) edits that turn version 1 of the corpus into version 2.
EDITS = (
    (EDITED, "when fever lasts >48 h.", "when fever lasts more than 48 hours."),
    (RETITLED, '\ntitle: "', '\ntitle: "Retitled: '),
    (REDATED, "\nyear: 2020", "\nyear: 2021"),
)

#: Runs ingest with one write method wrapped so that the process SIGKILLs itself after the Nth
#: call that wrote something. argv: method ("add", "delete" or "record"), N.
DRIVER = """
import os, signal, sys
from assistant.index import ChunkIndex, Manifest
from assistant.ingest import ingest
from assistant.settings import Settings

method, after = sys.argv[1], int(sys.argv[2])
owner = Manifest if method == "record" else ChunkIndex
original = getattr(owner, method)
calls = []

def wrapped(self, *args, **kwargs):
    result = original(self, *args, **kwargs)
    if method == "record" or len(args[0]):
        calls.append(method)
        if len(calls) == after:
            os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, method, wrapped)
ingest(Settings())
sys.exit(3)  # the kill point was never reached: the test is wrong, not the ingest
"""


def write_corpus(root: Path, *, version: int) -> Path:
    """Version 1: the subset. Version 2: one document edited, one retitled, one redated, one removed, one added."""
    files = [*SUBSET, ADDED] if version == 2 else list(SUBSET)
    for relative in files:
        if version == 2 and relative == REMOVED:
            continue
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (REPO / "corpus" / relative).read_text(encoding="utf-8")
        for path, old, new in EDITS if version == 2 else ():
            if path == relative:
                assert old in text, (path, old)
                text = text.replace(old, new, 1)
        target.write_text(text, encoding="utf-8")
    return root


def snapshot(settings: Settings) -> dict[str, object]:
    """Everything that must match a clean build: ids per document, metadata per chunk, manifest."""
    index = ChunkIndex.open(settings, load_embeddings(settings.model_path))
    records = index.collection.get(include=["metadatas"])
    duplicates = [cid for cid, n in Counter(records["ids"]).items() if n > 1]
    return {
        "duplicates": duplicates,
        "count": index.count(),
        "ids": {k: sorted(v) for k, v in index.chunk_ids_by_document().items()},
        "metadata": dict(zip(records["ids"], records["metadatas"] or [], strict=True)),
        "manifest": json.loads(settings.manifest_path.read_text()),
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Corpus versions 1 and 2, a clean build of each, and a template data dir holding version 1."""
    root = tmp_path_factory.mktemp("crash")
    out: dict[str, Path] = {}
    for version in (1, 2):
        corpus = write_corpus(root / f"corpus-v{version}", version=version)
        data = root / f"clean-v{version}"
        assert not ingest(Settings(data_dir=data, corpus_dir=corpus)).errors
        out[f"corpus-v{version}"], out[f"clean-v{version}"] = corpus, data
    return out


def killed_run(data_dir: Path, corpus: Path, method: str, after: int) -> None:
    env = {**os.environ, "CARTA_DATA_DIR": str(data_dir), "CARTA_CORPUS_DIR": str(corpus)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, method, str(after)], env=env, cwd=REPO, capture_output=True, timeout=300
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]


@pytest.mark.parametrize(
    ("start", "method", "after"),
    [
        pytest.param("empty", "record", 4, id="fresh: between documents"),
        pytest.param("v1", "add", 1, id="update: new chunks written, stale ones not yet deleted"),
        pytest.param("v1", "add", 2, id="update: retitled document re-embedded, manifest not updated"),
        pytest.param("v1", "relabel", 1, id="update: redated document relabelled, manifest not updated"),
        pytest.param("v1", "delete", 1, id="update: stale chunks deleted, manifest not updated"),
        pytest.param("v1", "delete", 2, id="update: removed document deleted, manifest not updated"),
    ],
)
def test_kill_then_rerun_equals_a_clean_build(
    builds: dict[str, Path], tmp_path: Path, start: str, method: str, after: int
) -> None:
    data_dir = tmp_path / "data"
    version = "v1" if start == "empty" else "v2"
    if start == "v1":
        shutil.copytree(builds["clean-v1"], data_dir)  # this process never opens the copy before the kill
    killed_run(data_dir, builds[f"corpus-{version}"], method, after)
    settings = Settings(data_dir=data_dir, corpus_dir=builds[f"corpus-{version}"])
    ingest(settings)
    got = snapshot(settings)
    assert got == snapshot(Settings(data_dir=builds[f"clean-{version}"], corpus_dir=builds[f"corpus-{version}"]))
    assert got["duplicates"] == []


def test_kill_at_a_random_moment_then_rerun(builds: dict[str, Path], tmp_path: Path) -> None:
    """An outside `kill -9` shortly after the first commit, wherever the run happens to be."""
    data_dir = tmp_path / "data"
    env = {**os.environ, "CARTA_DATA_DIR": str(data_dir), "CARTA_CORPUS_DIR": str(builds["corpus-v1"])}
    process = subprocess.Popen([sys.executable, "-m", "assistant", "ingest"], env=env, cwd=REPO)
    manifest = data_dir / "manifest.json"
    while not manifest.exists() and process.poll() is None:
        time.sleep(0.02)
    time.sleep(0.1)
    process.kill()
    process.wait(timeout=30)
    settings = Settings(data_dir=data_dir, corpus_dir=builds["corpus-v1"])
    ingest(settings)
    assert snapshot(settings) == snapshot(Settings(data_dir=builds["clean-v1"], corpus_dir=builds["corpus-v1"]))


def test_second_ingest_fails_fast_while_the_lock_is_held(
    small_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_settings.data_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
         "print('held', flush=True); sys.stdin.read()", str(small_settings.data_dir / "ingest.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(ingest_module, "LOCK_TIMEOUT_S", 0.5)
        with pytest.raises(CartaError, match=r"another ingest holds .*ingest\.lock"):
            ingest(small_settings)
    finally:
        holder.communicate("", timeout=30)


def test_two_ingests_at_once_run_one_after_the_other(builds: dict[str, Path], tmp_path: Path) -> None:
    """A second ingest started mid-run waits for the first, then finds everything already done."""
    data_dir = tmp_path / "data"
    env = {**os.environ, "CARTA_DATA_DIR": str(data_dir), "CARTA_CORPUS_DIR": str(builds["corpus-v1"])}
    first = subprocess.Popen([sys.executable, "-m", "assistant", "ingest"], env=env, cwd=REPO)
    while not (data_dir / "manifest.json").exists():
        assert first.poll() is None, "the first ingest ended before committing anything"
        time.sleep(0.02)
    settings = Settings(data_dir=data_dir, corpus_dir=builds["corpus-v1"])
    second = ingest(settings)
    assert first.wait(timeout=300) == 0
    assert second.added == second.updated == second.removed == []
    assert snapshot(settings) == snapshot(Settings(data_dir=builds["clean-v1"], corpus_dir=builds["corpus-v1"]))


def test_queries_keep_answering_while_documents_change(small_settings: Settings, small_corpus: Path) -> None:
    """Old or new state, never an error: a thread asks in a loop while the main thread re-ingests edits."""
    ingest(small_settings)
    chain = AnswerChain.load(small_settings)
    questions = ["emapalumab in adult IEC-HS after brexu-cel", "tocilizumab dose for CRS", "CRS grade 2 hypotension"]
    errors: list[BaseException] = []
    answers: list[bool] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            for question in questions:
                try:
                    answers.append(bool(chain.invoke(question).citations))
                except BaseException as exc:  # any failure is the finding
                    errors.append(exc)

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        for round_ in range(4):
            case = small_corpus / "case-reports" / "case.md"
            case.write_text(case.read_text().replace("recovered", f"recovered (round {round_})"))
            label = small_corpus / "labels" / "label.md"
            label.write_text(label.read_text() + f"\nLabel note {round_}: tocilizumab is given for CRS.\n")
            ingest(small_settings)
    finally:
        stop.set()
        asker.join(timeout=120)
    assert errors == []
    assert answers and all(answers)
