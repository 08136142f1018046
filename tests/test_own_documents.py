"""Bring your own documents: `carta ingest PATH`, `carta docs list|remove`, and bad input that loses nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answering.chain import AnswerChain
from assistant.cli import app, corpus, docs, ingest  # noqa: F401  (registers the commands)
from assistant.cli.docs import document_rows
from assistant.cli.ingest import file_overrides
from assistant.embeddings import LazyEmbeddings
from assistant.errors import CartaError, UsageError
from assistant.index import ChunkIndex
from assistant.ingest import ingest as run_ingest
from assistant.passage import Passage
from assistant.settings import Settings

PROTOCOL_PAGES = [
    "Riverside Hospital CAR-T protocol. Patients are admitted to ward 7 the day before infusion. "
    "The ward pharmacist checks the infusion bag against the prescription.",
    "Seizure prophylaxis in the Riverside protocol. Riverside gives levetiracetam 750 mg twice daily "
    "from the day of infusion for 30 days after cilta-cel.",
    "Discharge from the Riverside CAR-T ward. Patients go home once they have been free of fever for "
    "48 hours and a carer has been named.",
]


@pytest.fixture
def cli_env(small_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The small corpus as the configured corpus, ingested, so `carta ingest` never reads the real one."""
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(small_settings.corpus_dir))
    assert not run_ingest(small_settings).errors
    return small_settings


def passages(settings: Settings) -> list[Passage]:
    return ChunkIndex.open(settings, LazyEmbeddings(settings.model_path)).passages()


def carta(*args: str) -> str:
    """Run `carta ARGS` in process (the model stays loaded between tests); return its output."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_three_page_pdf_is_answerable_with_its_page(cli_env: Settings, tmp_path: Path, make_pdf) -> None:
    pdf = make_pdf(tmp_path / "uploads" / "riverside-protocol.pdf", PROTOCOL_PAGES)
    carta("ingest", str(pdf), "--title", "Riverside CAR-T protocol", "--year", "2025", "--type", "guideline")

    answer = AnswerChain.load(cli_env).invoke("What levetiracetam dose does the Riverside protocol give?")

    assert not answer.abstained
    cited = [c for c in answer.citations if c.doc_id == "riverside-protocol"]
    assert cited, answer.answer
    assert {c.page for c in cited} == {2}
    assert "p. 2" in cited[0].label
    assert cited[0].label.startswith("Riverside CAR-T protocol · 2025 · guideline")
    assert "750 mg" in answer.answer


def test_own_documents_are_listed_survive_a_corpus_ingest_and_can_be_removed(
    cli_env: Settings, tmp_path: Path, make_pdf
) -> None:
    folder = tmp_path / "uploads"
    make_pdf(folder / "riverside-protocol.pdf", PROTOCOL_PAGES)
    (folder / "icu-notes.txt").write_text("# ICU notes\n\nNeuro checks every 4 hours after CAR-T.\n", "utf-8")
    carta("ingest", str(folder))

    rows = {row[0]: row for row in document_rows(passages(cli_env))}
    assert rows["riverside-protocol"][4] == "local"
    assert rows["riverside-protocol"][5] == 3  # one chunk per page
    assert rows["icu-notes"][1:5] == ("ICU notes", "local", "", "local")
    assert rows["grading"][4] == "corpus"
    assert "riverside-protocol" in carta("docs", "list")

    carta("ingest")  # the corpus, reconciled: removes only corpus documents that left the folder
    assert {"riverside-protocol", "icu-notes", "grading"} <= {p.doc_id for p in passages(cli_env)}

    carta("docs", "remove", "riverside-protocol")
    left = {p.doc_id for p in passages(cli_env)}
    assert "riverside-protocol" not in left
    assert {"icu-notes", "grading", "case", "label"} <= left


def test_bad_files_are_skipped_with_a_reason_and_nothing_is_lost(cli_env: Settings, tmp_path: Path, make_pdf) -> None:
    before = {p.chunk_id for p in passages(cli_env)}
    batch = tmp_path / "batch"
    make_pdf(batch / "good.pdf", PROTOCOL_PAGES)
    make_pdf(batch / "locked.pdf", PROTOCOL_PAGES, password="pw")
    make_pdf(batch / "scanned.pdf", ["", ""], image_only=True)
    (batch / "corrupt.pdf").write_bytes(b"%PDF-1.7\n\x00\x01broken")
    (batch / "latin1.txt").write_bytes("Fièvre persistante".encode("latin-1"))
    (batch / "empty.md").write_bytes(b"")
    (batch / "slides.pptx").write_bytes(b"PK\x03\x04")
    (batch / "big.txt").write_text("CRS grade 1 is fever alone. " * 1000, encoding="utf-8")
    (batch / "good.md").write_text("# Same id as good.pdf\n\nText.", encoding="utf-8")
    (batch / "label.txt").write_text("A local file whose id is a corpus document's id.", encoding="utf-8")
    settings = Settings(data_dir=cli_env.data_dir, corpus_dir=cli_env.corpus_dir, max_file_mb=0.02)

    report = run_ingest(settings, [batch], overrides={"collection": "local"})

    reasons = {error.path.name: str(error) for error in report.errors}
    assert set(reasons) == {
        "locked.pdf", "scanned.pdf", "corrupt.pdf", "latin1.txt", "empty.md", "slides.pptx", "big.txt", "good.pdf",
        "label.txt",
    }  # fmt: skip
    for name, text in reasons.items():
        assert "\n" not in text and name in text
    assert "encrypted" in reasons["locked.pdf"]
    assert "no text layer" in reasons["scanned.pdf"]
    assert "not a readable PDF" in reasons["corrupt.pdf"]
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "file is empty" in reasons["empty.md"]
    assert "unknown file type" in reasons["slides.pptx"]
    assert "over the" in reasons["big.txt"]
    assert "duplicate id 'good'" in reasons["good.pdf"]  # good.md sorts first and is kept
    assert "duplicate id 'label'" in reasons["label.txt"]  # the corpus already has 'label'
    assert report.added == ["good"]
    after = passages(cli_env)
    assert before <= {p.chunk_id for p in after}
    assert {p.collection for p in after if p.doc_id == "label"} == {"corpus"}


def test_named_files_outside_the_corpus_default_to_local(small_settings: Settings, tmp_path: Path) -> None:
    inside = small_settings.corpus_dir / "labels" / "label.md"
    assert file_overrides(small_settings, [tmp_path / "x.pdf"], {"title": None}) == {"collection": "local"}
    assert file_overrides(small_settings, [inside], {"year": 2020}) == {"year": 2020}
    assert file_overrides(small_settings, [inside, tmp_path], {"collection": "protocols"}) == {
        "collection": "protocols"
    }
    assert file_overrides(small_settings, [], {"title": None}) == {}


def test_metadata_flags_need_paths() -> None:
    result = CliRunner().invoke(app, ["ingest", "--title", "A title"])
    assert isinstance(result.exception, UsageError)
    assert "give them as PATH arguments" in str(result.exception)


def test_remove_unknown_document_is_a_clear_error(cli_env: Settings) -> None:
    result = CliRunner().invoke(app, ["docs", "remove", "no-such-doc"])
    assert isinstance(result.exception, CartaError)
    assert str(result.exception) == "no document with id 'no-such-doc' in the index"
