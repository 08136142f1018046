"""Markdown tables and the standard dosing table (docs/corpus-format.md), read one way everywhere.

The chunker keeps tables whole, the composers quote their rows, the dosing view lists them and
`carta corpus check` checks them: all with these definitions, so they agree on what a row, a cell
and a dosing table are, and on the order of the `Use` column.

>>> split_cells(r"| acyclovir \\| valacyclovir | 800 mg | PO |")
['acyclovir \\\\| valacyclovir', '800 mg', 'PO']
>>> unescape_cell(r"acyclovir \\| valacyclovir")
'acyclovir | valacyclovir'
>>> is_dosing_header(split_cells("| Drug | Dose | Route |"))
True
>>> sorted(["evidence-only", "guideline (2021)", "label"], key=use_rank)
['label', 'guideline (2021)', 'evidence-only']
"""

from __future__ import annotations

import re

#: The columns of the standard dosing table, as the corpus writes them.
DOSING_COLUMNS = ("Drug", "Dose", "Route", "Frequency", "Maximum", "Population", "Setting", "Use")
#: The same, lower-cased: the keys of a parsed dosing row's cells.
DOSING_HEADER = tuple(column.lower() for column in DOSING_COLUMNS)
#: The `Use` values the corpus format allows, in the order dosing rows are listed everywhere: approved
#: use first, then guideline and the hospital's own protocol, then weaker grounds.
USES = ("label", "guideline", "institutional", "off-label", "evidence-only")
#: A cell separator: a `|` that is not escaped (the HTML loader writes a `|` inside a cell as `\\|`).
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
#: A table's separator row: "|---|:---:|".
RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def is_table_line(line: str) -> bool:
    """A line of a markdown table (it starts with `|`)."""
    return line.lstrip().startswith("|")


def split_cells(line: str) -> list[str]:
    """The cells of a table line, stripped; an escaped `\\|` stays inside its cell, escaped."""
    inner = line.strip().removeprefix("|")
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in CELL_SEPARATOR.split(inner)]


def unescape_cell(cell: str) -> str:
    """A cell as a reader sees it: `\\|` back to `|`."""
    return cell.replace("\\|", "|")


def table_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the body rows of the first markdown table in ``text`` (([], []) when none).

    Rows with another number of cells than the header are left out rather than misread.
    """
    lines = [line for line in text.splitlines() if is_table_line(line)]
    if len(lines) < 3:
        return [], []
    header = split_cells(lines[0])
    rows = [cells for line in lines[2:] if len(cells := split_cells(line)) == len(header)]
    return header, rows


def is_dosing_header(names: list[str] | tuple[str, ...]) -> bool:
    """Whether a table's header is the dosing table's: it starts with Drug, Dose (any case)."""
    return tuple(name.lower() for name in names[:2]) == DOSING_HEADER[:2]


def use_rank(use: str) -> int:
    """Where a `Use` cell sorts: its position in USES ('guideline (ASCO)' counts as guideline); unknown last."""
    use = use.strip().lower()
    return next((i for i, name in enumerate(USES) if use.startswith(name)), len(USES))
