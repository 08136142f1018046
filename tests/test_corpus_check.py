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
