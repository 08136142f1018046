"""Helpers shared by the commands: settings from CLI options and the progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.ingest import Progress as ProgressCallback
from assistant.settings import Settings, load_settings


def settings_from(**overrides: object) -> Settings:
    """Settings with CLI options applied on top (None means "not given")."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr, exposed as the callback ingest and eval accept; none when stderr
    is not a terminal (a log file or a pipe gets no bar frames)."""
    if not sys.stderr.isatty():
        yield lambda done, total, what: None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update
