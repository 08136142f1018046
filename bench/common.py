"""What the benchmark scripts share: an index over the real corpus to measure against."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.ingest import ingest
from assistant.settings import Settings


@contextmanager
def corpus_index(data_dir: Path | None, prefix: str) -> Iterator[Settings]:
    """Settings over the real corpus: ``data_dir``'s index as it is, or a fresh one built in a temp dir."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        settings = Settings(data_dir=data_dir or Path(tmp), corpus_dir=Path("corpus"))
        if data_dir is None:
            ingest(settings)
        yield settings
