"""How an Answer reads outside the chain: HTML and markdown for the app, plain text for a clinical note.

The chain gives an answer as markdown with ``[n]`` markers and, for a dose, a table whose last cell holds
the row's markers (``chain.render``). This module reads that back into statements and rows (``body``),
and draws them three ways:

- for the app: the table as ``responsive_table`` HTML, a table on a wide screen and one card per row
  below ``NARROW_PX`` (CSS media queries in ``STYLE``: the server cannot see the screen's width); source
  passages with the quoted sentences and rows marked (``highlighted``), and source headings;
- for a chart: ``chart_text``, plain text with a reference per citation ("Author/body year, title, DOI or
  PMID") and the date Carta answered, a dose table as aligned plain-text rows; ``conversation_text``
  for a whole conversation.

Everything here is a pure function of its arguments, so the app's pages only lay out.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from assistant.answer import Answer, Citation
from assistant.answering.units import table_units
from assistant.documents import doc_type_label
from assistant.passage import Passage
from assistant.tables import split_cells
from assistant.text import CITATION_MARK

#: The product's scope, shown on every page and at the end of every copy and export (issue 2).
DISCLAIMER = "Carta supports, and does not replace, clinical judgment and local protocols."
#: Below this width (CSS px) a table shows as one card per row.
NARROW_PX = 640
#: The widest line of a plain-text dose table; wider tables wrap cells inside their columns.
TEXT_WIDTH = 120
#: The narrowest a plain-text column gets when a table must shrink to TEXT_WIDTH.
MIN_COLUMN = 6
#: Markdown a clinical note cannot show: emphasis and inline code marks; links keep their text.
MARKDOWN_EMPHASIS = re.compile(r"\*\*|__|`")
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
#: Badge colour for each document type, so a reader weighs a source at a glance.
DOC_TYPE_COLORS: dict[str, str] = {
    "guideline": "green",
    "consensus": "green",
    "label": "blue",
    "regulatory": "blue",
    "trial": "violet",
    "cohort": "orange",
    "review": "gray",
    "case-report": "red",
    "case-series": "red",
    "local": "primary",
}

#: The stylesheet for the HTML drawn here: tables on wide screens, cards on narrow ones, marked quotes.
STYLE = f"""
mark{{background:#fdeeb0;color:inherit;padding:0 .15em;border-radius:.2em}}
.carta-table{{border-collapse:collapse;width:100%;font-size:.9rem;margin:.25rem 0 .75rem}}
.carta-table th,.carta-table td{{border:1px solid rgba(49,51,63,.15);padding:.3rem .45rem;text-align:left;
vertical-align:top;overflow-wrap:break-word}}
.carta-table th{{background:rgba(49,51,63,.05);font-weight:600}}
.carta-table tr.carta-quoted td{{background:#fdeeb0}}
.carta-cards{{display:none}}
.carta-card{{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.45rem .6rem;margin:0 0 .5rem;
font-size:.9rem;line-height:1.35}}
.carta-card.carta-quoted{{background:#fdeeb0}}
.carta-card-title{{font-weight:600;font-size:1rem;margin-bottom:.15rem;overflow-wrap:anywhere}}
.carta-card dl{{display:grid;grid-template-columns:max-content 1fr;gap:.05rem .6rem;margin:0;padding:0}}
.carta-card dt{{color:rgba(49,51,63,.65);font-weight:400}}
.carta-card dd{{margin:0;overflow-wrap:anywhere}}
.st-key-carta-scroll{{display:none}}
[data-testid="stMarkdownContainer"] table{{display:block;overflow-x:auto;max-width:100%}}
@media (max-width:{NARROW_PX}px){{
  .carta-table,.st-key-carta-wide{{display:none}}
  .carta-cards{{display:block}}
  [data-testid="stMarkdownContainer"] pre,[data-testid="stCode"] pre{{white-space:pre-wrap;overflow-wrap:anywhere}}
}}
"""


# ---------------------------------------------------------------------------------------------
# Reading an answer back into statements and rows
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One statement of an answer as markdown, with its ``[n]`` markers where the chain put them."""

    markdown: str

    @property
    def refs(self) -> list[int]:
        """The citation numbers it carries, in order."""
        return [int(n) for n in CITATION_MARK.findall(self.markdown)]

    @property
    def sentence(self) -> str:
        """The quoted text alone: markers and a study label ("Guideline: ") kept out of it."""
        return CITATION_MARK.sub("", self.markdown).strip()


@dataclass(frozen=True)
class Row:
    """One table row of an answer: its cells by column name, and the citations of its source cell."""

    cells: dict[str, str]
    refs: list[int]


@dataclass(frozen=True)
class Body:
    """An answer's statements, then its table (header without the source column, and rows) if any."""

    lines: list[Line]
    header: list[str]
    rows: list[Row]

    @property
    def lead(self) -> str:
        """The statements as the chain wrote them, for markdown: one line alone, several as a list."""
        if len(self.lines) == 1:
            return self.lines[0].markdown
        return "\n".join(f"- {line.markdown}" for line in self.lines)


def body(answer: Answer) -> Body:
    """The answer's statements and table rows, read from its markdown (the one place that reads it)."""
    lines: list[Line] = []
    table = [line.strip() for line in answer.answer.splitlines() if line.strip().startswith("|")]
    for text in answer.answer.splitlines():
        text = text.strip()
        if text and not text.startswith("|"):
            lines.append(Line(text.removeprefix("- ").strip()))
    if len(table) < 3:
        return Body(lines, [], [])
    names = split_cells(table[0])[:-1]
    rows = []
    for line in table[2:]:
        cells = split_cells(line)
        if len(cells) == len(names) + 1:
            refs = [int(n) for n in CITATION_MARK.findall(cells[-1])]
            rows.append(Row(dict(zip(names, cells[:-1], strict=True)), refs))
    return Body(lines, names, rows)


# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------
def _issuer(item: Citation | Passage) -> str:
    """First author ("Santomasso BD et al."), else the issuing body from ``source`` ("Genentech")."""
    authors = list(item.authors)
    if authors:
        return authors[0] + (" et al." if len(authors) > 1 else "")
    return re.split(r"[;(]", item.source, maxsplit=1)[0].strip()


def reference(item: Citation | Passage) -> str:
    """A reference for a note: "Author/body year, title, DOI 10.x" (else PMID, else the URL)."""
    who = " ".join(p for p in (_issuer(item), str(item.year) if item.year else "") if p)
    locator = f"DOI {item.doi}" if item.doi else f"PMID {item.pmid}" if item.pmid else item.url or ""
    return ", ".join(p for p in (who, item.title, locator) if p)


def references(citations: Sequence[Citation]) -> list[str]:
    """One line per distinct reference, with every citation number that points to it ("[1, 2] ...")."""
    numbers: dict[str, list[int]] = {}
    for c in citations:
        numbers.setdefault(reference(c), []).append(c.n)
    return [f"[{', '.join(map(str, ns))}] {ref}" for ref, ns in numbers.items()]


def short_reference(item: Citation | Passage) -> str:
    """Surname or body and year, e.g. "Santomasso 2021": enough to tell a table row's sources apart."""
    who = _issuer(item).removesuffix(" et al.")
    surname = who.split()[0] if item.authors and who else who
    return " ".join(p for p in (surname, str(item.year) if item.year else "") if p)


def badge(doc_type: str) -> str:
    """A coloured markdown badge for a document type."""
    return f":{DOC_TYPE_COLORS.get(doc_type, 'gray')}-badge[{doc_type_label(doc_type)}]"


def identifier_links(item: Citation | Passage) -> str:
    """DOI and PubMed links (and the URL when neither exists), as markdown."""
    links = []
    if item.doi:
        links.append(f"[DOI {item.doi}](https://doi.org/{item.doi})")
    if item.pmid:
        links.append(f"[PMID {item.pmid}](https://pubmed.ncbi.nlm.nih.gov/{item.pmid}/)")
    if not links and item.url:
        links.append(f"[link]({item.url})")
    return " · ".join(links)


def where(item: Citation | Passage) -> str:
    """Section, and page when the source has pages."""
    return item.section + (f" · p. {item.page}" if item.page is not None else "")


def source_heading(item: Citation | Passage, number: int | None = None) -> str:
    """One markdown line: [n], title, year, "as of" date, type badge, DOI/PMID links."""
    parts = [f"**[{number}]**" if number is not None else "", f"**{item.title}**"]
    if item.year:
        parts.append(f"({item.year})")
    if item.effective:
        parts.append(f"· as of {item.effective}")
    parts.append(badge(item.doc_type))
    links = identifier_links(item)
    if links:
        parts.append(links)
    return " ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------
# Tables as HTML: a table on wide screens, a card per row on narrow ones
# ---------------------------------------------------------------------------------------------
def _is_dosing(header: Sequence[str]) -> bool:
    return [h.lower() for h in header[:2]] == ["drug", "dose"]


def _cell(name: str, value: str) -> str:
    return f'<span data-cell="{html.escape(name.lower())}">{html.escape(value, quote=False)}</span>'


def _marks(rows: Sequence[Sequence[str]], quoted: Sequence[bool]) -> list[bool]:
    return [bool(q) for q in quoted] + [False] * (len(rows) - len(quoted))


def table_html(header: Sequence[str], rows: Sequence[Sequence[str]], quoted: Sequence[bool] = ()) -> str:
    """The rows as an HTML table (hidden below NARROW_PX), cell text escaped; ``quoted`` marks rows."""
    head = "".join(f"<th>{html.escape(h, quote=False)}</th>" for h in header)
    body_rows = "".join(
        ('<tr class="carta-quoted">' if mark else "<tr>")
        + "".join(f"<td>{_cell(h, c)}</td>" for h, c in zip(header, row, strict=False))
        + "</tr>"
        for row, mark in zip(rows, _marks(rows, quoted), strict=True)
    )
    return f'<table class="carta-table"><thead><tr>{head}</tr></thead><tbody>{body_rows}</tbody></table>'


def cards_html(header: Sequence[str], rows: Sequence[Sequence[str]], quoted: Sequence[bool] = ()) -> str:
    """The rows as cards (shown below NARROW_PX only), one per row, cell text escaped.

    A dosing row's card leads with drug and dose, then the other cells in the table's order (route,
    frequency, maximum, population, setting, use, source); any other table's card leads with its
    first cell ("CRS grade: 2").
    """
    lead = 2 if _is_dosing(header) else 1
    cards = []
    for row, mark in zip(rows, _marks(rows, quoted), strict=True):
        title = " ".join(_cell(h, c) for h, c in zip(header[:lead], row[:lead], strict=False))
        if lead == 1:
            title = f"{html.escape(header[0], quote=False)}: {title}"
        details = "".join(
            f"<dt>{html.escape(h, quote=False)}</dt><dd>{_cell(h, c)}</dd>"
            for h, c in zip(header[lead:], row[lead:], strict=False)
        )
        card_class = "carta-card carta-quoted" if mark else "carta-card"
        cards.append(f'<div class="{card_class}"><div class="carta-card-title">{title}</div><dl>{details}</dl></div>')
    return f'<div class="carta-cards">{"".join(cards)}</div>'


def responsive_table(header: Sequence[str], rows: Sequence[Sequence[str]], quoted: Sequence[bool] = ()) -> str:
    """One HTML block holding the rows twice, as ``table_html`` and as ``cards_html``; the stylesheet
    shows one or the other by the screen's width. It has no blank line, so markdown keeps it whole."""
    return f'<div class="carta-rows">{table_html(header, rows, quoted)}{cards_html(header, rows, quoted)}</div>'


def answer_table(answer: Answer, parts: Body | None = None) -> str | None:
    """The answer's dose table as ``responsive_table`` HTML, its source cell naming each source
    ("[3] Genentech 2017"); None when the answer has no table."""
    parts = parts or body(answer)
    if not parts.rows:
        return None
    cited = {c.n: c for c in answer.citations}
    header = [*parts.header, "Source"]

    def named(n: int) -> str:
        return f"[{n}] {short_reference(cited[n])}" if n in cited else f"[{n}]"

    rows = [[*row.cells.values(), "; ".join(named(n) for n in row.refs)] for row in parts.rows]
    return responsive_table(header, rows)


# ---------------------------------------------------------------------------------------------
# Source passages, with what the answer quotes marked
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quoted:
    """What an answer quotes from its sources: sentences, and table rows as their cells."""

    sentences: frozenset[str] = frozenset()
    rows: frozenset[tuple[str, ...]] = frozenset()


def quoted_by(answer: Answer) -> dict[int, Quoted]:
    """For each citation number, the sentences and dosing rows of the answer that cite it."""
    parts = body(answer)
    sentences: dict[int, set[str]] = {}
    rows: dict[int, set[tuple[str, ...]]] = {}
    for line in parts.lines:
        for n in line.refs:
            sentences.setdefault(n, set()).add(line.sentence)
    for row in parts.rows:
        for n in row.refs:
            rows.setdefault(n, set()).add(tuple(row.cells.values()))
    return {c.n: Quoted(frozenset(sentences.get(c.n, ())), frozenset(rows.get(c.n, ()))) for c in answer.citations}


def _marked(line: str, sentences: Sequence[str]) -> str:
    line = html.escape(line, quote=False)
    for sentence in sentences:
        if sentence and sentence in line:
            line = line.replace(sentence, f"<mark>{sentence}</mark>")
    return line


def highlighted(text: str, quoted: Quoted) -> str:
    """The passage as markdown (HTML escaped) with the quoted sentences marked, and each table as a
    ``responsive_table`` with the quoted rows marked: render with ``unsafe_allow_html``."""
    rows = set(quoted.rows) | {
        tuple(unit.cells.values())
        for unit in table_units(text, 0)
        if unit.cells and quoted.sentences & {unit.text, unit.said}
    }
    marked = [html.escape(s, quote=False) for s in sorted(quoted.sentences, key=len, reverse=True)]
    blocks: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if len(table) >= 3:
            cells = [row for row in table[2:] if len(row) == len(table[0])]
            blocks.append("\n" + responsive_table(table[0], cells, [tuple(r) in rows for r in cells]) + "\n")
        else:
            blocks.extend(_marked("| " + " | ".join(row) + " |", marked) for row in table)
        table.clear()

    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            table.append(split_cells(line))
            continue
        if table:
            flush()
        blocks.append(_marked(line, marked))
    if table:
        flush()
    return "\n".join(blocks)


# ---------------------------------------------------------------------------------------------
# Plain text for a clinical note
# ---------------------------------------------------------------------------------------------
def plain(markdown: str) -> str:
    """Markdown emphasis and links as the words a note shows."""
    return MARKDOWN_EMPHASIS.sub("", MARKDOWN_LINK.sub(r"\1", markdown))


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column as wide as its longest cell; while a line is wider than ``width``, the widest column
    that can gives up a character, never narrower than its longest word (words are not cut)."""
    columns = list(zip(header, *rows, strict=True))
    widths = [max(len(cell) for cell in column) for column in columns]
    floors = [max(MIN_COLUMN, *(len(word) for cell in column for word in cell.split())) for column in columns]
    gaps = 2 * (len(widths) - 1)
    while sum(widths) + gaps > width:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    return widths


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]], width: int = TEXT_WIDTH) -> str:
    """A plain-text table: columns start at the same place on every line, a long cell wraps inside its
    column, and rows are set apart by a blank line when any cell wraps.

    >>> print(aligned(["Drug", "Dose"], [["tocilizumab", "8 mg/kg"]]))
    Drug         Dose
    tocilizumab  8 mg/kg
    """
    widths = _widths(header, rows, width)

    def lines(cells: Sequence[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(c, n, break_long_words=False, break_on_hyphens=False) or [""]
            for c, n in zip(cells, widths, strict=True)
        ]
        height = max(len(w) for w in wrapped)
        return [
            "  ".join((w[i] if i < len(w) else "").ljust(n) for w, n in zip(wrapped, widths, strict=True)).rstrip()
            for i in range(height)
        ]

    blocks = [lines(header), *(lines(row) for row in rows)]
    joiner = "\n\n" if any(len(block) > 1 for block in blocks) else "\n"
    return joiner.join("\n".join(block) for block in blocks)


def chart_text(answer: Answer, answered: date) -> str:
    """The answer as plain text for a clinical note: the question, the date Carta answered, each
    statement with its [n] markers, a dose table as aligned rows, then "[n] Author/body year, title,
    DOI or PMID" for every citation, and the disclaimer."""
    parts = body(answer)
    out = [f"Question: {answer.question}", f"Carta, answered {answered.day} {answered:%B %Y}:"]
    if answer.abstained:
        out.append(plain(answer.answer))
    else:
        out.append("\n".join(f"- {plain(line.markdown)}" for line in parts.lines))
    if parts.rows:
        header = [*parts.header, "Source"]
        rows = [[plain(c) for c in row.cells.values()] + ["".join(f"[{n}]" for n in row.refs)] for row in parts.rows]
        out.append(aligned(header, rows))
    if answer.citations:
        out.append("References\n" + "\n".join(references(answer.citations)))
    out.append(DISCLAIMER)
    return "\n\n".join(out) + "\n"


def conversation_text(turns: Sequence[tuple[Answer, date]]) -> str:
    """A whole conversation as plain text: each answer as ``chart_text`` gives it, one after another."""
    rule = "\n" + "-" * 40 + "\n\n"
    return rule.join(chart_text(answer, answered) for answer, answered in turns)
