"""HTML pages: the main text only, with headings kept as markdown `#` lines so chunking follows them.

A small stdlib parser is enough: scripts, styles, navigation and the page's header and footer are
dropped; when a page marks its main content (<main>, <article> or role="main") only that is kept; lists
become `- ` lines and tables become markdown tables, so a dosing table stays whole in one chunk.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from assistant.documents import Page, SourceDocument
from assistant.loaders.markdown import FIRST_HEADING, read_text
from assistant.loaders.text import build_document
from assistant.tables import is_table_line

#: Elements whose text is never document content.
DROPPED = frozenset({"head", "script", "style", "noscript", "template", "svg", "nav"})
#: The page's own banner and footer; inside the main content (an article's header) they are kept.
CHROME = frozenset({"header", "footer"})
#: Elements that mark the page's main content.
MAIN = frozenset({"main", "article"})
#: Elements that start and end a block of text.
BLOCKS = frozenset(
    {"p", "div", "section", "blockquote", "pre", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd", "figure",
     "figcaption", "table", "caption", "address", "details", "summary", "main", "article", "aside", *CHROME}
)  # fmt: skip
HEADINGS = {f"h{level}": level for level in range(1, 7)}


class MainText(HTMLParser):
    """Collects an HTML page's blocks as markdown lines, noting which lie inside its main content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[tuple[str, bool]] = []  # (markdown line, inside main content)
        self._in_title = False
        self._dropping: list[str] = []  # the open elements whose text is being dropped
        self._main_tag: str | None = None  # the element that opened the main content, and its nesting
        self._main_depth = 0
        self._parts: list[str] = []
        self._prefix = ""
        self._row: list[str] | None = None
        self._rows_in_table = 0

    def _text(self) -> str:
        text = " ".join("".join(self._parts).split())
        self._parts = []
        return text

    def _emit(self, line: str) -> None:
        self.blocks.append((line, self._main_tag is not None))

    def _flush(self) -> None:
        text = self._text()
        if text:
            self._emit(f"{self._prefix}{text}")
        self._prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in DROPPED or (tag in CHROME and (self._dropping or self._main_tag is None)):
            self._dropping.append(tag)
        if self._dropping:
            return
        if tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._parts = []
        elif self._row is None and (tag in BLOCKS or tag in HEADINGS):
            self._flush()
            self._prefix = "#" * HEADINGS[tag] + " " if tag in HEADINGS else "- " if tag == "li" else ""
        if self._main_tag is None and (tag in MAIN or dict(attrs).get("role") == "main"):
            self._main_tag = tag
        if tag == self._main_tag:
            self._main_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._text().replace("|", "\\|"))
        elif tag == "tr" and self._row is not None:
            if any(self._row):
                self._emit("| " + " | ".join(self._row) + " |")
                if self._rows_in_table == 0:
                    self._emit("|" + "---|" * len(self._row))
                self._rows_in_table += 1
            self._row = None
        elif tag == "table":
            self._rows_in_table = 0
        elif self._row is None and (tag in BLOCKS or tag in HEADINGS):
            self._flush()
        if tag == self._main_tag:
            self._main_depth -= 1
            if self._main_depth == 0:
                self._main_tag = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._dropping:
            self._parts.append(data)

    def markdown(self) -> str:
        """The page as markdown: main-content blocks when the page marks any, else every block."""
        self._flush()
        main = [line for line, in_main in self.blocks if in_main]
        lines = main or [line for line, _ in self.blocks]
        text = ""
        for line in lines:  # table rows stay on consecutive lines; other blocks get a blank line
            joint = "\n" if is_table_line(line) and text.endswith("|") else "\n\n"
            text = f"{text}{joint}{line}" if text else line
        return text


def html_to_markdown(html: str) -> tuple[str, str]:
    """(main text as markdown, the page's <title>)."""
    parser = MainText()
    parser.feed(html)
    parser.close()
    return parser.markdown(), " ".join(parser.title.split())


def load(path: Path, overrides: dict[str, Any]) -> SourceDocument:
    """Load an HTML page's main text; its first heading, else its <title>, names it."""
    body, title = html_to_markdown(read_text(path))
    own = {"title": title} if title and not FIRST_HEADING.search(body) else {}
    return build_document(path, [Page(body)], overrides, own)
