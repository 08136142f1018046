"""`carta corpus check` and `carta corpus stats`: the real corpus passes; every kind of break is caught."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import CORPUS
from typer.testing import CliRunner

from assistant.cli import app, corpus  # noqa: F401  (registers the commands)
from assistant.corpus_check import check_corpus, corpus_stats
from assistant.loaders import load_paths
from assistant.tables import split_cells
from assistant.text import DOSE


def test_real_corpus_passes_carta_corpus_check() -> None:
    result = CliRunner().invoke(app, ["corpus", "check", "--corpus-dir", str(CORPUS)], terminal_width=400)
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def sourced_dosing_file(root: Path) -> Path:
    """A corpus file with a DOI, doses and a dosing table, whatever the corpus holds today."""
    return next(
        path
        for path, text in ((path, path.read_text()) for path in sorted(root.rglob("*.md")))
        if re.search(r"^doi: \S", text, re.M) and "\n| Drug | Dose |" in text and DOSE.search(text)
    )


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def drop_field(name: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(rf"^{name}:.*\n", "", text, count=1, flags=re.M), encoding="utf-8")

    return apply


def drop_cell(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("| Drug | Dose |"))
    lines[header + 2] = lines[header + 2].replace(" |", "", 1)
    path.write_text("".join(lines), encoding="utf-8")


def empty_body(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n---\n", 4) + 5], encoding="utf-8")


BREAKS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (edit, field the problem names, words in its reason)
    "missing title": (drop_field("title"), "title", "required field is missing"),
    "missing evidence": (drop_field("evidence"), "evidence", "required field is missing"),
    "year as text": (lambda p: edit(p, "\nyear: ", "\nyear: about "), "year", "integer year or null"),
    "no identifier": (
        lambda p: [drop_field(name)(p) for name in ("doi", "pmid", "url")],
        "doi/pmid/url",
        "no source identifier",
    ),
    "unknown topic": (lambda p: edit(p, "topics: [", "topics: [cooking, "), "topics", "unknown value 'cooking'"),
    "id not the file name": (lambda p: edit(p, "\nid: ", "\nid: x"), "id", "differs from the file name"),
    "short dosing row": (drop_cell, "body", "cells, not 8"),
    "empty body": (empty_body, "body", "body is empty"),
    "dose in a heading": (lambda p: edit(p, "\n## ", "\n## Tocilizumab 8 mg/kg "), "body", "in a heading"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_each_break_is_one_problem_naming_file_and_field(copy_of_corpus: Path, name: str) -> None:
    target = sourced_dosing_file(copy_of_corpus)
    before = {str(p) for p in check_corpus(copy_of_corpus).problems if p.path == target}
    apply, field, words = BREAKS[name]
    apply(target)
    found = [p for p in check_corpus(copy_of_corpus).problems if p.path == target and str(p) not in before]
    assert found, f"{name} was not caught"
    assert any(p.field == field and words in p.reason for p in found), [str(p) for p in found]


def test_doses_without_a_source_are_flagged_by_line(copy_of_corpus: Path) -> None:
    target = sourced_dosing_file(copy_of_corpus)
    for name in ("doi", "pmid", "url"):
        drop_field(name)(target)
    problems = [p for p in check_corpus(copy_of_corpus).problems if p.path == target and p.field == "body"]
    assert problems
    assert all(re.match(r"line \d+: dose-like '.+' in a document with no doi, pmid or url", p.reason) for p in problems)


def test_duplicate_id_is_flagged(copy_of_corpus: Path) -> None:
    original = sourced_dosing_file(copy_of_corpus)
    twin = original.with_name("twin-copy.md")
    twin.write_text(original.read_text(encoding="utf-8"), encoding="utf-8")
    problems = [p for p in check_corpus(copy_of_corpus).problems if p.path == twin]
    assert any(p.field == "id" and p.reason.startswith("duplicate id") for p in problems)


def test_broken_copy_fails_carta_corpus_check(copy_of_corpus: Path) -> None:
    target = sourced_dosing_file(copy_of_corpus)
    drop_field("title")(target)
    drop_cell(target)
    result = CliRunner().invoke(app, ["corpus", "check", "--corpus-dir", str(copy_of_corpus)], terminal_width=400)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(str(target))]
    assert any("(field 'title')" in line for line in lines), result.stdout
    assert any("(field 'body')" in line and "cells, not 8" in line for line in lines), result.stdout


def test_non_markdown_file_in_the_corpus_is_a_problem(copy_of_corpus: Path) -> None:
    stray = copy_of_corpus / "reviews" / "notes.txt"
    stray.write_text("loose notes", encoding="utf-8")
    assert any(p.path == stray and p.field == "file" for p in check_corpus(copy_of_corpus).problems)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("tocilizumab 8 mg/kg (max 800 mg)", ["8 mg/kg", "800 mg"]),
        ("IVIG 0.4 g/kg; etoposide 50 mg/m² or 50 mg/m2", ["0.4 g/kg", "50 mg/m²", "50 mg/m2"]),
        ("oxygen 6 L/min; CRS in 93% of patients", ["6 L/min", "93%"]),
        ("IL-6 rose on day 7; CD19 CAR-T; 3 mgs", []),
    ],
)
def test_dose_tokens(text: str, tokens: list[str]) -> None:
    assert DOSE.findall(text) == tokens


def test_split_cells_keeps_escaped_pipes() -> None:
    assert split_cells("| a | b \\| c |  |") == ["a", "b \\| c", ""]


def test_stats_count_documents_and_chunks(small_corpus: Path) -> None:
    stats = corpus_stats(load_paths([small_corpus]).documents)
    assert stats.documents == 3
    assert stats.by_type == {"consensus": 1, "case-report": 1, "label": 1}
    assert stats.by_product == {"(none)": 2, "brexu-cel": 1}
    assert stats.by_year == {"2019": 1, "2025": 1, "2017": 1}
    assert stats.chunks_by_kind["table"] == 2
    sizes = stats.sizes
    assert sizes["min"] <= sizes["p50"] <= sizes["p90"] <= sizes["max"] == len(stats.largest[0].text)


def test_carta_corpus_stats_prints_the_figures(small_corpus: Path) -> None:
    result = CliRunner().invoke(app, ["corpus", "stats", "--corpus-dir", str(small_corpus)])
    assert result.exit_code == 0, result.output
    for words in ("Documents by type", "Documents by product", "Documents by year", "3 documents", "Largest chunks"):
        assert words in result.stdout


# --- issue 12: settings, weight bands, declared absences, effective dates, supersessions, identifiers ---

FRONT = """---
id: {id}
title: "A hand-made guideline"
authors: []
source: "Test Society"
year: 2024
effective: {effective}
doc_type: guideline
doi: "10.1000/test"
{extra}products: []
topics: [CRS, dosing]
evidence: guideline
---
"""
TABLE = (
    "| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use |\n|---|---|---|---|---|---|---|---|\n"
)


def hand_made(
    root: Path, body: str, *, doc_id: str = "hand-made", effective: str = '"2024-05"', extra: str = ""
) -> Path:
    """One guideline with the given body (and front-matter extras) in a fresh corpus folder."""
    path = root / "guidelines" / f"{doc_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT.format(id=doc_id, effective=effective, extra=extra) + body, encoding="utf-8")
    return path


def reasons(root: Path, field: str | None = None) -> list[str]:
    return [p.reason for p in check_corpus(root).problems if field is None or p.field == field]


def row(setting: str, dose: str = "8 mg/kg", population: str = "not stated", drug: str = "tocilizumab") -> str:
    return f"| {drug} | {dose} | IV | every 8 h | 800 mg | {population} | {setting} | guideline |\n"


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("CRS grade 2", None),
        ("CRS grades 3–4 (as for grade 2)", None),
        ("ICANS, any grade", None),
        ("CRS requiring intervention, grade not stated (label wording)", None),
        ("prophylaxis of ICANS", None),
        ("secondary HLH generally", None),
        ("CRS", "names no grade"),
        ("severe or life-threatening CRS", "names no grade"),
        ("persistent or worsening ICANS", "names no grade"),
        ("dose level chosen in the trial", "names no toxicity"),
    ],
)
def test_a_dosing_setting_names_its_toxicity_and_grade(tmp_path: Path, setting: str, problem: str | None) -> None:
    hand_made(tmp_path, "# T\n\n## Doses\n\n" + TABLE + row(setting))
    found = [r for r in reasons(tmp_path, "body") if "Setting" in r]
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0]), found


def test_weight_banded_rows_name_their_band(tmp_path: Path) -> None:
    banded = row("CRS grade 2", "12 mg/kg", "patients <30 kg") + row("CRS grade 2", "8 mg/kg", "patients ≥30 kg")
    hand_made(tmp_path, "# T\n\n## Doses\n\n" + TABLE + banded)
    assert not [r for r in reasons(tmp_path) if "weight band" in r]
    unbanded = row("CRS grade 2", "12 mg/kg", "children") + row("CRS grade 2", "8 mg/kg", "patients ≥30 kg")
    hand_made(tmp_path, "# T\n\n## Doses\n\n" + TABLE + unbanded)
    found = [r for r in reasons(tmp_path) if "weight band" in r]
    assert len(found) == 1 and "no weight band" in found[0], found


def test_a_row_that_mentions_weight_names_the_band(tmp_path: Path) -> None:
    hand_made(tmp_path, "# T\n\n## Doses\n\n" + TABLE + row("CRS grade 2", population="heavier patients by weight"))
    assert any("weight band" in r for r in reasons(tmp_path))


def test_every_not_captured_topic_stands_in_an_absence_sentence(tmp_path: Path) -> None:
    body = "# T\n\n## Gaps\n\n- The grade 4 ICANS regimen of the test society was not captured for this corpus.\n"
    hand_made(tmp_path, body, extra="not_captured: [grade 4 ICANS regimen]\n")
    assert reasons(tmp_path, "not_captured") == []
    hand_made(tmp_path, body, extra="not_captured: [grade 4 ICANS regimen, CAPD grading for children]\n")
    found = reasons(tmp_path, "not_captured")
    assert len(found) == 1 and "CAPD grading for children" in found[0], found


@pytest.mark.parametrize(
    "line",
    [
        "- The grade 4 row that was earlier left out is for grade 4 CRS (re-read on 2026-12-02).",
        "| emapalumab | 6 mg/kg | IV | day 6 | not stated | primary HLH (condition not re-read) | HLH | label |",
        "- In an earlier version, this row gave another dose.",
        "- This document was updated after the audit.",
    ],
)
def test_editing_history_in_the_body_is_a_problem_naming_its_line(tmp_path: Path, line: str) -> None:
    hand_made(tmp_path, "# T\n\n## Rows\n\n- The labels revised on 26 June 2025 shorten the stay to 2 weeks.\n")
    assert not [r for r in reasons(tmp_path, "body") if "editing history" in r]
    hand_made(tmp_path, "# T\n\n## Rows\n\n" + line + "\n")
    found = [r for r in reasons(tmp_path, "body") if "editing history" in r]
    assert len(found) == 1 and found[0].startswith("line 18:"), found


def test_a_topic_in_a_sentence_that_does_not_declare_absence_does_not_count(tmp_path: Path) -> None:
    body = "# T\n\n## ICANS\n\n- The grade 4 ICANS regimen is methylprednisolone.\n"
    hand_made(tmp_path, body, extra="not_captured: [grade 4 ICANS regimen]\n")
    assert len(reasons(tmp_path, "not_captured")) == 1


@pytest.mark.parametrize(
    ("effective", "problem"),
    [('"2025-06-26"', None), ("2025-06-26", None), ('"2021"', None), ("2021", None), ('"2024-11"', None),
     ('"2025-02-30"', "not a date"), ('"June 2025"', "not a date"), ("", "required field is missing")],
)  # fmt: skip
def test_effective_is_required_and_a_real_date_as_precise_as_the_source(
    tmp_path: Path, effective: str, problem: str | None
) -> None:
    path = hand_made(tmp_path, "# T\n\n## S\n\n- A sentence.\n", effective=effective)
    if not effective:
        path.write_text(path.read_text(encoding="utf-8").replace("effective: \n", ""), encoding="utf-8")
    found = reasons(tmp_path, "effective")
    assert (found == []) if problem is None else any(problem in r for r in found), found


def test_superseded_statements_are_in_the_body_and_name_a_corpus_document(tmp_path: Path) -> None:
    hand_made(tmp_path, "# New\n\n## S\n\n- From 2025 patients do not drive for 2 weeks.\n", doc_id="newer")
    entry = 'superseded_by:\n  - {{statement: "{statement}", by: {by}, effective: "2025-06-26", note: "now 2 weeks"}}\n'
    body = "# Old\n\n## S\n\n- Before 2025, patients did not drive for 8 weeks.\n"
    hand_made(tmp_path, body, extra=entry.format(statement="did not drive for 8 weeks", by="newer"))
    assert reasons(tmp_path, "superseded_by") == []
    hand_made(tmp_path, body, extra=entry.format(statement="stayed near for 4 weeks", by="newer"))
    assert any("is not in the body" in r for r in reasons(tmp_path, "superseded_by"))
    hand_made(tmp_path, body, extra=entry.format(statement="did not drive for 8 weeks", by="gone"))
    assert any("'gone', which is not a corpus document" in r for r in reasons(tmp_path, "superseded_by"))


def test_unconfirmed_identifiers_are_listed_not_failed(tmp_path: Path) -> None:
    hand_made(tmp_path, "# T\n\n## S\n\n- A sentence.\n", extra="doi_status: unconfirmed\n")
    report = check_corpus(tmp_path)
    assert report.problems == []
    assert [(u.field, u.value) for u in report.unconfirmed] == [("doi", "10.1000/test")]
    result = CliRunner().invoke(app, ["corpus", "check", "--corpus-dir", str(tmp_path)], terminal_width=400)
    assert result.exit_code == 0
    assert "doi 10.1000/test is flagged unconfirmed" in result.output
