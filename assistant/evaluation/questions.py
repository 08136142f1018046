"""The graded question set (`evals/qa.yaml`, described in `evals/SCHEMA.md`): its schema and loader.

A set with problems is refused before anything runs, with one line per problem naming the item
and the field, so the author can fix them all in one pass.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.conversation import Turn
from assistant.errors import UsageError

Category = Literal[
    "grading",
    "dosing",
    "evidence",
    "product",
    "monitoring",
    "supportive-care",
    "conversation",
    "out-of-scope",
    "adversarial",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
#: ``dev`` items may be tuned on; ``test`` items are frozen and only reported (issue 17).
Split = Literal["dev", "test"]
SPLITS: tuple[str, ...] = get_args(Split)
#: The nine failure classes of issue 17 an item can test (its ``class`` field).
FailureClass = Literal[
    "shorthand",
    "population-weight",
    "setting",
    "next-step",
    "sources-lack",
    "padding",
    "named-trial",
    "local-first",
    "current-first",
]
CLASSES: tuple[str, ...] = get_args(FailureClass)
KEBAB = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Regex(BaseModel):
    """A case-insensitive regex over answer text and the fact (or wrong statement) it stands for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = Field(min_length=1)
    fact: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value, re.IGNORECASE)
        except re.error as exc:
            msg = f"not a valid regular expression ({exc})"
            raise ValueError(msg) from exc
        return value

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text, re.IGNORECASE) is not None


class Pattern(Regex):
    """A key fact (or a harmful statement) and its points."""

    points: float


class Fact(Pattern):
    """A fact the answer must state; its points are positive."""

    points: float = Field(gt=0)


class Harm(Pattern):
    """A wrong or harmful statement the answer must not make; its points are negative."""

    points: float = Field(lt=0)


class WrongLead(Regex):
    """A wrong-setting lead: matched against the answer's lead line only (scoring.lead_line), never the rest."""


class Item(BaseModel):
    """One graded question; see evals/SCHEMA.md for what each field means.

    ``failure_class`` is the YAML field ``class`` (a Python keyword). A ``paraphrase_of`` item rewords
    another item and shares its gold documents and patterns; the two form one consistency group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=KEBAB)
    question: str = Field(min_length=1)
    history: list[Turn] = Field(default_factory=list)
    category: Category
    split: Split = "dev"
    failure_class: FailureClass | None = Field(default=None, alias="class")
    paraphrase_of: str | None = Field(default=None, pattern=KEBAB)
    difficulty: int = Field(ge=1, le=3)
    gold_docs: list[str]
    must_include: list[Fact] = Field(default_factory=list)
    must_not_include: list[Harm] = Field(default_factory=list)
    wrong_lead: list[WrongLead] = Field(default_factory=list)
    max_words: int | None = Field(default=None, gt=0)
    abstain: bool
    reference: str = Field(min_length=1)
    known_gap: str | None = Field(default=None, min_length=1)  # why a new dev item still fails (like xfail)

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.abstain and self.gold_docs:
            msg = "gold_docs must be [] when abstain is true"
            raise ValueError(msg)
        if not self.abstain and not self.gold_docs:
            msg = "gold_docs must name the documents that hold the answer when abstain is false"
            raise ValueError(msg)
        if not self.abstain and not self.must_include:
            msg = "must_include needs at least one key fact when abstain is false"
            raise ValueError(msg)
        if self.known_gap and self.split == "test":
            msg = "known_gap is for dev items: the test split is frozen and only reported"
            raise ValueError(msg)
        return self


class QuestionSet(BaseModel):
    """The whole file: a version and its items."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    items: list[Item] = Field(min_length=1)


def _where(loc: tuple[Any, ...], raw_items: list[Any]) -> str:
    """'item 4 (dosing-x), field 'must_include[0].pattern'' from a pydantic error location."""
    if len(loc) < 2 or loc[0] != "items" or not isinstance(loc[1], int):
        return f"field '{'.'.join(str(p) for p in loc) or 'top level'}'"
    index = loc[1]
    raw = raw_items[index] if index < len(raw_items) else None
    name = raw.get("id") if isinstance(raw, dict) else None
    item = f"item {index + 1}" + (f" ({name})" if name else "")
    field = ""
    for part in loc[2:]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return f"{item}, field '{field}'" if field else item


def _message(error: Any) -> str:
    return re.sub(r"^(Value|Assertion) error, ", "", error["msg"])


def _fail(path: Path, problems: Iterable[str]) -> UsageError:
    lines = [f"{path}: {problem}" for problem in problems]
    return UsageError("\n".join(lines))


def _paraphrase_problem(item: Item, by_id: dict[str, Item]) -> str | None:
    """Why an item's ``paraphrase_of`` is wrong: it must name an original item of the same split."""
    if item.paraphrase_of is None:
        return None
    original = by_id.get(item.paraphrase_of)
    if original is None:
        return f"'{item.paraphrase_of}' names no item"
    if original.paraphrase_of is not None:
        return f"'{item.paraphrase_of}' is itself a paraphrase; name its original"
    if original.split != item.split:
        return f"split {item.split} differs from the original's ({original.split})"
    return None


def load_question_set(path: Path) -> list[Item]:
    """The items of the set at ``path``; raises UsageError (exit 2) listing every problem found."""
    if not path.is_file():
        msg = f"question set {path} not found; pass --set PATH"
        raise UsageError(msg)
    return parse_question_set(path.read_text(encoding="utf-8"), path)


def parse_question_set(text: str, path: Path) -> list[Item]:
    """The items of a set's text (``path`` names it in messages); UsageError listing every problem found."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise _fail(path, [f"{where}not valid YAML ({getattr(exc, 'problem', None) or exc})"]) from exc
    if not isinstance(raw, dict):
        raise _fail(path, ["the file must be a mapping with 'version' and 'items'"])
    raw_items = raw.get("items") if isinstance(raw.get("items"), list) else []
    try:
        question_set = QuestionSet.model_validate(raw)
    except ValidationError as exc:
        raise _fail(path, [f"{_where(e['loc'], raw_items)}: {_message(e)}" for e in exc.errors()]) from exc
    duplicates = [name for name, count in Counter(i.id for i in question_set.items).items() if count > 1]
    if duplicates:
        raise _fail(path, [f"id '{name}' is used by more than one item" for name in duplicates])
    by_id = {item.id: item for item in question_set.items}
    problems = [
        f"item {n} ({item.id}), field 'paraphrase_of': {problem}"
        for n, item in enumerate(question_set.items, start=1)
        if (problem := _paraphrase_problem(item, by_id))
    ]
    if problems:
        raise _fail(path, problems)
    return question_set.items


def in_split(items: Iterable[Item], split: str | None) -> list[Item]:
    """The items of one split (``dev`` or ``test``), or all of them when ``split`` is None."""
    if split is not None and split not in SPLITS:
        msg = f"--split {split}: unknown split; choose from {', '.join(SPLITS)}"
        raise UsageError(msg)
    return [item for item in items if split is None or item.split == split]


def check_gold_docs(path: Path, items: list[Item], known: Collection[str]) -> None:
    """Refuse gold_docs that name no indexed document (a typo would silently zero the recall)."""
    problems = [
        f"item {n} ({item.id}), field 'gold_docs': '{doc}' is not an indexed document"
        for n, item in enumerate(items, start=1)
        for doc in item.gold_docs
        if doc not in known
    ]
    if problems:
        raise _fail(path, problems)
