"""`carta corpus coverage` and the "as of"/superseded marks on citations (issue 12), on hand-made documents."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assistant.answer import Citation
from assistant.chunking import chunk_document
from assistant.cli import app, corpus  # noqa: F401  (registers the commands)
from assistant.coverage import bodies_of, corpus_coverage
from assistant.documents import DocumentMeta, Page, SourceDocument
from assistant.passage import Passage


def document(body: str, **meta: object) -> SourceDocument:
    fields = {"id": "doc", "title": "A document", "doc_type": "guideline", "topics": ["CRS", "ICANS"], **meta}
    return SourceDocument(meta=DocumentMeta.model_validate(fields), pages=(Page(body),))


ASCO_LIKE = document(
    """# Test ASCO guideline

## CRS grading

| CRS grade | Fever | Hypotension |
|---|---|---|
| 1 | ≥38 °C | none |
| 2 | ≥38 °C | no vasopressors |

## Grade 3 CRS management

- Grade 3 CRS is treated with dexamethasone and ICU care.

## Doses

| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use |
|---|---|---|---|---|---|---|---|
| tocilizumab | 8 mg/kg | IV | 8 h | 800 mg | - | CRS grade 4 (printed with ICANS grade 1 with CRS) | guideline |

## Not captured

- The grade 4 ICANS regimen was not captured for this corpus.
- In the trial, grade ≥3 CRS occurred in 13% of patients.
""",
    id="asco-test",
    title="ASCO test guideline",
    not_captured=["grade 2 ICANS management"],
)


def test_cells_hold_grading_management_doses_and_declared_absences() -> None:
    coverage = corpus_coverage([ASCO_LIKE])
    assert str(coverage.cell("CRS", "1", "ASCO")) == "G"
    assert str(coverage.cell("CRS", "2", "ASCO")) == "G"
    assert str(coverage.cell("CRS", "3", "ASCO")) == "M"  # the 13% incidence sentence adds nothing
    assert str(coverage.cell("CRS", "4", "ASCO")) == "M D"
    assert str(coverage.cell("ICANS", "4", "ASCO")) == "A"  # the "not captured" sentence
    assert str(coverage.cell("ICANS", "2", "ASCO")) == "A"  # the not_captured front-matter entry
    assert coverage.cell("ICANS", "4", "ASCO").filled
    assert coverage.cell("ICANS", "4", "ASCO").documents == {"asco-test"}
    assert coverage.empty("ICANS", "ASCO") == ["3"]
    assert coverage.absent["ASCO"] == [("asco-test", "grade 2 ICANS management")]


def test_a_grade_goes_with_the_toxicity_named_next_to_it() -> None:
    coverage = corpus_coverage([ASCO_LIKE])
    # the dose row names "CRS grade 4" and "ICANS grade 1": neither fills CRS grade 1 with a dose
    assert "D" in coverage.cell("ICANS", "1", "ASCO").kinds
    assert "D" not in coverage.cell("CRS", "1", "ASCO").kinds


def test_bodies_come_from_the_source_groups_labels_and_institutions() -> None:
    assert bodies_of(document("x", title="NCCN Guidelines: toxicities")) == {"NCCN"}
    assert bodies_of(document("x", id="neelapu-2018-cartox")) == {"CARTOX"}
    assert bodies_of(document("x", title="Recommendations of the EBMT, JACIE and EHA")) == {"EBMT/EHA"}
    assert bodies_of(document("x", doc_type="label", title="Kymriah label")) == {"labels"}
    assert bodies_of(document("x", evidence="institutional protocol")) == {"institutional"}
    # a review that reproduces an NCCN-style table is not an NCCN publication
    assert bodies_of(document("x", doc_type="review", id="eho-2020-nccn-style-crs-table")) == set()


def test_real_corpus_has_no_empty_asco_cell_for_crs_and_icans() -> None:
    from assistant.loaders import load_paths

    coverage = corpus_coverage(load_paths([Path(__file__).resolve().parents[1] / "corpus"]).documents)
    assert coverage.empty("CRS", "ASCO") == []
    assert coverage.empty("ICANS", "ASCO") == []


def test_carta_corpus_coverage_prints_both_matrices(tmp_path: Path) -> None:
    folder = tmp_path / "guidelines"
    folder.mkdir()
    (folder / "asco-test.md").write_text(
        "---\nid: asco-test\ntitle: ASCO test guideline\ndoc_type: guideline\ntopics: [CRS]\n"
        "not_captured: [grade 4 ICANS regimen]\n---\n" + ASCO_LIKE.body,
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["corpus", "coverage", "--absent", "--corpus-dir", str(tmp_path)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "CRS: what the corpus holds" in result.output
    assert "ICANS: what the corpus holds" in result.output
    assert "M D" in result.output
    assert "ASCO: grade 4 ICANS regimen (asco-test)" in result.output


def test_citations_show_as_of_dates_and_superseded_statements() -> None:
    old = document(
        "# Label\n\n## Monitoring\n\n- Before 2025, patients did not drive for 8 weeks.\n\n"
        "## Dose\n\n- Tocilizumab 8 mg/kg.\n",
        id="old-label",
        doc_type="label",
        effective="2024",
        superseded_by=[
            {
                "statement": "did not drive for 8 weeks",
                "by": "fda-2025",
                "effective": "2025-06-26",
                "note": "2 weeks",
            }
        ],
    )
    passages = [Passage.from_chunk(c, old.meta, old.content_hash) for c in chunk_document(old)]
    monitoring = next(p for p in passages if "drive" in p.text)
    dose = next(p for p in passages if "Tocilizumab" in p.text)
    assert Passage.from_record(monitoring.chunk_id, monitoring.text, monitoring.to_metadata()) == monitoring
    citation = Citation.from_passage(1, monitoring)
    assert citation.effective == "2024"
    assert citation.superseded == ["superseded on 2025-06-26 by fda-2025 (did not drive for 8 weeks): 2 weeks"]
    assert "as of 2024" in citation.label and "superseded on 2025-06-26" in citation.label
    assert Citation.from_passage(2, dose).superseded == []  # only the passage holding the statement is marked


def test_passages_keep_what_their_document_declares_absent() -> None:
    doc = document(
        "# Guide\n\n## Grade 4\n\n- The grade 4 ICANS regimen was not captured for this corpus.\n",
        not_captured=["grade 4 ICANS regimen"],
    )
    passage = Passage.from_chunk(chunk_document(doc)[0], doc.meta, doc.content_hash)
    assert passage.not_captured == ("grade 4 ICANS regimen",)
    assert Passage.from_record(passage.chunk_id, passage.text, passage.to_metadata()) == passage
