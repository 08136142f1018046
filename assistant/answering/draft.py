"""What a composer hands the chain: a draft of statements, each with the passages that back it.

The extractive composer, its answer shapes and the LLM composer all build these types, and the chain
numbers their citations and verifies them; they live apart from any composer so that the shapes can
import them without importing the composer that calls the shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace


@dataclass
class Statement:
    """One line of the answer and the passages (by retrieval position) that back it.

    A line made of several sentences (one study's line in an evidence answer) keeps them as ``parts``,
    so that each sentence is verified and cited on its own; ``label`` says what kind of source it is.
    """

    text: str
    sources: list[int]
    cells: Mapping[str, str] | None = None
    parts: list[Statement] = field(default_factory=list)
    label: str = ""

    @property
    def sentences(self) -> list[Statement]:
        """What is verified and cited one by one: the parts, or the line itself."""
        return self.parts or [self]


@dataclass
class Draft:
    """The composer's output, before citation numbering and verification."""

    statements: list[Statement] = field(default_factory=list)
    table: list[Statement] = field(default_factory=list)
    abstained: bool = False
    reason: str = ""
    gap: str = ""  # what the sources do not give ("a methylprednisolone dose for grade 4 ICANS"); shown first


def joined(parts: Sequence[Statement], label: str = "") -> Statement:
    """One line of several sentences (a single sentence stays as it is), citing all their passages."""
    if len(parts) == 1:
        return replace(parts[0], label=label or parts[0].label)
    sources = list(dict.fromkeys(source for part in parts for source in part.sources))
    return Statement(" ".join(part.text for part in parts), sources, parts=list(parts), label=label)


def related(statements: Sequence[Statement]) -> list[Statement]:
    """The statements labelled as related to the question rather than answering it."""
    return [replace(s, label="Related") for s in statements]
