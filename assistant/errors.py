"""Errors a user can cause and fix. Each carries one line of text; only the CLI and UI print it."""

from __future__ import annotations

from pathlib import Path


class CartaError(Exception):
    """A user-facing problem: bad input, bad configuration, or a missing resource."""

    exit_code = 1


class UsageError(CartaError):
    """The request itself is unusable (empty question, unknown option value)."""

    exit_code = 2


class ConfigError(CartaError):
    """Settings point at something that cannot work (unwritable data dir, missing model)."""


class IndexUnavailableError(CartaError):
    """The index is missing, empty, or its server does not answer."""


class DocumentError(CartaError):
    """One source file cannot be loaded; names the file and, where known, the field."""

    def __init__(self, path: Path | str, reason: str, field: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.field = field
        where = f" (field '{field}')" if field else ""
        super().__init__(f"{self.path}{where}: {reason}")
