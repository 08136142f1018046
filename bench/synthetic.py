"""A deterministic synthetic corpus of clinical prose on other topics, to ingest beside the real one.

    .venv/bin/python -m bench.synthetic --chunks 10000 --out /tmp/synthetic

Document ``i`` depends on ``i`` alone, so a larger corpus contains every document of a smaller one
(scale runs add documents instead of rebuilding). Each document has SECTIONS sections of 5-8
sentences (one chunk each, 600-1100 characters, like the real corpus), every fifth one a dosing
table. The distractors are deliberately hard: they reuse the real corpus's drugs (tocilizumab in
rheumatoid arthritis and COVID-19, dexamethasone in meningitis, levetiracetam in status epilepticus)
and words (fever, hypotension, grade, mg/kg), but never CAR-T, CRS, ICANS or IEC-HS. No network,
no model: word lists and a seeded random generator.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

from assistant.tables import DOSING_COLUMNS

#: Sections (= chunks) per synthetic document.
SECTIONS = 10
COLLECTION = "synthetic"


@dataclass(frozen=True)
class Topic:
    """A clinical area with its drugs (name, dose, route, frequency) and its vocabulary."""

    condition: str
    drugs: tuple[tuple[str, str, str, str], ...]
    complications: tuple[str, ...]
    tests: tuple[str, ...]


TOPICS = (
    Topic(
        "rheumatoid arthritis",
        (("tocilizumab", "8 mg/kg", "IV", "every 4 weeks"), ("methotrexate", "15 mg", "oral", "once weekly"),
         ("tocilizumab", "162 mg", "subcutaneous", "every week")),
        ("serious infection", "neutropenia", "raised transaminases", "gastrointestinal perforation"),
        ("ALT", "neutrophil count", "lipid profile", "CRP"),
    ),
    Topic(
        "COVID-19 pneumonia",
        (("dexamethasone", "6 mg", "oral or IV", "once daily for 10 days"),
         ("tocilizumab", "8 mg/kg", "IV", "single dose"), ("remdesivir", "200 mg", "IV", "loading dose")),
        ("hypoxia", "secondary bacterial infection", "venous thromboembolism", "delirium"),
        ("oxygen saturation", "ferritin", "D-dimer", "chest radiograph"),
    ),
    Topic(
        "bacterial meningitis",
        (("dexamethasone", "0.15 mg/kg", "IV", "every 6 h for 4 days"), ("ceftriaxone", "2 g", "IV", "every 12 h"),
         ("amoxicillin", "2 g", "IV", "every 4 h")),
        ("seizures", "hearing loss", "raised intracranial pressure", "hypotension"),
        ("lumbar puncture", "blood culture", "CT head", "glucose"),
    ),
    Topic(
        "status epilepticus",
        (("levetiracetam", "60 mg/kg", "IV", "single loading dose"), ("lorazepam", "4 mg", "IV", "may repeat once"),
         ("phenytoin", "20 mg/kg", "IV", "loading dose")),
        ("respiratory depression", "aspiration", "hypotension", "rhabdomyolysis"),
        ("EEG", "glucose", "antiepileptic drug levels", "sodium"),
    ),
    Topic(
        "febrile neutropenia after chemotherapy",
        (("piperacillin-tazobactam", "4.5 g", "IV", "every 6 h"), ("cefepime", "2 g", "IV", "every 8 h"),
         ("filgrastim", "5 micrograms/kg", "subcutaneous", "once daily")),
        ("septic shock", "fungal infection", "mucositis", "hypotension"),
        ("blood culture", "lactate", "neutrophil count", "chest radiograph"),
    ),
    Topic(
        "diabetic ketoacidosis",
        (("insulin", "0.1 units/kg/h", "IV", "fixed-rate infusion"), ("potassium chloride", "40 mmol", "IV",
         "per litre of fluid"), ("sodium chloride 0.9%", "1 L", "IV", "over 1 h")),
        ("hypokalaemia", "cerebral oedema", "hypoglycaemia", "acute kidney injury"),
        ("capillary ketones", "venous pH", "potassium", "glucose"),
    ),
    Topic(
        "giant cell arteritis",
        (("prednisolone", "1 mg/kg", "oral", "once daily"), ("tocilizumab", "162 mg", "subcutaneous", "every week"),
         ("methylprednisolone", "500 mg", "IV", "daily for 3 days")),
        ("visual loss", "stroke", "steroid-induced diabetes", "osteoporosis"),
        ("ESR", "temporal artery biopsy", "ultrasound", "CRP"),
    ),
    Topic(
        "acute asthma",
        (("prednisolone", "40 mg", "oral", "once daily for 5 days"), ("magnesium sulfate", "2 g", "IV",
         "over 20 min"), ("salbutamol", "5 mg", "nebulised", "every 15-30 min")),
        ("respiratory failure", "pneumothorax", "hypokalaemia", "exhaustion"),
        ("peak flow", "arterial blood gas", "oxygen saturation", "potassium"),
    ),
    Topic(
        "septic shock",
        (("norepinephrine", "0.05 micrograms/kg/min", "IV", "titrated to MAP"), ("hydrocortisone", "50 mg", "IV",
         "every 6 h"), ("meropenem", "1 g", "IV", "every 8 h")),
        ("multi-organ failure", "arrhythmia", "hypotension", "disseminated intravascular coagulation"),
        ("lactate", "blood culture", "urine output", "procalcitonin"),
    ),
    Topic(
        "juvenile idiopathic arthritis",
        (("tocilizumab", "12 mg/kg", "IV", "every 2 weeks"), ("tocilizumab", "8 mg/kg", "IV", "every 2 weeks"),
         ("methotrexate", "15 mg/m2", "subcutaneous", "once weekly")),
        ("macrophage activation syndrome", "infection", "neutropenia", "infusion reaction"),
        ("ferritin", "neutrophil count", "ALT", "fibrinogen"),
    ),
    Topic(
        "acute gout",
        (("colchicine", "500 micrograms", "oral", "two to four times daily"), ("naproxen", "500 mg", "oral",
         "twice daily"), ("prednisolone", "30 mg", "oral", "once daily for 5 days")),
        ("renal impairment", "diarrhoea", "recurrent flares", "tophi"),
        ("serum urate", "joint aspiration", "creatinine", "CRP"),
    ),
    Topic(
        "heart failure exacerbation",
        (("furosemide", "40 mg", "IV", "twice daily"), ("bisoprolol", "1.25 mg", "oral", "once daily"),
         ("spironolactone", "25 mg", "oral", "once daily")),
        ("hyperkalaemia", "acute kidney injury", "hypotension", "arrhythmia"),
        ("BNP", "echocardiogram", "potassium", "daily weight"),
    ),
)  # fmt: skip

BODIES = ("National", "Regional", "Hospital", "Society", "Network", "Working group", "Consortium", "Trust")
ASPECTS = (
    "first-line treatment", "dose adjustment", "monitoring", "complications", "supportive care",
    "special populations", "escalation", "evidence", "discharge planning", "follow-up",
)  # fmt: skip
POPULATIONS = ("adults", "older adults", "children", "adolescents", "pregnant women", "patients with renal impairment")
STUDIES = ("retrospective cohort", "randomised trial", "prospective registry", "single-centre audit", "case series")
TEAMS = (
    "the admitting team",
    "a consultant",
    "the specialist nurse",
    "the pharmacist",
    "the critical care outreach team",
)
DOC_TYPES = ("guideline", "review", "cohort", "consensus")
#: The standard dosing table's header and rule, from its one definition.
DOSING_HEADER = "| " + " | ".join(DOSING_COLUMNS) + " |\n|" + "---|" * len(DOSING_COLUMNS)


def _sentence(rng: random.Random, topic: Topic) -> str:
    drug, dose, route, frequency = rng.choice(topic.drugs)
    condition, population = topic.condition, rng.choice(POPULATIONS)
    complication, test = rng.choice(topic.complications), rng.choice(topic.tests)
    templates = (
        f"In {population} with {condition}, {drug} is given at {dose} {route} {frequency}.",
        f"{test} should be checked every {rng.choice((4, 6, 8, 12, 24))} h during the first days of {condition}.",
        f"A {rng.choice(STUDIES)} of {rng.randint(20, 900)} patients with {condition} reported {complication} "
        f"in {rng.randint(2, 45)}% of patients.",
        f"Grade {rng.randint(1, 4)} {complication} in {condition} was managed with {drug} and supportive care.",
        f"Patients with {condition} and fever above {rng.choice(('38', '38.5', '39'))} °C should be reviewed by "
        f"{rng.choice(TEAMS)} within {rng.choice((1, 2, 4))} h.",
        f"{drug.capitalize()} should be stopped if {complication} develops during treatment of {condition}.",
        f"The {condition} pathway asks for {test} before the first dose of {drug} in {population}.",
        f"Hypotension during {condition} is treated with fluids first, then review by {rng.choice(TEAMS)}.",
    )
    sentence = rng.choice(templates)
    return sentence[0].upper() + sentence[1:]


def _table(rng: random.Random, topic: Topic) -> str:
    rows = []
    for drug, dose, route, frequency in rng.sample(topic.drugs, k=2):
        population = rng.choice(POPULATIONS)
        rows.append(
            f"| {drug} | {dose} | {route} | {frequency} | not stated | {population} | {topic.condition} | guideline |"
        )
    return "\n".join([DOSING_HEADER, *rows])


def document(i: int) -> tuple[str, str]:
    """(file name, markdown) of synthetic document ``i``."""
    rng = random.Random(i)
    topic = TOPICS[i % len(TOPICS)]
    year = 2000 + rng.randint(0, 25)
    title = f"{rng.choice(BODIES)} guidance on {topic.condition} ({year}, no. {i})"
    doc_id = f"synthetic-{i:06d}"
    front = (
        f'---\nid: {doc_id}\ntitle: "{title}"\nauthors: []\nsource: Synthetic benchmark\nyear: {year}\n'
        f"doc_type: {rng.choice(DOC_TYPES)}\nurl: https://example.org/synthetic/{i}\nproducts: []\ntopics: []\n"
        f"evidence: review\ncollection: {COLLECTION}\n---\n\n# {title}\n"
    )
    sections = []
    for number, aspect in enumerate(ASPECTS[:SECTIONS]):
        heading = f"## {topic.condition[0].upper()}{topic.condition[1:]}: {aspect} (document {i})"
        if number % 5 == 4:
            body = _table(rng, topic)
        else:
            body = " ".join(_sentence(rng, topic) for _ in range(rng.randint(5, 8)))
        sections.append(f"{heading}\n\n{body}\n")
    return f"{doc_id}.md", front + "\n" + "\n".join(sections)


def write_corpus(out: Path, chunks: int) -> int:
    """Write the documents for about ``chunks`` chunks into ``out`` (existing ones are kept); returns the count."""
    out.mkdir(parents=True, exist_ok=True)
    count = max(1, chunks // SECTIONS)
    for i in range(count):
        name, text = document(i)
        path = out / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    documents = write_corpus(args.out, args.chunks)
    print(f"{documents} documents (~{documents * SECTIONS} chunks) in {args.out}")


if __name__ == "__main__":
    main()
