"""The markdown loader validates front matter and names the file and field of each problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import document

from assistant.errors import DocumentError
from assistant.loaders import load_paths
from assistant.loaders.markdown import load

GOOD = document(
    "good", "Good document", "# Good document\n\n## Section\n\nText about CRS.", source="Journal", doi="10.1/x"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace("doc_type: guideline", "doc_type: blog"), "doc_type"),
        (GOOD.replace("title: Good document\n", ""), "title"),
        (GOOD.replace("year: 2020", "year: twenty"), "year"),
        (GOOD.replace("id: good", "id: Not An Id!"), "id"),
        (GOOD.replace("topics: [CRS]", "topics: [CRS"), "front matter"),
    ],
)
def test_bad_front_matter_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, "doc.md", text)
    with pytest.raises(DocumentError) as caught:
        load(path, {})
    assert caught.value.field == field
    assert str(path) in str(caught.value)


def test_bad_file_is_reported_and_the_rest_still_load(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bad.md", GOOD.replace("id: good", "id: bad").replace("doc_type: guideline", "doc_type: x"))
    report = load_paths([tmp_path])
    assert [d.id for d in report.documents] == ["good"]
    assert len(report.errors) == 1 and report.errors[0].path.name == "bad.md"


def test_file_without_front_matter_gets_id_and_title_from_name_and_heading(tmp_path: Path) -> None:
    document = load(write(tmp_path, "Local Protocol.md", "# Our CRS protocol\n\nCall the fellow.\n"), {})
    assert document.id == "local-protocol"
    assert document.meta.title == "Our CRS protocol"


def test_duplicate_ids_keep_the_first_and_name_the_second(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD)
    write(tmp_path, "b.md", GOOD)
    report = load_paths([tmp_path])
    assert len(report.documents) == 1
    assert report.errors[0].field == "id" and "duplicate" in report.errors[0].reason


def test_real_corpus_loads_without_errors() -> None:
    report = load_paths([Path(__file__).resolve().parents[1] / "corpus"])
    assert report.errors == []
    assert len(report.documents) >= 40
