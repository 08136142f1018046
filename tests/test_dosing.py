"""The dosing extraction: every row of every dosing table, with its source, read by the composer's parser."""

from __future__ import annotations

from pathlib import Path

from helpers import CORPUS

from assistant.chunking import chunk_document
from assistant.dosing import DosingRow, dosing_rows, drug_names, rows_for
from assistant.loaders import load_paths
from assistant.passage import Passage
from assistant.tables import DOSING_COLUMNS, use_rank

DOSING_HEADER_LINE = "| Drug | Dose |"


def passages_of(root: Path) -> list[Passage]:
    """The passages ingest would write for ``root``, without the model or an index."""
    loaded = load_paths([root])
    assert not loaded.errors
    return [Passage.from_chunk(c, d.meta, d.content_hash) for d in loaded.documents for c in chunk_document(d)]


def rows_in_markdown(root: Path) -> int:
    """Body rows under every dosing header, counted straight from the files (a second, naive reading)."""
    count = 0
    for path in root.rglob("*.md"):
        in_table = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(DOSING_HEADER_LINE):
                in_table = True
            elif in_table and line.startswith("|"):
                count += not line.startswith("|---")
            else:
                in_table = False
    return count


def test_reads_the_dosing_row_of_the_small_corpus(small_corpus: Path) -> None:
    rows = dosing_rows(passages_of(small_corpus))
    assert len(rows) == 1  # the grading table is not a dosing table
    row = rows[0]
    assert (row.drug, row.dose, row.route, row.frequency) == ("tocilizumab", "8 mg/kg", "IV", "every 8 h")
    assert (row.maximum, row.population, row.setting, row.use) == ("800 mg per dose", "≥30 kg", "CRS", "label")
    assert row.passage.doc_id == "label"
    record = row.record()
    assert record["Source"] == "Test tocilizumab label"
    assert record["Link"] == "https://example.org/label"
    assert list(record)[:8] == ["Drug", "Dose", "Route", "Frequency", "Maximum", "Population", "Setting", "Use"]


def test_every_dosing_row_of_the_corpus_is_read() -> None:
    rows = dosing_rows(passages_of(CORPUS))
    assert len(rows) == rows_in_markdown(CORPUS)
    assert {"tocilizumab", "dexamethasone", "emapalumab", "anakinra"} <= set(drug_names(rows))
    assert all(isinstance(r, DosingRow) and r.dose for r in rows)


def test_rows_sort_by_drug_then_use_label_first() -> None:
    rows = rows_for(dosing_rows(passages_of(CORPUS)), "tocilizumab")
    assert rows and all("tocilizumab" in r.drug_name for r in rows)
    ranks = [use_rank(r.use) for r in rows]
    assert ranks == sorted(ranks)


def test_drug_match_is_by_whole_word() -> None:
    passage = Passage(chunk_id="c", doc_id="d", text="", section="s", kind="table", title="T", doc_type="review")
    cells = dict.fromkeys(("dose", "route", "frequency", "maximum", "population", "setting", "use"), "x")
    both = DosingRow.from_cells({**cells, "drug": "acyclovir or valacyclovir"}, passage)
    one = DosingRow.from_cells({**cells, "drug": "valacyclovir"}, passage)
    assert rows_for([both, one], "acyclovir") == [both]
    assert rows_for([both, one], "valacyclovir") == [both, one]
    assert drug_names([both, one]) == ["acyclovir or valacyclovir", "valacyclovir"]


def test_mentions_searches_cells_and_source_title() -> None:
    passage = Passage(
        chunk_id="c", doc_id="d", text="", section="s", kind="table", title="ASCO 2021", doc_type="guideline"
    )
    row = DosingRow.from_cells({"drug": "dexamethasone", "dose": "10 mg", "setting": "ICANS grade 2"}, passage)
    assert row.mentions("icans GRADE 2")
    assert row.mentions("asco")
    assert not row.mentions("grade 4")
    assert row.route == ""  # a column the table lacks stays empty, never guessed


def test_an_html_dosing_row_with_a_bar_in_a_cell_is_kept(tmp_path: Path) -> None:
    """The HTML loader escapes a `|` inside a cell; the table parser must not split the row on it."""
    cells = ["acyclovir | valacyclovir", "800 mg", "PO", "twice daily", "not stated", "adults", "HSV", "guideline"]
    row = "".join(f"<td>{cell}</td>" for cell in cells)
    header = "".join(f"<th>{column}</th>" for column in DOSING_COLUMNS)
    page = f"<html><body><h1>Antiviral prophylaxis</h1><table><tr>{header}</tr><tr>{row}</tr></table></body></html>"
    (tmp_path / "antivirals.html").write_text(page, encoding="utf-8")

    rows = dosing_rows(passages_of(tmp_path))

    assert [list(r.cells().values()) for r in rows] == [cells]
    assert rows_for(rows, "valacyclovir") == rows
