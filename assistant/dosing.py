"""Every dose in the index: the rows of all dosing tables (docs/corpus-format.md), each with its source.

The dosing view lists them per drug. Rows are read with the composer's own table parser, so the view
and the answers agree on what a dosing row is.

>>> rows = dosing_rows(HybridRetriever.load(Settings()).passages.values())   # doctest: +SKIP
>>> {r.use for r in rows_for(rows, "tocilizumab")}                          # doctest: +SKIP
{'guideline', 'label'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assistant.answering.units import table_units
from assistant.passage import Passage
from assistant.tables import DOSING_HEADER, unescape_cell, use_rank


@dataclass(frozen=True)
class DosingRow:
    """One row of a dosing table, cell by cell, and the passage it was read from."""

    drug: str
    dose: str
    route: str
    frequency: str
    maximum: str
    population: str
    setting: str
    use: str
    passage: Passage

    @classmethod
    def from_cells(cls, cells: Mapping[str, str], passage: Passage) -> DosingRow:
        """A row from header -> cell, as a reader sees it; a column the table lacks stays empty rather than guessed."""
        return cls(**{name: unescape_cell(cells.get(name, "")) for name in DOSING_HEADER}, passage=passage)

    @property
    def drug_name(self) -> str:
        """The drug cell in lower case, the key the dosing view groups by."""
        return self.drug.strip().lower()

    def names(self, drug: str) -> bool:
        """True when the drug cell names ``drug`` as a whole word ('acyclovir or valacyclovir' names both)."""
        return re.search(rf"(?<![\w-]){re.escape(drug.lower())}(?![\w-])", self.drug_name) is not None

    def mentions(self, text: str) -> bool:
        """True when any cell or the source's title contains ``text`` (case-insensitive)."""
        needle = text.lower()
        return any(needle in value.lower() for value in (*self.cells().values(), self.passage.title))

    def cells(self) -> dict[str, str]:
        """The row's cells by column name, in the corpus header's order."""
        return {name: getattr(self, name) for name in DOSING_HEADER}

    def record(self) -> dict[str, str | int | None]:
        """A flat record for a table or CSV: the cells, then where the row comes from."""
        return {
            **{name.capitalize(): value for name, value in self.cells().items()},
            "Source": self.passage.title,
            "Year": self.passage.year,
            "Type": self.passage.doc_type,
            "Section": self.passage.section,
            "Link": self.passage.link,
        }


def _order(row: DosingRow) -> tuple[str, int, str]:
    return (row.drug_name, use_rank(row.use), row.passage.title)


def dosing_rows(passages: Iterable[Passage]) -> list[DosingRow]:
    """Every dosing row of every table passage, sorted by drug, then use (label first), then source."""
    rows = [
        DosingRow.from_cells(unit.cells, passage)
        for passage in passages
        if passage.kind == "table"
        for unit in table_units(passage.text, 0)
        if unit.is_dosing_row and unit.cells is not None
    ]
    return sorted(rows, key=_order)


def drug_names(rows: Iterable[DosingRow]) -> list[str]:
    """The distinct drug cells, lower case and sorted: the choices of the dosing view."""
    return sorted({row.drug_name for row in rows if row.drug_name})


def rows_for(rows: Iterable[DosingRow], drug: str) -> list[DosingRow]:
    """The rows whose drug cell names ``drug``."""
    return [row for row in rows if row.names(drug)]
