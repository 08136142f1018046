"""Clinicians' feedback on answers (thumbs up or down, optional comment), kept in SQLite in the data dir.

One row per answer: changing the rating or adding a comment later updates that row. The evaluation
page offers the table as CSV, so reviewers can read what users flagged, and drafts test items from
thumbs-down answers. Evaluators' grades (assistant/evaluation/human.py) live in the same file.

>>> store = FeedbackStore.for_settings(Settings())                              # doctest: +SKIP
>>> store.record(Feedback("a1", "Tocilizumab dose?", "…", "…", rating=1))       # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import ConfigError, UsageError
from assistant.settings import Settings

FEEDBACK_FILE = "feedback.sqlite3"
#: Thumbs down and thumbs up; the values `st.feedback("thumbs")` returns.
RATINGS = (0, 1)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating INTEGER CHECK (rating IN (0, 1)),
    comment TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '',
    abstained INTEGER NOT NULL DEFAULT 0,
    history TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""


#: Columns added after the table was first shipped, added to an older file on first use: (name, definition).
ADDED_COLUMNS = (("history", "TEXT NOT NULL DEFAULT '[]'"),)


@dataclass(frozen=True)
class Feedback:
    """What a user said about one answer; ``sources`` are the cited document ids, '; '-joined, and
    ``history`` the conversation before the question (JSON turns), so a test item drafted from a
    thumbs-down keeps the context of a follow-up."""

    answer_id: str
    question: str
    query: str
    answer: str
    rating: int | None = None
    comment: str = ""
    sources: str = ""
    abstained: bool = False
    history: str = "[]"


def store_path(settings: Settings) -> Path:
    """The SQLite file that holds feedback and evaluators' grades."""
    return settings.ensure_data_dir() / FEEDBACK_FILE


@contextmanager
def connect(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` with ``schema`` created, in one transaction; ConfigError when SQLite fails."""
    try:
        with closing(sqlite3.connect(path)) as connection, connection:
            connection.execute(schema)
            yield connection
    except sqlite3.Error as exc:
        msg = f"feedback store {path} cannot be used ({exc})"
        raise ConfigError(msg) from exc


class FeedbackStore:
    """The feedback table in one SQLite file; a connection per call, so any thread may use it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(store_path(settings))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with connect(self.path, SCHEMA) as connection:
            present = {row[1] for row in connection.execute("PRAGMA table_info(feedback)")}
            for name, definition in ADDED_COLUMNS:
                if name not in present:
                    connection.execute(f"ALTER TABLE feedback ADD COLUMN {name} {definition}")
            yield connection

    def record(self, feedback: Feedback) -> None:
        """Insert the answer's feedback, or update its rating and comment if it has a row already."""
        if feedback.rating is not None and feedback.rating not in RATINGS:
            msg = f"rating must be one of {RATINGS} (thumbs down, up), not {feedback.rating!r}"
            raise UsageError(msg)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = {**asdict(feedback), "abstained": int(feedback.abstained), "created_at": now, "updated_at": now}
        columns = ", ".join(row)
        with self._connect() as connection:
            connection.execute(
                f"INSERT INTO feedback ({columns}) VALUES ({', '.join('?' * len(row))}) "
                "ON CONFLICT(answer_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, "
                "updated_at = excluded.updated_at",
                tuple(row.values()),
            )

    def rows(self) -> list[dict[str, object]]:
        """Every row, oldest first."""
        with self._connect() as connection:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute("SELECT * FROM feedback ORDER BY created_at, rowid")]

    def to_csv(self) -> str:
        """The whole table as CSV text with a header row."""
        names = [f.name for f in fields(Feedback)] + ["created_at", "updated_at"]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        writer.writerows(self.rows())
        return out.getvalue()
