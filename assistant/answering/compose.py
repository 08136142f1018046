"""The extractive composer: answers made only of sentences and table rows quoted from passages.

It never writes a fact of its own. It splits the retrieved passages into units (sentences, table
rows), scores each against the question by IDF-weighted term overlap, and keeps the best ones,
best first, each with the passages it came from. Dosing questions get a table of whole dosing rows.
Weak evidence gives an abstention instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from assistant.answering.intent import Intent
from assistant.answering.question import Asked, Concept, named_sources
from assistant.answering.units import Unit, units_of
from assistant.conversation import entities
from assistant.documents import doc_type_label
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import related_words, synonym_vocabulary
from assistant.tables import use_rank
from assistant.text import numbers_in

#: In a prose answer, a sentence that adds no question word the sentences before it lack counts this
#: share of its score (see ``_novel_first``).
NOVELTY_FLOOR = 0.5
#: Statements in a prose answer, and the word budget they share (the first always fits).
MAX_STATEMENTS = 5
MAX_WORDS = 120
#: Rows in a dosing table answer, and the sentences quoted beside it.
MAX_DOSING_ROWS = 8
DOSING_PROSE = 1
#: A unit joins the answer only if it scores at least this share of the best unit's score.
RELATIVE_CUTOFF = 0.45
#: Share of the question's IDF weight the best unit must cover, or Carta abstains.
MIN_COVERAGE = 0.2
#: ... and hold at least this many of its words: one word in common is not an answer.
MIN_MATCHED_WORDS = 2
#: Score factor for a unit about another grade than the one asked ("grade 2 ICANS" for a grade 3 question),
#: or another part of a study ("cohort 6" for a cohort 4 question).
OTHER_GRADE_FACTOR = 0.4
#: Score factor for a unit that names no toxicity (in itself or its section) when the question names one.
UNNAMED_TOXICITY_FACTOR = 0.7
#: Abstain when this share of the question's weight is words the corpus never uses. Unknown words
#: weigh as much as the rarest indexed word: in "grade 3 colitis on pembrolizumab, steroid dose?"
#: the unknown words are the ones that say what is asked. Calibrated on evals/qa.yaml.
MAX_UNKNOWN_SHARE = 0.35
#: Shorter unknown words are taken for clinical shorthand ('ncse', 'norepi'), not a foreign subject.
MIN_SPECIALISED_LENGTH = 8
#: A sentence that says how a grade is managed ("grade 1 CRS is managed with supportive care").
MANAGED = re.compile(r"\b(?:is|are) (?:managed|treated) with\b", re.IGNORECASE)
#: Units this similar (Jaccard over tokens), or one this much inside the other, are one statement
#: with several citations.
MERGE_SIMILARITY = 0.6
MERGE_CONTAINED = 0.9
MERGE_NUMBERS = 2
MERGE_WITH_NUMBERS = 0.5
#: Weights: expansion terms and section/title context count less than the question's own words.
EXPANSION_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.3
#: For grading questions a table row means little without its heading ("CRS grade: 4" under "ASTCT CRS
#: grading table"), so the row's section and title count nearly as much as its own words, and its
#: length less. Elsewhere rows are scored like sentences, or they crowd out the prose that answers.
ROW_CONTEXT_WEIGHT = 0.8

#: Why a request for more abstains: every unit the search found was already in an earlier answer.
ALL_SHOWN = "everything the search found for this question was already shown"

#: Sentences about the corpus itself ("... was not captured for this corpus") say what is missing,
#: not what is known, and bibliographic ones (volume, DOI) where a study appeared: they answer only
#: when nothing else does, so they count this much less.
CORPUS_NOTE = re.compile(
    r"captured for this corpus|\bnot verified\b|\bunconfirmed\b|not confirmed in our sources|"
    r"consult the primary|verified against|\(volume \d|\bPMC\d|\bDOI\b|\bPMID\b",
    re.IGNORECASE,
)
CORPUS_NOTE_FACTOR = 0.6

GIVES_RATE = re.compile(r"\d\s*%|\b\d+ of (the )?\d+\b|\b\d+/\d+\b")
RATE_FACTOR = 1.5
#: "ASCO says ..." is answered from ASCO first: units of a source the question names count this much more.
NAMED_SOURCE_FACTOR = 1.5
#: Words a follow-up carried from earlier turns count this much of the question's own words.
CARRIED_WEIGHT = 0.75

#: A class named in a question stands for its members when dosing rows are picked.
DRUG_CLASSES = {"corticosteroids": ("dexamethasone", "methylprednisolone", "hydrocortisone", "prednisone")}
#: Evidence answers put the strongest source first; lower is stronger.
EVIDENCE_RANK = {
    "guideline": 0, "consensus": 0, "label": 1, "regulatory": 1, "trial": 2, "cohort": 3,
    "case-series": 4, "case-report": 5, "review": 6, "local": 7,
}  # fmt: skip

#: Questions that ask what something is made of ("what's in the ICE score?", "HLH-2004 criteria?"):
#: when a table is headed by that thing, the answer is the whole table, not its best-matching rows.
COMPOSITION = re.compile(
    r"\bwhat'?s in\b|\bwhats in\b|\bcomponents?\b|\bconsists?\b|\bmade up\b|\bcriteri(a|on)\b|"
    r"\bdefinition\b|\bdefined\b|\bwhich (labs|tests|items|tasks|features|markers)\b",
    re.IGNORECASE,
)
#: A table answered whole has at most this many rows, and its heading covers this share of the question.
MAX_WHOLE_TABLE_ROWS = 10
MIN_HEADING_COVERAGE = 0.5
#: Sentences above a table answered whole; those that point to it ("the criteria below") come first.
WHOLE_TABLE_LEADS = 2
TABLE_REFERENCE = re.compile(r"\bbelow\b|\bin the table\b", re.IGNORECASE)

#: A sentence that gives or discusses a dose: an amount with a dose unit, or the word itself.
DOSE_TALK = re.compile(r"\bdos(e|es|ing|age)\b|\bregimen\b|\d\s*(mg|g|µg|mcg|mL|units?)\b", re.IGNORECASE)
#: A dose asked for in a unit ("in CAR+ cells/kg", "in mg"): an answer in other units does not answer it.
ASKED_UNIT = re.compile(
    r"\bin\s+(?:car\+?\s*)?(cells?/kg|cells|mg/kg|mg/m2|mg/m²|µg/kg|mcg/kg|mg)(?![\w/])", re.IGNORECASE
)


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


class ExtractiveComposer:
    """Quote the units that best answer the question; ``idf`` weights terms by rarity."""

    def __init__(self, idf: Mapping[str, float]) -> None:
        self.idf = idf
        self.default_idf = max(idf.values(), default=1.0)

    def weight(self, token: str) -> float:
        return max(self.idf.get(token, self.default_idf), 0.05)

    def score(self, unit: Unit, passage: Passage, asked: Asked, rank: int) -> float:
        """IDF-weighted overlap with the question; a unit about another grade or toxicity counts less."""
        tokens = set(tokenize(unit.text, parts=False))
        context = set(tokenize(f"{passage.title} {passage.section}", parts=False))
        value = sum(self.weight(t) * (CARRIED_WEIGHT if t in asked.carried else 1.0) for t in asked.core & tokens)
        # One synonym group earns at most one word's credit: spelling ICANS out in full is not five matches.
        value += EXPANSION_WEIGHT * sum(self._concept_credit(concept, tokens) for concept in asked.extra)
        grading_row = bool(unit.cells) and asked.intent is Intent.GRADING
        context_weight = ROW_CONTEXT_WEIGHT if grading_row else CONTEXT_WEIGHT
        value += context_weight * sum(self.weight(t) for t in (asked.core - tokens) & context)
        if asked.about_another(unit.text):
            value *= OTHER_GRADE_FACTOR
        named = (
            entities(f"{unit.text} {passage.section}").get("toxicity", []) if asked.toxicities | asked.besides else []
        )
        if asked.toxicities:
            if named and not set(named) & asked.toxicities:
                value *= OTHER_GRADE_FACTOR
            elif not named:
                value *= UNNAMED_TOXICITY_FACTOR
        if named and named[0] in asked.besides:
            value *= OTHER_GRADE_FACTOR
        if CORPUS_NOTE.search(unit.text):
            value *= CORPUS_NOTE_FACTOR
        if asked.wants_rate and GIVES_RATE.search(unit.text):
            value *= RATE_FACTOR
        if asked.sources & named_sources(_describe(passage)):
            value *= NAMED_SOURCE_FACTOR
        length = len(tokens) / 2 if grading_row else len(tokens)
        return value * (1.0 + 0.1 / (1 + rank)) / (1.0 + 0.01 * length)

    def _concept_credit(self, concept: Concept, tokens: set[str]) -> float:
        """The weight of the concept's rarest word in ``tokens``, at most that of its commonest spelling.

        A concept is at least as common as any of its spellings, so 'CRES' (rare) standing for the
        'neurotox' of a question earns no more than 'ICANS' (common) would.
        """
        found = max((self.weight(t) for term in concept for t in term & tokens), default=0.0)
        if not found:
            return 0.0
        return min(found, min(max(self.weight(t) for t in term) for term in concept if term))

    def matched(self, unit: Unit, passage: Passage, core: set[str]) -> tuple[set[str], set[str]]:
        """The question's words that count for coverage, and those the unit or its section and title hold.

        Words the corpus never uses ('toci', 'australia') are left out: they can neither support
        nor refute a passage, and their synonyms (if any) are matched through the expansion. So are
        bare numbers and single letters ('40' of "a 40 yo", 'g' of "1 g/day"): they say nothing
        about the subject.
        """
        known = {t for t in core if not t.isdigit() and len(t) > 1 and (t in self.idf or related_words(t))}
        text = set(tokenize(f"{unit.text} {passage.title} {passage.section}", parts=False))
        return known, {t for t in known if t in text or related_words(t) & text}

    def coverage(self, unit: Unit, passage: Passage, core: set[str]) -> float:
        """Share of the question's weight (of the words ``matched`` counts) found in the unit or its heading."""
        known, found = self.matched(unit, passage, core)
        if not known:
            return 0.0
        return sum(self.weight(t) for t in found) / sum(self.weight(t) for t in known)

    def run(
        self, question: str, passages: Sequence[Passage], intent: Intent, carried: str = "", shown: Sequence[str] = ()
    ) -> Draft:
        """Compose from ``passages`` (best first); abstain when nothing answers the question.

        ``carried`` is the part of ``question`` a follow-up took from earlier turns; its words count less.
        ``shown`` holds earlier answers when the user asked for more: what they quote is not quoted again.
        """
        asked = Asked.read(question, intent, carried)
        core = set(asked.core)
        units = units_of(passages)
        if shown:
            units = [u for u in units if not _quoted_in(u, shown)]
            if not units:
                return Draft(abstained=True, reason=ALL_SHOWN)
        named = named_documents(question, {p.doc_id for p in passages})
        if any(passages[u.passage].doc_id in named for u in units):
            # A question about one named study is answered from that study only.
            units = [u for u in units if passages[u.passage].doc_id in named]
        if not units or not core:
            return Draft(abstained=True, reason="no passage text matches the question")
        scored = sorted(
            ((self.score(u, passages[u.passage], asked, u.passage), u) for u in units), key=lambda pair: -pair[0]
        )
        best_score = scored[0][0]
        reason = self._cannot_answer(question, asked, passages, scored)
        if reason:
            return Draft(abstained=True, reason=reason)
        if intent is Intent.DOSING and entities(question).get("drug"):
            dosing = self._dosing_answer(question, asked, passages, scored)
            if dosing is not None:
                return dosing
        if intent is not Intent.DOSING and COMPOSITION.search(question):
            whole = self._whole_table(core, passages, units, scored)
            if whole:
                return Draft(statements=whole)
        candidates = [(value, unit) for value, unit in scored if value >= RELATIVE_CUTOFF * best_score]
        if intent is Intent.EVIDENCE:
            # A study's line says what was found: a dosing row that gives no dose only restates who was treated.
            candidates = [(v, u) for v, u in candidates if not (u.is_dosing_row and not _stated(u.cells.get("dose")))]
            lines = self._by_study(self._select(candidates), passages)
            return Draft(statements=self._by_evidence_strength(lines, passages))
        if intent is not Intent.DOSING:  # a dose answer keeps its best-scoring sentences
            candidates = self._novel_first(candidates, core)
        statements = self._select(candidates)
        if intent is Intent.DOSING and not any(DOSE_TALK.search(s.text) for s in statements):
            # With no dosing row to show, an answer to a dose question must at least speak of a dose.
            return Draft(abstained=True, reason="no passage gives the dose asked for")
        if intent is Intent.GRADING:
            statements = self._with_neighbour_grades(statements, units)
        return Draft(statements=statements)

    def _cannot_answer(
        self, question: str, asked: Asked, passages: Sequence[Passage], scored: list[tuple[float, Unit]]
    ) -> str | None:
        """Why the passages cannot answer the question (Carta then abstains), or None."""
        best_score, best = scored[0]
        core = set(asked.core)
        if best_score <= 0 or self.coverage(best, passages[best.passage], core) < MIN_COVERAGE:
            return "the best passage covers too little of the question"
        known, found = self.matched(best, passages[best.passage], core)
        if len(found) < min(MIN_MATCHED_WORDS, len(known)):
            # "outpt CAP empiric abx for a healthy 40 yo?" meets the corpus in 'empiric' alone.
            return "the best passage shares only one word with the question"
        if asked.intent is not Intent.DOSING:
            return None
        asked_unit = ASKED_UNIT.search(question)
        if asked_unit and not any(asked_unit.group(1).lower() in u.text.lower() for value, u in scored if value > 0):
            return f"no passage gives a dose in {asked_unit.group(1)}"
        if not entities(question).get("drug"):
            # A dose for a drug Carta does not know must not be answered with another drug's rows.
            foreign = [
                t for t in tokenize(question, parts=False)
                if t.isalpha() and len(t) >= 5 and t not in self.idf and t not in synonym_vocabulary()
            ]  # fmt: skip
            if foreign:
                return f"no indexed document gives a dose for '{foreign[0]}'"
        return None

    def _dosing_answer(
        self, question: str, asked: Asked, passages: Sequence[Passage], scored: list[tuple[float, Unit]]
    ) -> Draft | None:
        """A line answering the question, the sentence beside the table, and the table; None with no row."""
        table = self._dosing_rows(question, scored, passages)
        if not table:
            return None
        beside = self._beside_table(scored)
        lead = [self._lead_for(table[0]), *beside]
        if not any(asked.setting_of((row.cells or {}).get("setting", "")) for row in table):
            # No row is for the setting asked ("dex for every grade 1 CRS?", "toci for isolated ICANS?"):
            # say how that setting is managed, and keep only the sentence beside the table that is about it.
            excluded = excluded_settings(question)
            said = [
                u for v, u in scored
                if v > 0 and not u.cells and asked.setting_of(u.text) and not any(p.search(u.text) for p in excluded)
            ]  # fmt: skip
            setting = next((u for u in said if MANAGED.search(u.text)), None)
            if setting is None and asked.grade is not None:
                setting = next(iter(said), None)  # a sentence on the grade asked, though not "managed with"
            if setting is not None:
                about = [s for s in beside if asked.setting_of(s.text) and s.text != setting.text]
                lead = [Statement(setting.text, [setting.passage]), *about]
        table.sort(key=lambda row: use_rank((row.cells or {}).get("use", "")))
        return Draft(statements=lead, table=table)

    def _novel_first(self, candidates: list[tuple[float, Unit]], core: set[str]) -> list[tuple[float, Unit]]:
        """The candidates reordered greedily so each next one adds question words the ones before it lack.

        "ZUMA-2 vs real world?" wants one sentence on each: once ZUMA-2 is covered, a sentence matching
        only the words already covered counts NOVELTY_FLOOR of its score, one adding new words more.
        """
        matched = [{t for t in tokenize(u.text, parts=False) if t in core} for _, u in candidates]
        order: list[tuple[float, Unit]] = []
        covered: set[str] = set()
        left = list(range(len(candidates)))
        while left:
            best = max(left, key=lambda i: candidates[i][0] * self._novelty(matched[i], covered))
            left.remove(best)
            order.append(candidates[best])
            covered |= matched[best]
        return order

    def _novelty(self, matched: set[str], covered: set[str]) -> float:
        """Score factor from NOVELTY_FLOOR (adds no new question word) to 1 (every matched word is new)."""
        weight = sum(self.weight(t) for t in matched)
        share = sum(self.weight(t) for t in matched - covered) / weight if weight else 0.0
        return NOVELTY_FLOOR + (1 - NOVELTY_FLOOR) * share

    @staticmethod
    def _select(candidates: Sequence[tuple[float, Unit]]) -> list[Statement]:
        """Statements from the candidates in order, twins merged, within MAX_STATEMENTS and MAX_WORDS."""
        chosen: list[tuple[set[str], Statement]] = []
        words = 0
        for _, unit in candidates:
            if len(chosen) >= MAX_STATEMENTS:
                break
            tokens = set(tokenize(" ".join(unit.cells.values()) if unit.cells else unit.text))
            numbers = _values(unit.text)
            twin = next((s for toks, s in chosen if _values(s.text) == numbers and _twins(toks, tokens, numbers)), None)
            if twin is not None:
                if unit.passage not in twin.sources:
                    twin.sources.append(unit.passage)
                continue
            length = len(unit.text.split())
            if chosen and words + length > MAX_WORDS:
                continue
            chosen.append((tokens, Statement(unit.text, [unit.passage], unit.cells)))
            words += length
        return [s for _, s in chosen]

    def _beside_table(self, scored: list[tuple[float, Unit]]) -> list[Statement]:
        """The best sentences beside a dosing table: what the rows cannot say ("not recommended except
        in high-risk patients", "limited experience"), up to DOSING_PROSE of them."""
        prose = [(value, u) for value, u in scored if not u.is_dosing_row]
        if not prose or prose[0][0] <= 0:
            return []
        floor = RELATIVE_CUTOFF * prose[0][0]
        return self._select([(v, u) for v, u in prose if v >= floor][:DOSING_PROSE])

    def _whole_table(
        self, core: set[str], passages: Sequence[Passage], units: list[Unit], scored: list[tuple[float, Unit]]
    ) -> list[Statement]:
        """The rows of the first retrieved table whose heading names what is asked, after the best
        sentence of its document; empty when no small table is headed by the question's subject."""
        known = [t for t in core if t in self.idf and not t.isdigit() and len(t) > 1]
        if not known:
            return []
        subject = max(known, key=self.weight)  # the rarest word: 'carvykti' in "what's in the carvykti boxed warning"
        for position, passage in enumerate(passages):
            rows = [u for u in units if u.passage == position and u.cells]
            if not 2 <= len(rows) <= MAX_WHOLE_TABLE_ROWS:
                continue
            heading = set(tokenize(f"{passage.title} {passage.section}", parts=False))
            if subject not in heading or self.coverage(Unit("", position), passage, core) < MIN_HEADING_COVERAGE:
                continue
            # The sentences that introduce the table ("... the criteria below"), else the best of its section.
            prose = [
                u for value, u in scored if value > 0 and not u.cells and passages[u.passage].doc_id == passage.doc_id
            ]
            prose.sort(
                key=lambda u: (not TABLE_REFERENCE.search(u.text), passages[u.passage].section != passage.section)
            )
            lead = [Statement(u.text, [u.passage]) for u in prose[:WHOLE_TABLE_LEADS]]
            return [*lead, *(Statement(u.text, [u.passage], u.cells) for u in rows)]
        return []

    @staticmethod
    def _with_neighbour_grades(statements: list[Statement], units: list[Unit]) -> list[Statement]:
        """After the matching grade's row, the rows of the grades just below and above it, and one more
        statement if the answer stays within MAX_WORDS."""
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
        if sum(len(s.text.split()) for s in [best, *rest, *neighbours]) > MAX_WORDS:
            rest = []
        return [best, *rest, *neighbours]

    @staticmethod
    def _by_study(statements: list[Statement], passages: Sequence[Passage]) -> list[Statement]:
        """One line per study: a study's sentences in the order chosen, each keeping its own citations."""
        studies: dict[str, list[Statement]] = {}
        for statement in statements:
            studies.setdefault(passages[statement.sources[0]].doc_id, []).append(statement)
        return [joined(parts) for parts in studies.values()]

    @staticmethod
    def _by_evidence_strength(statements: list[Statement], passages: Sequence[Passage]) -> list[Statement]:
        """Strongest source first, each line labelled with what kind of source it is."""
        ordered = sorted(statements, key=lambda s: EVIDENCE_RANK.get(passages[s.sources[0]].doc_type, 9))
        return [replace(s, label=doc_type_label(passages[s.sources[0]].doc_type)) for s in ordered]

    def _dosing_rows(
        self, question: str, scored: list[tuple[float, Unit]], passages: Sequence[Passage]
    ) -> list[Statement]:
        """Dosing rows for the drugs (and the source) the question names, best first.

        "What does EBMT recommend?" must not be answered with another source's doses: when the
        question names a source and that source has no dosing row, there is no table.
        """
        drugs = {name for drug in entities(question).get("drug", []) for name in DRUG_CLASSES.get(drug, (drug,))}
        sources = named_sources(question)
        excluded = excluded_settings(question)
        rows: list[Statement] = []
        seen: set[tuple[str, ...]] = set()
        for value, unit in scored:
            if not unit.is_dosing_row or value <= 0 or unit.cells is None:
                continue
            passage = passages[unit.passage]
            if sources and not sources & named_sources(_describe(passage)):
                continue
            if any(pattern.search(unit.text) for pattern in excluded):
                continue
            drug_cell = unit.cells.get("drug", "").lower()
            if drugs and not any(d in drug_cell for d in drugs):
                continue
            key = tuple(unit.cells.values())
            if key in seen or unit.cells.get("dose", "").lower() in {"not stated", "not verified", ""}:
                continue
            seen.add(key)
            rows.append(Statement(unit.text, [unit.passage], unit.cells))
            if len(rows) >= MAX_DOSING_ROWS:
                break
        return rows

    @staticmethod
    def _lead_for(row: Statement) -> Statement:
        """A one-line answer above the table, built only from the top row's own cells."""
        cells = row.cells or {}
        parts = [f"{cells.get('drug', '')}: {cells.get('dose', '')}"]
        for name in ("route", "frequency"):
            if _stated(cells.get(name)):
                parts.append(cells[name])
        text = ", ".join(parts)
        if _stated(cells.get("maximum")):
            text += f"; maximum {cells['maximum']}"
        context = "; ".join(c for c in (cells.get("population"), cells.get("setting")) if c and _stated(c))
        if context:
            text += f" ({context})"
        return Statement(text[0].upper() + text[1:] + ".", list(row.sources), row.cells)


def joined(parts: Sequence[Statement], label: str = "") -> Statement:
    """One line of several sentences (a single sentence stays as it is), citing all their passages."""
    if len(parts) == 1:
        return replace(parts[0], label=label or parts[0].label)
    sources = list(dict.fromkeys(source for part in parts for source in part.sources))
    return Statement(" ".join(part.text for part in parts), sources, parts=list(parts), label=label)


def unknown_share(question: str, idf: Mapping[str, float], common_words: frozenset[str]) -> float:
    """Share of the question's weight carried by specialised words the corpus never uses.

    A word counts as specialised when neither the corpus, nor the synonym table, nor everyday English
    (the embedding model's whole-word vocabulary) knows it, and it is long enough to be a drug or
    disease name rather than shorthand ('pembrolizumab', 'warfarin', 'cytosorb'; not 'ncse', '2l').
    Such words weigh as much as the rarest indexed word, because they say what is really asked;
    other unknown words weigh nothing either way.
    """
    tokens = set(tokenize(question, parts=False))
    if not tokens:
        return 1.0
    rarest = max(idf.values(), default=1.0)
    known = set(idf) | synonym_vocabulary()

    def specialised(token: str) -> bool:
        parts = token.split("-")
        return (
            any(
                len(p) >= MIN_SPECIALISED_LENGTH and p not in known and p not in common_words and p.isalpha()
                for p in parts
            )
            and token not in known
        )

    unknown = sum(rarest for t in tokens if specialised(t))
    total = unknown + sum(max(idf.get(t, rarest), 0.05) for t in tokens if t in known)
    return unknown / total if total else 1.0


#: Ids of the form author-year-topic ('manghisi-2025-emapalumab-case'): their first word names a study.
AUTHOR_YEAR_ID = re.compile(r"^[a-z]+-(19|20)\d\d-")


def named_documents(question: str, doc_ids: set[str]) -> set[str]:
    """Documents the question names by first author ('the Manghisi case' -> its id).

    A dose question about one named study must be answered from that study, or not with a table:
    label doses shown for "the dose used in the Manghisi case" would read as the case's dose.
    """
    words = set(tokenize(question, parts=False))
    vocabulary = synonym_vocabulary()  # 'anakinra-2022-…' is named for a drug, not an author
    return {
        d for d in doc_ids if AUTHOR_YEAR_ID.match(d) and d.split("-")[0] in words - vocabulary
    }  # fmt: skip


def excluded_settings(question: str) -> list[re.Pattern[str]]:
    """Row patterns the question rules out.

    'IEC-HS-specific' rules out rows that say 'not CAR-T IEC-HS'; 'isolated ICANS' or 'without CRS'
    rules out rows for ICANS 'with concurrent CRS'.
    """
    patterns = [
        re.compile(rf"\bnot\b[^;|]{{0,30}}\b{re.escape(name)}\b", re.IGNORECASE)
        for name in entities(question).get("toxicity", [])
    ]
    if re.search(r"\bisolated\b|\bwithout crs\b|\bno crs\b", question, re.IGNORECASE):
        patterns.append(re.compile(r"\bwith (concurrent )?crs\b", re.IGNORECASE))
    return patterns


def _quoted_in(unit: Unit, answers: Sequence[str]) -> bool:
    """Whether one of the ``answers`` already quotes the unit: as a sentence, or as a table row's cells."""
    row = " | ".join(unit.cells.values()) if unit.cells else None
    return any(unit.text in answer or (row is not None and row in answer) for answer in answers)


def _describe(passage: Passage) -> str:
    return f"{passage.doc_id} {passage.title} {passage.source} {passage.section}"


def _stated(cell: str | None) -> bool:
    return bool(cell) and not cell.lower().startswith(("not stated", "not verified"))


def _values(text: str) -> set[str]:
    """The numbers of a text without their comparison signs: '<0.5' in a row is '0.5' in a sentence."""
    return {n.lstrip("<>≤≥~ ") for n in numbers_in(text)}


def _twins(a: set[str], b: set[str], values: set[str]) -> bool:
    """Two statements with the same number ``values`` say the same when their words mostly agree, one's
    words lie within the other's, or they share several numbers and most of the shorter one's words (a
    table row and the sentence that spells it out)."""
    if not a or not b:
        return False
    shared = len(a & b)
    smaller = min(len(a), len(b))
    return (
        shared / len(a | b) >= MERGE_SIMILARITY
        or shared / smaller >= MERGE_CONTAINED
        or (len(values) >= MERGE_NUMBERS and shared / smaller >= MERGE_WITH_NUMBERS)
    )
