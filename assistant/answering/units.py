"""Quotable units of retrieved passages: sentences, and table rows with their header.

The composers quote units whole; a dosing row keeps its cells so that dosing answers and the dosing
view show each column as the source states it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.passage import Passage
from assistant.tables import is_dosing_header, table_rows
from assistant.text import BULLET, split_sentences


@dataclass(frozen=True)
class Unit:
    """A quotable piece of one passage: a sentence, or a table row with its header."""

    text: str
    passage: int
    cells: Mapping[str, str] | None = None

    @property
    def is_dosing_row(self) -> bool:
        return self.cells is not None and is_dosing_header(tuple(self.cells))

    @property
    def said(self) -> str:
        """The unit as an answer line says it: a dosing row as one sentence (``row_sentence``), else its text."""
        return row_sentence(self.cells) if self.cells is not None and self.is_dosing_row else self.text


#: Cells that say nothing, left out when a row is quoted as a sentence.
EMPTY_CELLS = frozenset({"", "—", "-", "not applicable", "not stated"})


def stated(cell: str | None) -> bool:
    """Whether a row's cell gives a value: not empty, 'not stated' or 'not verified'."""
    return bool(cell) and not cell.lower().startswith(("not stated", "not verified"))


def row_sentence(cells: Mapping[str, str]) -> str:
    """A dosing row as one short sentence: drug, dose, route, frequency and maximum, then its population and
    setting in brackets, so every condition on the dose stays beside it ("Fluconazole: 400 mg, daily from day 0
    until ANC >1,000 (CD19 CAR-T recipients with grade ≥3 mucositis; antifungal prophylaxis)."). Empty cells
    and the 'use' cell are left out; a cell saying what is not stated or not captured keeps its column's name
    ("frequency not stated (started day +11)", "dose not captured"), so it never reads as the value itself."""

    def said(name: str) -> str:
        value = cells.get(name, "")
        unstated = not stated(value) or value.lower().startswith("not captured")
        return f"{name} {value}" if value and unstated else value

    given = [said(name) for name in ("dose", "route", "frequency") if cells.get(name, "").lower() not in EMPTY_CELLS]
    text = cells.get("drug", "") + (": " + ", ".join(given) if given else "")
    if cells.get("maximum", "").lower() not in EMPTY_CELLS:
        text += f"; maximum {cells['maximum']}"
    context = "; ".join(
        cells[name] for name in ("population", "setting") if cells.get(name, "").lower() not in EMPTY_CELLS
    )
    if context:
        text += f" ({context})"
    return text[:1].upper() + text[1:] + "."


def table_units(text: str, passage: int) -> list[Unit]:
    """Each body row of a markdown table as a unit carrying its header."""
    names, rows = table_rows(text)
    header = [h.lower() for h in names]
    units = []
    for cells in rows:
        pairs = dict(zip(header, cells, strict=True))
        rendered = "; ".join(f"{n}: {c}" for n, c in zip(names, cells, strict=True) if c.lower() not in EMPTY_CELLS)
        units.append(Unit(rendered, passage, pairs))
    return units


def prose_units(text: str, passage: int, title: str = "") -> list[Unit]:
    """Sentences of a prose passage; list items are split off first. A sentence that only restates the document's
    ``title`` (a reference line citing it) says nothing of what the document found."""
    units = []
    for line in text.splitlines():
        line = BULLET.sub("", line).strip()
        if not line or line.startswith("#"):
            continue
        units.extend(Unit(s, passage) for s in split_sentences(line) if len(s.split()) >= 3 and not _restates(s, title))
    return units


def _restates(sentence: str, title: str) -> bool:
    """Whether ``sentence`` is ``title`` with at most its closing full stop."""
    return bool(title) and sentence.rstrip(". ").casefold() == title.rstrip(". ").casefold()


def units_of(passages: Sequence[Passage]) -> list[Unit]:
    units: list[Unit] = []
    for position, passage in enumerate(passages):
        if passage.kind == "table":
            units.extend(table_units(passage.text, position))
        else:
            units.extend(prose_units(passage.text, position, passage.title))
    return units
