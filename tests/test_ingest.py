"""Ingestion is incremental: unchanged documents are skipped, edited ones replaced, removed ones deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.embeddings import LazyEmbeddings
from assistant.errors import ConfigError
from assistant.index import ChunkIndex
from assistant.ingest import IngestReport, index_is_stale, ingest
from assistant.settings import Settings


@pytest.fixture
def run(small_settings: Settings, fake_embeddings: Embeddings) -> Callable[[], IngestReport]:
    """Ingest the small corpus with the fake embedding: these tests are about bookkeeping, not meaning."""
    return lambda: ingest(small_settings, embeddings=fake_embeddings)


def chunk_ids(settings: Settings) -> dict[str, set[str]]:
    return ChunkIndex.open(settings, LazyEmbeddings(settings.model_path)).chunk_ids_by_document()


def test_second_run_changes_nothing(small_settings: Settings, run: Callable[[], IngestReport]) -> None:
    first = run()
    assert sorted(first.added) == ["case", "grading", "label"]
    before = chunk_ids(small_settings)
    second = run()
    assert second.added == second.updated == second.removed == []
    assert second.chunks_added == second.chunks_deleted == 0
    assert chunk_ids(small_settings) == before


def test_edit_changes_only_that_documents_chunks(
    small_settings: Settings, small_corpus: Path, run: Callable[[], IngestReport]
) -> None:
    run()
    before = chunk_ids(small_settings)
    case = small_corpus / "case-reports" / "case.md"
    case.write_text(case.read_text().replace("recovered by day +21", "recovered fully by day +21"))
    report = run()
    after = chunk_ids(small_settings)
    assert report.updated == ["case"]
    assert after["grading"] == before["grading"] and after["label"] == before["label"]
    assert len(before["case"] - after["case"]) == 1 and len(after["case"] - before["case"]) == 1


def test_removed_document_is_deleted(
    small_settings: Settings, small_corpus: Path, run: Callable[[], IngestReport]
) -> None:
    run()
    (small_corpus / "labels" / "label.md").unlink()
    report = run()
    assert report.removed == ["label"]
    assert "label" not in chunk_ids(small_settings)


def test_broken_file_keeps_its_old_chunks_and_the_rest_ingest(
    small_settings: Settings, small_corpus: Path, run: Callable[[], IngestReport]
) -> None:
    run()
    before = chunk_ids(small_settings)["label"]
    label = small_corpus / "labels" / "label.md"
    label.write_text(label.read_text().replace("doc_type: label", "doc_type: nonsense"))
    report = run()
    assert [e.path.name for e in report.errors] == ["label.md"]
    assert "doc_type" in str(report.errors[0])
    assert chunk_ids(small_settings)["label"] == before


def test_staleness_follows_the_corpus(
    small_settings: Settings, small_corpus: Path, run: Callable[[], IngestReport]
) -> None:
    assert index_is_stale(small_settings)
    run()
    assert not index_is_stale(small_settings)
    (small_corpus / "guidelines" / "grading.md").write_text(
        (small_corpus / "guidelines" / "grading.md").read_text() + "\nOne more sentence.\n"
    )
    assert index_is_stale(small_settings)


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path, small_corpus: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings(data_dir=blocker / "data", corpus_dir=small_corpus)
    with pytest.raises(ConfigError, match="not writable"):
        ingest(settings)
