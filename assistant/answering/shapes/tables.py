"""The grading shape: a grading row with its neighbours.

"Grade 2 CRS?" is answered by the grade 2 row and the rows just below and above, so the boundary is in view.
"""

from __future__ import annotations

from assistant.answering.draft import Statement
from assistant.answering.units import Unit


def with_neighbour_grades(statements: list[Statement], units: list[Unit], max_words: int) -> list[Statement]:
    """After the matching grade's row, the rows of the grades just below and above it, and one more
    statement if the answer stays within ``max_words``."""
    if not statements or not statements[0].cells:
        return statements
    best = statements[0]
    key = next((k for k in best.cells if "grade" in k), None)
    if key is None or not best.cells[key].isdigit():
        return statements
    grade = int(best.cells[key])
    rows = [
        u for u in units
        if u.passage == best.sources[0] and u.cells and u.cells.get(key, "").isdigit()
        and abs(int(u.cells[key]) - grade) == 1
    ]  # fmt: skip
    neighbours = [Statement(u.text, [u.passage], u.cells) for u in rows]
    rest = [s for s in statements[1:] if not (s.cells and key in s.cells)][:1]
    if sum(len(s.text.split()) for s in [best, *rest, *neighbours]) > max_words:
        rest = []
    return [best, *rest, *neighbours]
