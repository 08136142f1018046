"""`carta ingest`: build or update the index from the corpus or from given files and folders.

A user's own files (PDF, markdown, plain text, HTML) join the ``local`` collection unless told
otherwise, so a later corpus ingest never removes them. Metadata, highest first: these flags, a sidecar
``NAME.EXT.meta.yaml`` (or ``NAME.meta.yaml``), front matter, the file's own title, its file name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli import app, err_console
from assistant.cli.common import progress_bar, settings_from
from assistant.documents import LOCAL_COLLECTION, DocType
from assistant.embeddings import prepare_query_embeddings
from assistant.errors import UsageError
from assistant.ingest import ingest
from assistant.settings import Settings


def file_overrides(settings: Settings, paths: list[Path], flags: dict[str, Any]) -> dict[str, Any]:
    """The metadata the flags give every named file; files outside the corpus folder default to ``local``."""
    given = {name: value for name, value in flags.items() if value is not None}
    if not paths:
        if given:
            msg = f"--{', --'.join(given)} apply to the files you name; give them as PATH arguments"
            raise UsageError(msg)
        return {}
    corpus = settings.corpus_dir.resolve()
    if "collection" not in given and not all(p.resolve().is_relative_to(corpus) for p in paths):
        given["collection"] = LOCAL_COLLECTION
    return given


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders; default: the corpus folder.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the named files.")] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2100, help="Publication year.")] = None,
    doi: Annotated[str | None, typer.Option(help="DOI, e.g. 10.1182/blood-2021-1234.")] = None,
    pmid: Annotated[str | None, typer.Option(help="PubMed id.")] = None,
    url: Annotated[str | None, typer.Option(help="Where the source can be read.")] = None,
    doc_type: Annotated[DocType | None, typer.Option("--type", help="Document type (default: local).")] = None,
    collection: Annotated[
        str | None, typer.Option(help="Collection of the named files (default: local, kept by corpus ingests).")
    ] = None,
) -> None:
    """Index documents. Unchanged ones are skipped, changed ones replaced, removed ones deleted.

    Without PATH: the corpus folder, reconciled (its deleted files leave the index).

    With PATH: your own files and folders (.md, .txt, .html, .pdf), added or updated in the local collection.

    Metadata, highest first: the flags, a sidecar NAME.EXT.meta.yaml or NAME.meta.yaml, front matter, the file's title.
    """
    settings = settings_from(data_dir=data_dir)
    flags = {"title": title, "year": year, "doi": doi, "pmid": pmid, "url": url, "collection": collection}
    overrides = file_overrides(settings, paths or [], {**flags, "doc_type": doc_type and doc_type.value})
    with progress_bar("Ingesting") as progress:
        report = ingest(settings, paths or None, overrides=overrides, progress=progress)
    prepare_query_embeddings(settings)  # the first question then starts without torch
    for error in report.errors:
        err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
    err_console.print(report.summary(), highlight=False)
