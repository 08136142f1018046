"""Failures become test items: draft a `qa.yaml` item from an answer, and append it to the set's dev split.

A draft holds what the answer already tells (question, history, the documents it cited, the category)
and marks what only the evaluator knows (the key facts, the reference) with ``FILL IN``. Saving checks
the edited text as the set's loader would, with the whole file, and then appends the text as written:
the rest of `evals/qa.yaml`, its comments and layout, is never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path

import yaml

from assistant.conversation import Turn
from assistant.errors import UsageError
from assistant.evaluation.questions import CATEGORIES, Item, check_gold_docs, parse_question_set

#: What the evaluator must replace before a draft can be saved.
PLACEHOLDER = "FILL IN"
#: The comment above every item saved from a draft.
SAVED_COMMENT = "# Drafted on the Evaluation page (issue 14) from {source}, {date}."
ITEM_INDENT = "  "


def slug(text: str, words: int = 7) -> str:
    """A kebab-case id from the first words of a question."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "item"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar on one line."""
    return yaml.safe_dump(text, default_style='"', width=10_000).strip().removesuffix("...").strip()


def draft_item(
    question: str,
    *,
    history: Sequence[Turn | dict[str, str]] = (),
    cited_docs: Sequence[str] = (),
    category: str = "",
    source: str = "",
    note: str = "",
    taken: Collection[str] = (),
) -> str:
    """The text of one new item, as it will sit in `qa.yaml`, with ``FILL IN`` where the evaluator decides.

    ``cited_docs`` become the gold documents; ``note`` (a grade's or a thumbs-down's comment) goes
    in a comment for the evaluator; ``taken`` holds the ids already used, so the draft's id is new.
    """
    base = slug(question)
    item_id, n = base, 1
    while item_id in taken:
        n += 1
        item_id = f"{base}-{n}"
    turns = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history]
    lines = [f"- id: {item_id}", f"  question: {_quoted(question)}"]
    if turns:
        lines.append("  history:")
        lines += [f"    - {{role: {t.role}, content: {_quoted(t.content)}}}" for t in turns]
    known = category if category in CATEGORIES else PLACEHOLDER
    lines += [
        f"  category: {known}" + ("" if category in CATEGORIES else f"  # one of: {', '.join(CATEGORIES)}"),
        "  difficulty: 2",
        f"  gold_docs: [{', '.join(dict.fromkeys(cited_docs))}]",
        "  must_include:  # each key fact the right answer states: a case-insensitive regex and its points",
        f"    - {{pattern: '{PLACEHOLDER}', points: 3, fact: \"{PLACEHOLDER}\"}}",
        "  abstain: false  # true (with gold_docs: [] and no must_include) when the corpus cannot answer",
        f'  reference: "{PLACEHOLDER}: the right answer and the documents that hold it"',
        "  split: dev",
    ]
    comments = [f"# From {source}." if source else ""]
    comments += [f"# Note: {line}" for line in note.strip().splitlines()]
    return "\n".join([*(c for c in comments if c), *lines]) + "\n"


def _one_item(text: str, where: Path) -> dict:
    """The draft parsed: one mapping, or a list holding exactly one."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{where}: the draft is not valid YAML ({getattr(exc, 'problem', None) or exc})"
        raise UsageError(msg) from exc
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if not isinstance(raw, dict):
        msg = f"{where}: the draft must be one item (a mapping starting with '- id:')"
        raise UsageError(msg)
    return raw


def as_list_entry(text: str) -> str:
    """The draft as an entry of the set's ``items:`` list, indented like the items already there."""
    body = text.strip("\n")
    if not re.search(r"^\s*-\s+id:", body, re.MULTILINE):
        body = re.sub(r"^(\s*)id:", r"\1- id:", body, count=1, flags=re.MULTILINE)
    lines = body.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(ITEM_INDENT + line[indent:] if line.strip() else "" for line in lines) + "\n"


def save_draft(set_path: Path, text: str, known_docs: Collection[str] | None, source: str) -> Item:
    """Check an edited draft and append it to the set at ``set_path``; returns the item as loaded.

    Refused with a UsageError (and the file left untouched) when a ``FILL IN`` is left, the draft is
    not one valid item, it is not in the dev split, its id is taken, a gold document is not indexed
    (when ``known_docs`` is given), or the file with it appended would not load.
    """
    if PLACEHOLDER in text:
        msg = f"replace every '{PLACEHOLDER}' in the draft first (key facts, reference, category)"
        raise UsageError(msg)
    raw = _one_item(text, set_path)
    if raw.get("split", "dev") != "dev":
        msg = "a drafted item goes into the dev split: the test split is frozen"
        raise UsageError(msg)
    current = set_path.read_text(encoding="utf-8")
    entry = as_list_entry(text)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    addition = ("" if current.endswith("\n") else "\n") + "\n"
    addition += ITEM_INDENT + SAVED_COMMENT.format(source=source or "an item", date=stamp) + "\n" + entry
    items = parse_question_set(current + addition, set_path)
    added = items[-1]
    if added.id != raw.get("id"):
        msg = f"{set_path}: the draft did not load as the set's last item; check its indentation"
        raise UsageError(msg)
    if known_docs is not None:
        check_gold_docs(set_path, [added], known_docs)
    with set_path.open("a", encoding="utf-8") as out:
        out.write(addition)
    return added
