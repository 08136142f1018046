"""`carta ingest`: build or update the index from the corpus or from given files and folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app, err_console
from assistant.cli.common import progress_bar, settings_from
from assistant.ingest import ingest


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders; default: the corpus folder.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
) -> None:
    """Index documents. Unchanged ones are skipped, changed ones replaced, removed ones deleted."""
    settings = settings_from(data_dir=data_dir)
    with progress_bar("Ingesting") as progress:
        report = ingest(settings, paths or None, progress=progress)
    for error in report.errors:
        err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
    err_console.print(report.summary(), highlight=False)
