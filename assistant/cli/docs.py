"""`carta docs list` and `carta docs remove ID`: the documents in the index, the corpus's and a user's own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli import app, err_console
from assistant.cli.common import settings_from
from assistant.embeddings import LazyEmbeddings
from assistant.index import ChunkIndex
from assistant.ingest import remove_document
from assistant.passage import Passage

docs_app = typer.Typer(help="List or remove indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
console = Console()

DataDir = Annotated[Path | None, typer.Option(help="Where the index lives.")]


def document_rows(passages: list[Passage]) -> list[tuple[str, str, str, str, str, int]]:
    """One row per indexed document: id, title, type, year, collection, chunk count; sorted by collection, id."""
    counts = Counter(p.doc_id for p in passages)
    first = {p.doc_id: p for p in passages}
    rows = [
        (doc_id, p.title, p.doc_type, str(p.year or ""), p.collection, counts[doc_id]) for doc_id, p in first.items()
    ]
    return sorted(rows, key=lambda row: (row[4], row[0]))


@docs_app.command("list")
def list_command(data_dir: DataDir = None) -> None:
    """Every indexed document with its type, year, collection and chunk count."""
    settings = settings_from(data_dir=data_dir)
    rows = document_rows(ChunkIndex.open(settings, LazyEmbeddings(settings.model_path)).passages())
    table = Table(title=f"{len(rows)} indexed documents")
    for column in ("id", "title", "type", "year", "collection", "chunks"):  # only the title wraps: ids stay whole
        table.add_column(column, justify="right" if column == "chunks" else "left", no_wrap=column != "title")
    for row in rows:
        table.add_row(*row[:5], str(row[5]))
    console.print(table)


@docs_app.command("remove")
def remove_command(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="The document id, as `carta docs list` shows it.")],
    data_dir: DataDir = None,
) -> None:
    """Remove one document from the index. A corpus document comes back on the next `carta ingest`
    unless its file is removed from the corpus folder too."""
    count = remove_document(settings_from(data_dir=data_dir), doc_id)
    err_console.print(f"removed '{doc_id}' ({count} chunks)", highlight=False)
