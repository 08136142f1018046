"""Domain synonyms and abbreviations that the general-purpose embedding model does not know.

Each group lists terms a clinician uses for the same thing; a query naming one is expanded with the
others, so "Gamifant" finds passages that say "emapalumab" and "ICANS" finds "neurotoxicity".
Sources: the abbreviation list of the corpus brief, the product labels' brand/generic names and the
ASTCT/ASCO terminology. Keep groups tight: a loose synonym floods BM25 with unrelated passages.
"""

from __future__ import annotations

import re
from functools import lru_cache

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # Toxicities
    ("crs", "cytokine release syndrome"),
    (
        "icans",
        "immune effector cell-associated neurotoxicity syndrome",
        "neurotoxicity",
        "neurologic toxicity",
        "neurologic events",
        "cres",
        "neurotox",
        "neuro",
    ),
    (
        "iec-hs",
        "hlh-like",
        "carhlh",
        "mas",
        "macrophage activation syndrome",
        "hemophagocytic lymphohistiocytosis-like",
    ),
    ("hlh", "hemophagocytic lymphohistiocytosis"),
    ("icaht", "hematotoxicity", "prolonged cytopenia"),
    ("ice score", "immune effector cell-associated encephalopathy", "cartox-10"),
    ("pjp", "pcp", "pneumocystis"),
    ("vasopressors", "vasopressor", "pressors", "pressor"),
    ("hypoxia", "oxygen", "o2", "supplemental oxygen"),
    ("g-csf", "filgrastim", "granulocyte colony-stimulating factor"),
    ("ivig", "intravenous immunoglobulin", "immunoglobulin"),
    ("rems", "risk evaluation and mitigation strategy"),
    ("seizure prophylaxis", "anti-seizure prophylaxis", "antiepileptic prophylaxis"),
    # CAR-T products: brand, short name, generic name, pivotal trial code
    ("axi-cel", "axicabtagene ciloleucel", "yescarta"),
    ("tisa-cel", "tisagenlecleucel", "kymriah"),
    ("liso-cel", "lisocabtagene maraleucel", "breyanzi"),
    ("brexu-cel", "brexucabtagene autoleucel", "tecartus", "kte-x19"),
    ("ide-cel", "idecabtagene vicleucel", "abecma"),
    ("cilta-cel", "ciltacabtagene autoleucel", "carvykti"),
    ("obe-cel", "obecabtagene autoleucel", "aucatzyl"),
    # Drugs: generic, brand, class shorthand
    ("tocilizumab", "actemra", "toci"),
    ("emapalumab", "gamifant", "anti-ifn-γ", "interferon-gamma blockade"),
    ("anakinra", "kineret", "il-1 receptor antagonist"),
    ("siltuximab", "sylvant"),
    ("ruxolitinib", "jakafi", "jak inhibitor"),
    ("levetiracetam", "keppra"),
    ("dexamethasone", "decadron", "dex"),
    ("methylprednisolone", "solu-medrol", "solumedrol", "methylpred", "mp"),
    ("corticosteroids", "corticosteroid", "steroids", "steroid", "glucocorticoids"),
    ("maximum", "max", "ceiling", "cap"),
    ("prophylaxis", "prophylactic", "ppx"),
    ("tmp-smx", "trimethoprim-sulfamethoxazole", "co-trimoxazole", "bactrim"),
    # Clinicians' shorthand for drugs and findings the corpus names in full
    ("lorazepam", "ativan"),
    ("etoposide", "vp-16", "etopophos"),
    ("acetaminophen", "paracetamol", "tylenol"),
    ("atg", "antithymocyte globulin", "anti-thymocyte globulin"),
    ("haloperidol", "haldol"),
    ("phenobarbital", "phenobarb"),
    ("norepinephrine", "norepi", "levophed"),
    ("non-convulsive status epilepticus", "ncse", "nonconvulsive status"),
    ("secondary hlh", "shlh", "reactive hlh"),
    ("fever", "febrile"),
    ("soluble cd25", "scd25", "soluble il-2 receptor", "sil-2r"),
    ("cut-off", "cutoff", "threshold"),
    ("gm-csf", "sargramostim"),
    ("nasal cannula", "nc"),
    # Everyday words for a course the corpus words otherwise ("make neurotox worse" -> "worsen ICANS")
    ("worsen", "worsens", "worsening", "worse"),
    # Populations
    ("pediatric", "paediatric", "children", "child", "kids", "peds"),
)


#: Bodies that issue guidelines, consensus statements, labels and safety communications, each with the
#: names a question or a document's metadata may give them. A question that says "NCCN says" or "per
#: ASCO" asks what that body's documents say; US prescribing information is FDA-approved labelling.
SOURCE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("nccn", "national comprehensive cancer network"),
    ("asco", "american society of clinical oncology"),
    ("astct", "american society for transplantation and cellular therapy"),
    ("ebmt", "european society for blood and marrow transplantation"),
    ("eha", "european hematology association"),
    ("jacie", "joint accreditation committee isct-ebmt"),
    ("sitc", "society for immunotherapy of cancer"),
    ("ash", "american society of hematology"),
    ("fda", "food and drug administration", "prescribing information"),
    ("ficm", "faculty of intensive care medicine"),
    ("cibmtr", "center for international blood and marrow transplant research"),
    ("uptodate",),
    ("cartox",),  # MD Anderson's CAR-T toxicity program (Neelapu 2018)
    ("stanford",),  # the Stanford CAR19 supportive care protocol
)


@lru_cache(maxsize=1)
def _source_patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """One pattern per source group, compiled once: any of its names as a whole word."""
    return tuple(
        (re.compile(rf"(?<![a-z0-9])(?:{'|'.join(re.escape(term) for term in group)})(?![a-z0-9])"), group)
        for group in SOURCE_GROUPS
    )


def mentioned_sources(text: str) -> list[tuple[str, ...]]:
    """Every source group ``text`` names ('NCCN says …' -> the NCCN group); '-' counts as a word boundary."""
    text = normalize(text)
    return [group for pattern, group in _source_patterns() if pattern.search(text)]


def group_of(canonical: str) -> tuple[str, ...]:
    """The synonym group whose first term is ``canonical`` (just the term when it has none)."""
    return next((g for g in SYNONYM_GROUPS if g[0] == canonical), (canonical,))


@lru_cache(maxsize=1)
def synonym_vocabulary() -> frozenset[str]:
    """Every word of every synonym term: words Carta understands even where the corpus never uses them."""
    return frozenset(word for group in SYNONYM_GROUPS for term in group for word in re.findall(r"[\w-]+", term))


@lru_cache(maxsize=4096)
def related_words(word: str) -> frozenset[str]:
    """Words of every synonym term in the groups that contain ``word`` ('toci' -> tocilizumab, actemra, …)."""
    related: set[str] = set()
    for group in SYNONYM_GROUPS:
        words = {w for term in group for w in re.findall(r"[\w-]+", term)}
        if word in words:
            related |= words
    return frozenset(related)


#: Clinical shorthand spelled out before retrieval: "G3" -> "grade 3", "q12h" -> "every 12 h".
SHORTHAND = (
    (re.compile(r"\bG([1-5])\b"), r"grade \1"),
    (re.compile(r"\bq\s?(\d{1,2})\s?h?\b", re.IGNORECASE), r"every \1 h"),
    (re.compile(r"-(specific|related|associated|directed)\b", re.IGNORECASE), r" \1"),
    # "pt"/"pts" for patient(s), but not "PT" (prothrombin time, as in "PT/INR").
    (re.compile(r"\b[Pp]ts\b(?![/-])"), "patients"),
    (re.compile(r"\b[Pp]t\b(?![/-])"), "patient"),
    (re.compile(r"\bw/o\b", re.IGNORECASE), "without"),
)


def spell_out(text: str) -> str:
    """The text with clinical shorthand written out, so both retrievers and the composer can match it."""
    for pattern, replacement in SHORTHAND:
        text = pattern.sub(replacement, text)
    return text


def normalize(text: str) -> str:
    """Lower case with typographic dashes folded, so 'IEC‑HS' and 'iec-hs' match."""
    return re.sub(r"[‐‑‒–—]", "-", text.lower())


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    compiled = []
    for group in SYNONYM_GROUPS:
        alternatives = "|".join(re.escape(term) for term in sorted(group, key=len, reverse=True))
        compiled.append((re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), group))
    return tuple(compiled)


def expansion_groups(query: str) -> list[list[str]]:
    """For every group the query mentions, the group's terms the query does not already use."""
    text = normalize(query)
    groups: list[list[str]] = []
    for pattern, group in _patterns():
        if pattern.search(text):
            missing = [term for term in group if not re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text)]
            if missing:
                groups.append(missing)
    return groups


def expansions(query: str) -> list[str]:
    """Terms to add to ``query``: the other members of every group the query mentions."""
    return [term for group in expansion_groups(query) for term in group]


def canonical_additions(query: str) -> list[str]:
    """The canonical (first) term of each group the query mentions only by another name."""
    missing = set(expansions(query))
    return [group[0] for group in SYNONYM_GROUPS if group[0] in missing]


def expand(query: str) -> str:
    """The query with the canonical names it lacks ('Gamifant' -> 'Gamifant (emapalumab)').

    The dense side gets only canonical names: a full list of synonyms drags the embedding towards
    whatever the synonyms have in common (measured: 'emapalumab adult IEC-HS' then ranked the
    general IEC-HS consensus above the emapalumab case report). BM25 gets the full expansion.
    """
    extra = canonical_additions(query)
    return f"{query} ({'; '.join(extra)})" if extra else query


def mentioned_groups(query: str) -> list[tuple[str, ...]]:
    """Every synonym group the query mentions, whole (the query's own term included)."""
    text = normalize(query)
    return [group for pattern, group in _patterns() if pattern.search(text)]
