"""The evidence shape: one line per study, strongest kind of source first, each labelled with its kind.

"Does earlier corticosteroid use reduce CRS?" is answered by what each study found; a reader weighs a
guideline above a case report, so the lines are ordered and labelled by source type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answering.declared import RESULTS, declarations
from assistant.answering.draft import Statement, joined
from assistant.answering.facets import Facets, facets_of, other_use
from assistant.answering.question import Asked, ParsedQuestion, prophylactic
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import CORPUS_NOTE, GIVES_RATE
from assistant.answering.shapes.prose import for_another_patient_or_scale, patient_and_scales, where_from
from assistant.answering.units import Unit, stated
from assistant.conversation import entities
from assistant.documents import SINGLE_STUDY_TYPES, doc_type_label
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.tables import is_dosing_header

#: A sentence on what the corpus lacks ("no emapalumab dose ... is established in this corpus; ... cannot be
#: used as a source", "the table, as captured, gives no outcome") or on what a study cannot show ("a single
#: patient, so the response cannot be generalized") or on what a source gives none of ("the ASCO footnotes give no
#: doses for anakinra ...", "the abstract gives no thresholds") is no study's finding.
NOT_A_FINDING = re.compile(
    r"\bin this corpus\b|cannot be used as a source|\bas captured\b|cannot be generalized|\bgives? no\b",
    re.IGNORECASE,
)

#: Evidence answers put the strongest source first; lower is stronger.
EVIDENCE_RANK = {
    "guideline": 0, "consensus": 0, "label": 1, "regulatory": 1, "trial": 2, "cohort": 3,
    "case-series": 4, "case-report": 5, "review": 6, "local": 7,
}  # fmt: skip
#: The source types whose findings are evidence for a question's setting: labels, regulatory notices and
#: reviews quoted beside them are not, so an answer citing only case reports and those is case-level evidence.
STUDY_TYPES = frozenset({"guideline", "consensus", *SINGLE_STUDY_TYPES})


def by_study(statements: list[Statement], passages: Sequence[Passage]) -> list[Statement]:
    """One line per study: a study's sentences in the order chosen, each keeping its own citations."""
    studies: dict[str, list[Statement]] = {}
    for statement in statements:
        studies.setdefault(passages[statement.sources[0]].doc_id, []).append(statement)
    return [joined(parts) for parts in studies.values()]


def other_studies(
    chosen: list[Statement],
    candidates: list[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    rules: ComposerRules,
) -> list[Statement]:
    """``chosen`` with a line for each other study among ``candidates`` (its best finding, for the patient
    asked about), up to ``rules.evidence_extra_studies``: "anakinra for steroid-refractory ICANS?" names
    Gazeau beside Wehrli even when Wehrli's sentences score higher than Gazeau's best one, within
    ``rules.evidence_max_words``."""
    quoted = {passages[s.sources[0]].doc_id for s in chosen}
    patient = patient_and_scales(parsed)
    extra: list[Statement] = []
    for _, unit in candidates:
        doc_id = passages[unit.passage].doc_id
        if len(extra) >= rules.evidence_extra_studies:
            break
        if doc_id in quoted or not _a_finding(unit) or for_another_patient_or_scale(unit, patient, passages):
            continue
        quoted.add(doc_id)
        extra.append(Statement(unit.text, [unit.passage], unit.cells))
    while extra and _words(chosen + extra) > rules.evidence_max_words:
        extra.pop()
    return chosen + extra


#: A sentence giving a study's whole size: "the cohort included 43 patients", "the cohort of 38 children", "(n=40)";
#: "40 patients received anakinra for ICANS" is a part of it.
STUDY_SIZE = re.compile(r"\b(?:included|enrolled|cohort of|series of|study of) \d+\b|\bn\s*=\s*\d+", re.IGNORECASE)
#: A sentence giving what a study found on efficacy (survival, response, resolution) and one giving what it found on
#: safety (a severe toxicity's rate, none of a grade, "feasible and safe"); a change in a laboratory value or a
#: temperature is a finding, but on neither.
EFFICACY = re.compile(
    r"\bsurvival\b|\bdied\b|\brespon(?:ded|se rate)\b|\bcomplete response\b|\bremission\b|\bresolved\b|\bimproved\b",
    re.IGNORECASE,
)
SAFETY = re.compile(
    r"\bmortality\b|\bdeaths?\b|\bfeasible\b|\bsafe\b|grade ≥\s*3 [^.]*\boccurred\b|\bno patient had\b", re.IGNORECASE
)


def whole_studies(
    statements: list[Statement],
    scored: list[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    rules: ComposerRules,
) -> list[Statement]:
    """``statements`` with each quoted study's size and endpoints added when its line lacks them: its best-scored
    sentence giving how many patients it had, and its best giving what it found on efficacy and on safety. Within
    ``rules.evidence_max_words``, they take the place of dosing rows (how a drug was given is not what was found).

    "what's the evidence for anakinra in steroid-refractory ICANS?" quotes the Gazeau line on the 40 patients
    treated for ICANS; a reader weighs the study by its size (43 patients, 9 institutions) and by what it
    concluded (feasible and safe), sentences that share fewer of the question's words.
    """
    patient = patient_and_scales(parsed)
    said = {s.text for s in statements}
    added: list[Statement] = []
    out: list[Statement] = []
    for position, statement in enumerate(statements):
        out.append(statement)
        passage = passages[statement.sources[0]]
        if passage.doc_type not in SINGLE_STUDY_TYPES or any(
            passages[s.sources[0]].doc_id == passage.doc_id for s in statements[position + 1 :]
        ):
            continue  # a study gains its missing parts once, after its last sentence
        line = " ".join(s.text for s in out if passages[s.sources[0]].doc_id == passage.doc_id)
        units = [
            u for _, u in scored
            if passages[u.passage].doc_id == passage.doc_id and u.text not in said and not u.cells
            and _a_finding(u) and not for_another_patient_or_scale(u, patient, passages)
        ]  # fmt: skip
        for role in (STUDY_SIZE, EFFICACY, SAFETY):
            if role.search(line):
                continue  # the line already says it
            found = next((u for u in units if u.text not in said and role.search(u.text)), None)
            if found is None:
                continue
            added.append(Statement(found.text, [found.passage]))
            out.append(added[-1])
            said.add(found.text)
            line += " " + found.text
    dosing_rows = [s for s in reversed(out) if s.cells is not None and is_dosing_header(tuple(s.cells))]
    for dropped in [*dosing_rows, *reversed(added)]:
        if _words(out) <= rules.evidence_max_words:
            break
        out.remove(dropped)
    return out


def unreported_results(named: set[str], units: Sequence[Unit], passages: Sequence[Passage]) -> Statement | None:
    """The sentence declaring that the results of a study the question names (``named``) were not captured, if
    its document declares so: "what did the Strati phase 1 trial show?" is first told that, before the trial's
    rationale and the background rates it cites can read as its findings."""
    for topic, unit in declarations(units, passages):
        if passages[unit.passage].doc_id in named and RESULTS.search(topic):
            return Statement(unit.text, [unit.passage])
    return None


def _a_finding(unit: Unit) -> bool:
    """Whether ``unit`` says what a study found: not a dosing row without a dose, nor a note on the corpus."""
    if unit.is_dosing_row and not stated(unit.cells.get("dose")):
        return False
    return not (CORPUS_NOTE.search(unit.text) or NOT_A_FINDING.search(unit.text))


def _words(statements: list[Statement]) -> int:
    """Words the statements share."""
    return sum(len(s.text.split()) for s in statements)


def by_evidence_strength(
    statements: list[Statement], passages: Sequence[Passage], rules: ComposerRules
) -> list[Statement]:
    """What studies found first, strongest source first, then what labels, regulatory notices and reviews say
    (``rules.evidence_strength_first``), each line labelled with what kind of source it is."""
    ordered = statements
    if rules.evidence_strength_first:
        ordered = sorted(statements, key=lambda s: _strength(passages[s.sources[0]].doc_type))
    return [replace(s, label=doc_type_label(passages[s.sources[0]].doc_type)) for s in ordered]


def _strength(doc_type: str) -> tuple[bool, int]:
    """Sort key: a study before a source quoted beside it (``STUDY_TYPES``), then by ``EVIDENCE_RANK``."""
    return doc_type not in STUDY_TYPES, EVIDENCE_RANK.get(doc_type, 9)


def findings(
    candidates: list[tuple[float, Unit]],
    asked: Asked,
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    rules: ComposerRules,
) -> list[tuple[float, Unit]]:
    """The candidates an evidence answer quotes from, best first: what was found with the drug and product
    asked about.

    "Any data on emapalumab for refractory CRS in kids?" is not answered by an anakinra dosing row that
    shares its other words: a unit naming only other drugs is evidence about them, and one naming none is
    evidence about the drug only in a document or section on it. "Kymriah kids with
    HLH-like toxicity, outcomes data?" is not answered by the emapalumab label's MAS trials: when the question
    names a CAR-T product and no drug, a unit whose text and document name none of it is evidence about something
    else (a drug's studies often span products, so a drug question keeps them).
    A question asking how often ("response rates for …") gets the sentences that give a rate before those
    that describe the study, in score order within each group.
    """
    if rules.evidence_drug_only and parsed.drugs:
        drugs = lexicon().with_members(parsed.drugs)  # steroids: dexamethasone, ...
        kept = [(v, u) for v, u in candidates if _about_drug(u, passages[u.passage], drugs)]
        candidates = kept or candidates
    if rules.evidence_product_only and parsed.products and not parsed.drugs:
        products = set(parsed.products)
        kept = [(v, u) for v, u in candidates if _about_product(u, passages[u.passage], products)]
        candidates = kept or candidates
    if rules.evidence_setting_only:
        # "anakinra for steroid-refractory ICANS?" is not answered by a prophylaxis trial, nor "anakinra ppx data?"
        # by a cohort treating refractory toxicity.
        kept = [(v, u) for v, u in candidates if not other_use(parsed, study_facets(u, passages[u.passage]))]
        candidates = kept or candidates
    if rules.evidence_findings_only:
        # "No emapalumab dose is established in this corpus" says what the corpus lacks, not what a study found.
        candidates = [(v, u) for v, u in candidates if not NOT_A_FINDING.search(u.text)] or candidates
    if rules.provenance_after_lead and candidates and not where_from(candidates[0][1], passages):
        # "The Oluwole 2021 report describes ZUMA-1 cohort 6, published in ..." is where a finding comes from: the
        # citation says it, and the words go to what the study found (a question on a source is led by one).
        candidates = [(v, u) for v, u in candidates if not where_from(u, passages)] or candidates
    if rules.evidence_rates_first and asked.wants_rate:
        candidates = sorted(candidates, key=lambda pair: not GIVES_RATE.search(pair[1].text))
    return candidates


def study_facets(unit: Unit, passage: Passage) -> Facets:
    """A unit's facets, where a single study whose title says it gave the drug to prevent toxicity ("Prophylactic
    anakinra with axi-cel: pilot study") makes each of its lines prophylaxis, though the line does not say so ("in
    cohort 1, anakinra was given from day 2"). "Relapsed or refractory lymphoma" in a title is the disease, not a
    use, so only prevention is read from it."""
    facets = facets_of(unit, passage.doc_type, passage.year)
    if facets.use is None and passage.doc_type in SINGLE_STUDY_TYPES and prophylactic(passage.title):
        return replace(facets, prophylaxis=True)
    return facets


def _about_drug(unit: Unit, passage: Passage, drugs: frozenset[str]) -> bool:
    """Whether ``unit`` names one of ``drugs``, or names no drug in a document or section that does ("the Zhang
    cohort included 38 children" in an emapalumab study; not the Yescarta label's neurotoxicity rate)."""
    named = set(entities(unit.text).get("drug", []))
    if named:
        return bool(named & drugs)
    return bool(set(entities(f"{passage.title} {passage.section}").get("drug", [])) & drugs)


def _about_product(unit: Unit, passage: Passage, products: set[str]) -> bool:
    """Whether ``unit``, its document's title or its section names one of the CAR-T ``products``."""
    text = f"{unit.text} {passage.title} {passage.section}"
    return bool(set(entities(text).get("product", [])) & products)
