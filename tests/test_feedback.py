"""Feedback storage: one SQLite row per answer, updated in place, exported as CSV."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import ConfigError, UsageError
from assistant.feedback import FEEDBACK_FILE, Feedback, FeedbackStore
from assistant.settings import Settings


def feedback(**changes: object) -> Feedback:
    base = {
        "answer_id": "a1",
        "question": "What dose of tocilizumab for grade 2 CRS?",
        "query": "What dose of tocilizumab for grade 2 CRS?",
        "answer": "Tocilizumab: 8 mg/kg IV. [1]",
        "rating": 1,
        "sources": "santomasso-2021-asco-crs",
    }
    return Feedback(**{**base, **changes})  # type: ignore[arg-type]


def test_record_then_read(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / FEEDBACK_FILE)
    store.record(feedback())
    (row,) = store.rows()
    assert row["rating"] == 1
    assert row["question"].startswith("What dose")
    assert row["sources"] == "santomasso-2021-asco-crs"
    assert row["abstained"] == 0
    assert row["created_at"] == row["updated_at"]


def test_a_second_record_for_the_same_answer_updates_it(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / FEEDBACK_FILE)
    store.record(feedback())
    store.record(feedback(rating=0, comment="missing the paediatric dose"))
    store.record(feedback(answer_id="a2", rating=None, abstained=True))
    rows = store.rows()
    assert [r["answer_id"] for r in rows] == ["a1", "a2"]
    assert (rows[0]["rating"], rows[0]["comment"]) == (0, "missing the paediatric dose")
    assert rows[1]["rating"] is None
    assert rows[1]["abstained"] == 1


def test_bad_rating_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="rating"):
        FeedbackStore(tmp_path / FEEDBACK_FILE).record(feedback(rating=5))


def test_csv_has_a_header_and_every_row(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / FEEDBACK_FILE)
    store.record(feedback(comment='says "8 mg/kg", fine'))
    rows = list(csv.DictReader(io.StringIO(store.to_csv())))
    assert len(rows) == 1
    assert rows[0]["comment"] == 'says "8 mg/kg", fine'
    assert rows[0]["answer_id"] == "a1"


def test_empty_store_exports_only_a_header(tmp_path: Path) -> None:
    text = FeedbackStore(tmp_path / FEEDBACK_FILE).to_csv()
    assert text.splitlines() == [
        "answer_id,question,query,answer,rating,comment,sources,abstained,history,created_at,updated_at"
    ]


def test_for_settings_lives_in_the_data_dir(isolated_env: Path) -> None:
    store = FeedbackStore.for_settings(Settings())
    store.record(feedback())
    assert store.path == isolated_env / FEEDBACK_FILE
    assert store.path.is_file()


def test_unusable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="feedback store"):
        FeedbackStore(tmp_path / "missing-folder" / FEEDBACK_FILE).rows()


def test_an_older_file_gains_the_history_column(tmp_path: Path) -> None:
    path = tmp_path / FEEDBACK_FILE
    with sqlite3.connect(path) as connection:  # the table as first shipped, with one row
        connection.execute(
            "CREATE TABLE feedback (answer_id TEXT PRIMARY KEY, question TEXT NOT NULL, query TEXT NOT NULL, "
            "answer TEXT NOT NULL, rating INTEGER, comment TEXT NOT NULL DEFAULT '', sources TEXT NOT NULL DEFAULT '', "
            "abstained INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
        )
        connection.execute("INSERT INTO feedback VALUES ('old', 'q', 'q', 'a', 0, '', '', 0, 't', 't')")
    connection.close()
    store = FeedbackStore(path)
    store.record(feedback(history='[{"role": "user", "content": "toci dose for CRS"}]'))
    rows = {r["answer_id"]: r for r in store.rows()}
    assert rows["old"]["history"] == "[]"
    assert rows["a1"]["history"] == '[{"role": "user", "content": "toci dose for CRS"}]'
