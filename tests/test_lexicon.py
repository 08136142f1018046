"""The clinical lexicon is data: the built-in files load, and a hospital's file extends them."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation import entities
from assistant.errors import ConfigError
from assistant.lexicon import lexicon, load_lexicon, use_lexicon
from assistant.retrieval.synonyms import asked_terms, expansions, spell_out


@pytest.fixture
def restore_lexicon():
    yield
    use_lexicon(None)


def test_built_in_lexicon_reads_shorthand_drugs_and_products() -> None:
    lex = load_lexicon()
    assert "keppra" in lex.group_of("levetiracetam")
    assert lex.members("corticosteroids")[0] == "dexamethasone"
    assert "axi-cel" in lex.entity_names("product")
    assert not set(lex.entity_names("drug")) & set(lex.entity_names("toxicity"))


def test_a_hospital_file_extends_a_group_and_adds_an_entity(tmp_path: Path, restore_lexicon: None) -> None:
    extra = tmp_path / "ours.yaml"
    extra.write_text(
        "groups:\n"
        "  - {kind: drug, terms: [tocilizumab, tcz]}\n"
        "  - {kind: drug, terms: [clazakizumab, clazak]}\n"
        "rewrites:\n"
        "  - {pattern: '\\bSR\\b', replace: 'steroid-refractory'}\n"
        "ask_terms:\n"
        "  classify: 'grading criteria'\n"
    )
    use_lexicon(extra)
    assert entities("tcz dose?")["drug"] == ["tocilizumab"]
    assert entities("clazak for CRS")["drug"] == ["clazakizumab"]
    assert "tocilizumab" in expansions("tcz for grade 2 CRS")
    assert spell_out("SR ICANS") == "steroid-refractory ICANS"
    assert asked_terms("CRS grade?") == ["grading", "criteria"]
    use_lexicon(None)
    assert "drug" not in entities("clazak for CRS")
    assert lexicon().group_of("tocilizumab") == ("tocilizumab", "actemra", "toci")


def test_a_bad_lexicon_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  - {kind: organ, terms: [liver]}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_lexicon(bad)
    bad.write_text("rewrites:\n  - {pattern: '(unclosed', replace: x}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_lexicon(bad)


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("gr4 CRS", "grade 4 CRS"),
        ("gr 2 crs", "grade 2 crs"),
        ("g3 ICANS", "grade 3 ICANS"),
        ("grade II ICANS tx", "grade 2 ICANS treatment"),
        ("rates gr≥3 CRS", "rates grade ≥3 CRS"),
        ("rates gr>2 CRS", "rates grade ≥3 CRS"),
        ("grade >3 ICANS", "grade ≥4 ICANS"),
        ("IEC-HS dx criteria", "IEC-HS diagnosis criteria"),
        ("fever w/ hypotension", "fever with hypotension"),
        ("1 g/day, PT/INR", "1 g/day, PT/INR"),
        ("still febrile >3d, wk 2", "still febrile >3 days, week 2"),
        ("3D imaging, CD19", "3D imaging, CD19"),
        ("zuma1 and ZUMA 2 vs ZUMA-3", "zuma-1 and ZUMA-2 vs ZUMA-3"),
        ("dex q6 or q12 for G3 CRS?", "dex every 6 h or every 12 h for grade 3 CRS?"),
        ("toci q8h", "toci every 8 h"),
        ("ICE out of how many?", "ICE maximum points?"),
        ("ICE score — total possible?", "ICE score — maximum points?"),
        ("HScore cutoffs? CAPD cut off", "HScore cutoff? CAPD cutoff"),  # no document writes the plural
        ("how soon can a T-cell malignancy develop?", "how soon (onset) can a T-cell malignancy develop?"),
        ("how soon can we start G-CSF?", "how soon can we start G-CSF?"),  # a drug's time, no onset
        ("rates out of how many patients?", "rates out of how many patients?"),
        ("abecma ≥G3 CRS", "abecma grade ≥3 CRS"),
        ("abecma ≥ gr 3 CRS", "abecma grade ≥3 CRS"),
        ("abecma gr3+ CRS", "abecma grade ≥3 CRS"),
        ("abecma grade 3 or higher CRS", "abecma grade ≥3 CRS"),
        ("grade 3 or worse ICANS — how do we manage it?", "grade ≥3 ICANS — how do we manage it?"),
        ("grade 3 + ICANS dex", "grade 3 + ICANS dex"),
        ("capd cut off", "capd cutoff"),
        ("keppra maint, 15 yr f/u", "keppra maintenance, 15 years follow-up"),
        ("B cells at 1 yr? 3 mo out, 6mos", "B cells at 1 year? 3 months out, 6 months"),
        ("mo? mom? 10 mg", "mo? mom? 10 mg"),
        ("no response 24h after toci, fever >48hrs", "no response 24 h after toci, fever >48 h"),
        ("pH 7.2, H2O", "pH 7.2, H2O"),
        ("vaccines post car t?", "vaccines post CAR-T?"),
        ("kymriah PI, USPI or package insert; pi, PID", "kymriah label, label or label; pi, PID"),
        ("CAR T cells, CAR T-cell therapy", "CAR T cells, CAR T-cell therapy"),
        ("when can she get back behind the wheel?", "when can she driving?"),
        ("no toci available — what else?", "instead of toci (shortage) — what else?"),
        ("can't get actemra, options?", "instead of actemra (shortage), options?"),
        ("siltuximab unavailable here", "instead of siltuximab (shortage) here"),
        ("steroid-sparing option for ICANS?", "sparing steroid option for ICANS?"),
        ("out of toci on the ward, CRS?", "instead of toci (shortage) on the ward, CRS?"),
        ("3 out of 10 pts had CRS; moved out of the ICU", "3 out of 10 patients had CRS; moved out of the ICU"),
        ("when can pt go home after kymriah?", "when can patient leave the area (go home) after kymriah?"),
        ("what labs go into CAR-HEMATOTOX?", "what labs go into CAR-HEMATOTOX?"),
        ("how close does pt need to live after car-t?", "how near does patient need to stay after car-t?"),
        ("does the pt have to live near the center?", "does the patient need to stay near the center?"),
        ("how far apart should toci doses be?", "how far apart should toci doses be?"),
        ("what premeds before car-t infusion? pre-meds?", "what premedication before car-t infusion? premedication?"),
        ("IgG replacement threshold? SCIG ok?", "IVIG threshold? IVIG ok?"),
        ("when does CRS usually start?", "when does CRS usually start (median onset)?"),
        ("neurotox typically kicks in when?", "neurotox typically kicks in (median onset) when?"),
        ("when do we start bactrim?", "when do we start bactrim?"),  # starting a drug: no onset
        ("how long does ICANS last?", "how long does ICANS last (duration)?"),
        ("how long till CRS resolves?", "how long till CRS resolves (median time to resolution)?"),
        ("can we give toci twice in 8h?", "can we give toci twice (repeated doses) in 8 h?"),
        ("2nd toci dose — how long after?", "2nd toci dose (repeated doses) — how long after?"),
        ("actemra again — how soon?", "actemra again (repeated doses) — how soon?"),
        ("vaccines again after CAR-T — when?", "vaccines again after CAR-T — when?"),  # no drug given again
        ("twice daily keppra?", "twice daily keppra?"),
        ("stay w/in 2h of the center x4wks?", "stay within 2 h of the center for 4 weeks?"),
        ("dex x3d, then taper over 2wks", "dex for 3 days, then taper over 2 weeks"),
        ("toci x2 then what?", "toci x2 then what?"),  # a count of doses: no unit of time follows
        ("flu/cy how many days?", "lymphodepleting fludarabine and cyclophosphamide how many days?"),
        ("LD chemo before cilta-cel?", "lymphodepletion before cilta-cel?"),
        ("benda as LD? flu dose before LD?", "benda as lymphodepletion? flu dose before lymphodepletion?"),
        ("keppra LD for status?", "keppra LD for status?"),  # a loading dose
        ("cyclophosphamide LD dose? benda LD?", "cyclophosphamide lymphodepletion dose? benda lymphodepletion?"),
        ("flu dose for renal fx?", "flu dose for renal function?"),
        ("flu shot after CAR-T? LDH high", "flu shot after CAR-T? LDH high"),  # influenza, lactate dehydrogenase
        ("PS 3, can they still get axi-cel?", "performance status 3, can they still get axi-cel?"),
        ("PS of the label?", "PS of the label?"),  # no figure: not a performance status
        ("day 7, ferritin 15k — significance?", "day 7, ferritin 15,000 — significance?"),  # thousands
        ("WBC 1.5k on day 10", "WBC 1.5k on day 10"),  # a decimal count of thousands is left as typed
        ("do we still have to be REMS certified?", "do we still need to be REMS certified?"),  # an obligation
        ("max CAPD score?", "CAPD maximum points?"),  # a score's maximum, in the grading documents' words
        ("ICE: top score?", "ICE: maximum points?"),
        ("max score on the ICE for grade 2?", "max score on the ICE for grade 2?"),  # the score is not what is asked
        ("what ferritin level points to HLH?", "ferritin cutoff for HLH?"),  # a lab's level asks its cutoff
        ("which dose level was taken forward?", "which dose level was taken forward?"),  # a dose level is no lab
        ("how many cells do we infuse?", "what cell dose do we infuse?"),  # a product's cell dose
        ("how many CAR+ T cells/kg for kids?", "what cell dose/kg for kids?"),
        ("how many CAR-T cells expand by day 7?", "how many CAR-T cells expand by day 7?"),  # expansion: no dose
        ("toci dose cap?", "toci max per dose?"),  # a cap is the documents' maximum
        ("is the dex capped?", "is the dex maximum?"),
        ("CAPD cutoff?", "CAPD cutoff?"),  # the paediatric score is no cap
        ("what blood pressure defines hypotension?", "what SBP defines hypotension?"),  # the grading tables' word
        ("how does IEC-HS present?", "IEC-HS features?"),  # how it presents: its features
        ("how soon does IEC-HS present?", "how soon (onset) does IEC-HS present?"),  # an onset, not its features
        ("is ICANS possible with no CRS?", "can ICANS occur with no CRS?"),
        ("is it possible to give toci twice?", "is it possible to give toci twice?"),  # a pronoun asks leave
        ("CAP in a 40 yo — empiric abx?", "CAP in a 40 yo — empiric abx?"),  # pneumonia, no dose cap
        ("IEC-HS — definition?", "what is IEC-HS?"),  # the term asked for after it
        ("carHLH: meaning?", "what is carHLH?"),
        ("grade 3 ICANS in a child on day 5 — definition?", "grade 3 ICANS in a child on day 5 — definition?"),
        # "levo" is levofloxacin beside an infection or its prophylaxis, and Levophed (norepinephrine) as a pressor
        # running; alone it stays as typed.
        ("pneumonia after CAR-T — levo treatment dose?", "pneumonia after CAR-T — levofloxacin treatment dose?"),
        ("levo ppx until when?", "levofloxacin ppx until when?"),
        ("T 39, SBP 80 on levo — CRS grade?", "T 39, SBP 80 on norepinephrine — CRS grade?"),
        ("levo at 0.1 + vaso, what next?", "norepinephrine at 0.1 + vaso, what next?"),
        ("levo?", "levo?"),
        ("tisa-cel label: at what point is toci given for CRS?", "tisa-cel label: when is toci given for CRS?"),
        ("at which stage do we start steroids?", "when do we start steroids?"),
    ],
)
def test_bedside_shorthand_is_spelled_out(typed: str, spelled: str) -> None:
    assert spell_out(typed) == spelled


def test_bedside_names_find_the_documents_words() -> None:
    assert {"hepatitis b", "hbv"} <= set(expansions("hep b ppx before CAR-T"))
    assert {"hepatitis c", "hcv"} <= set(expansions("which hep C + HIV tests pre CAR-T?"))
    assert {"cytomegalovirus", "qpcr"} <= set(expansions("CMV PCR how often?"))
    assert "appear" in expansions("T-cell malignancy after CAR-T, earliest onset?")  # the FDA: "may appear"
    assert {"near", "proximity"} <= set(expansions("when can pts leave the area after CAR-T?"))
    assert "repeated doses" in set(expansions("CRS with ICANS: redosing toci safe?"))
    assert "boxed warning" in expansions("carvykti black box")
    assert "g-csf" in expansions("gcsf for neutropenia")
    assert "second primary malignancies" in expansions("SPM rate real world carvykti?")
    assert "follicular lymphoma" in expansions("yescarta FL CRS %?")
    assert "tumor lysis syndrome" in expansions("liso-cel CLL — TLS how common?")
    assert {"event-free survival", "overall survival"} <= set(expansions("emapalumab in kids with CRS — EFS / OS?"))
    assert "fluconazole" in expansions("fluc -> mold active azole, when?")
    assert "cornerstone" in expansions("IEC-HS — mainstay of tx?")
    assert "progression-free survival" in expansions("and PFS?")
    assert "near" in expansions("is the 2 hr proximity rule after car t still a thing?")
    assert "assessments" in expansions("how often ICE checks?")
    assert {"thrombocytopenia", "thrombopoietin agonist"} <= set(expansions("low platelets 5 wks out, tpo agonist?"))
    assert "seizure prophylaxis" in expansions("keppra ppx dose?")
    assert "real-world" in expansions("ZUMA-2 vs real world")
    assert "occur" in expansions("can ICANS happen without CRS?")
    assert "echocardiogram" in expansions("echo in CRS?")
    assert "guillain-barré syndrome" in expansions("GBS rate with cilta-cel?")
    assert "g-csf" in expansions("neupogen dose")
    assert "t-cell malignancies" in expansions("secondary T-cell lymphoma after CAR-T, how long to watch?")
    assert {"brain imaging", "monitoring"} <= set(expansions("repeat MRI how often? watching for ICANS"))
    assert "persists" in expansions("gr3 icans not settling")
    assert "grade ≥3" in expansions("brexu-cel in adult ALL — severe CRS / neuro?")
    assert {"overall response rate", "objective response rate"} <= set(expansions("ZUMA-2 ORR / CR?"))
    assert "mechanisms" in expansions("IEC-HS — what drives it?")
    assert "bases" in expansions("rationale for ppx anakinra?")
    assert "driving" in expansions("breyanzi — when can they drive again?")
    assert "survival" in expansions("emapalumab in kids w/ CRS (Zhang) — did they survive?")
    assert "malignancies" in expansions("secondary cancers after CAR-T — how long to follow?")
    assert "drug" in expansions("which drugs + doses for gr3 ICANS?")
    assert "real-world" in expansions("kymriah CRS outside trials — rates?")
    assert "outcomes" in expansions("MGH anakinra for refractory ICANS (Wehrli) — results?")
    assert "vaccination" in expansions("when can we re-immunize after CAR-T?")
    assert "vaccines" in expansions("when do we restart vaccinations after CAR-T?")
    assert "covid-19" in expansions("covid vaccine after car-t, how soon?")
    assert "live vaccines" in expansions("MMR after CAR-T, when?")
    assert "live vaccines" in expansions("varicella vaccine after CAR-T?")
    assert "hypotension" in expansions("gr 2 CRS, hypotensive, what do we do")
    assert "treatment" in expansions("how do you treat IEC-HS?")
    assert spell_out("first-line therapy for IEC-HS?") == "first-line treatment for IEC-HS?"
    assert {"vzv", "herpes zoster"} <= set(expansions("shingles after CAR-T, acyclovir treatment dose?"))
    assert "myeloid malignancy" in expansions("MDS/AML after cilta-cel — incidence?")
    assert "approved for" in expansions("what is aucatzyl indicated for?")
    assert "movement and neurocognitive teaes" in expansions("parkinsonism after carvykti — how common?")
    assert "median" in expansions("typical CRS duration after CAR-T?")
    assert "lifelong" in expansions("do we screen for second cancers for life after CAR-T?")
    assert "deaths" in expansions("how many die of CRS?") and "died" in expansions("carHLH fatal?")
    assert "performance status" in expansions("ecog 2 ok for car-t?")


def test_a_drug_class_word_stands_for_its_drugs() -> None:
    members = lexicon().member_words
    assert {"dexamethasone", "methylprednisolone"} <= members["steroid"] <= members["corticosteroids"]
    assert "tocilizumab" not in members


def test_the_words_saying_a_toxicity_is_severe_are_data() -> None:
    """A hospital's lexicon file can add its own word for a severe toxicity ("grave CRS")."""
    from assistant.lexicon import Lexicon

    assert not lexicon().severe_toxicity_pattern.search("grave CRS, what now?")
    assert lexicon().extended(Lexicon(severe=r"\bgrave")).severe_toxicity_pattern.search("grave CRS, what now?")
    assert lexicon().extended(Lexicon(severe=r"\bgrave")).severe_toxicity_pattern.search("severe CRS, what now?")
