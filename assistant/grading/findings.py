"""Read a patient's findings from a chat question, as clinicians type them ("fever 39.2, norepi 0.05, 2 L NC").

Deterministic patterns, no model: each finding has one pattern, and the order in which findings are
written never changes what is read. A hypothetical tail ("... and if it's status?") is not read as a
finding of this patient; a follow-up that only states a new finding ("and if she needs BiPAP?") is.

>>> read("fever 39.2, norepi 0.05, 2 L NC, grade?").values
{'temp_c': 39.2, 'vasopressors': 1, 'oxygen_lpm': 2.0, 'device': 'nasal cannula'}
>>> read("ICE 5/10, wakes to voice, no sz. ICANS grade?").scale
'icans'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import CartaError
from assistant.grading.crs import parse_temperature
from assistant.text import COURSE_DAY

F = re.IGNORECASE

#: Vasopressors other than vasopressin, each counted once however it is spelled.
PRESSORS = {
    "norepinephrine": r"nor-?epi(?:nephrine)?|noradrenaline|levophed|norad|\blevo\b(?!\s*(?:ppx|prophyla))",
    "epinephrine": r"(?<!nor)(?<!nor-)\bepi(?:nephrine)?\b|\badrenaline",
    "phenylephrine": r"phenylephrine|\bneo(?:-?synephrine)?\b|\bphenyl\b",
    "dopamine": r"dopamine|\bdopa\b",
}
VASOPRESSIN = re.compile(r"\bvasopressin\b|\bvaso\b(?!\s*-?pressors?)", F)
COUNTED = re.compile(r"\b(\d|one|two|three|single|a)\s+(?:vaso)?pressors?\b", F)
#: Vasopressin counted among the pressors ("2 pressors incl vaso"): the scale counts the others.
COUNTED_WITH_VASOPRESSIN = re.compile(r"\b(?:incl\w*|one (?:is|being|of them))\.?\s+(?:vasopressin|vaso)\b", F)
NO_PRESSORS = re.compile(
    r"\b(?:no|off|without|w/o|not on(?: any)?|not needing|not requiring)\s+(?:vaso)?pressors?\b"
    r"|\bfluid[- ]responsive\b|\bresponds? to (?:a )?fluids?\b"
    # "came up with a bolus", "fixed w/ fluid bolus", "responding to IVF": hypotension the fluids corrected
    r"|\b(?:came|comes|coming|picked|improved|improving|responded|responding|corrected|fixed)\s+(?:up\s+)?"
    r"(?:with|w/|after|to)\s+(?:an?\s+|the\s+)?(?:ivf|ns|saline|fluids?|bolus)\b",
    F,
)
ALONE = re.compile(r"\b(?:alone|only|single agent)\b", F)

TEMP = re.compile(
    r"\b(?:t|temp|temperature|tmax|t\s*max|fever|febrile|spiking)\s*(?:of|to|at|is|was|:|=|up to)?\s*"
    r"(\d{2,3}(?:[.,]\d)?)\s*(°\s*[cf]\b|[cf]\b)?",
    F,
)
BARE_TEMP = re.compile(r"(?<![\w.])(\d{2,3}(?:[.,]\d)?)\s*(°\s*[cf]|°)(?!\w)", F)
AFEBRILE = re.compile(
    r"\bafebrile\b|\bno (?:longer )?fever\b|\bw/o fever\b|\bwithout fever\b|\bnot febrile\b|\bno longer febrile\b"
    r"|\bfevers? (?:has |have |is |are )?(?:gone|resolved|broke|broken|settled|down)\b|\bdefervesc\w*"
    # "normothermic", "never febrile", "temps normal all day", "normal temp"
    r"|\bnormotherm\w*|\bnever (?:been )?febrile\b|\bnormal temp(?:erature)?s?\b"
    r"|\btemp(?:erature)?s? (?:(?:is|are|was|were|has been|have been|stayed|remained) )?(?:normal|ok|fine)\b",
    F,
)
FEBRILE = re.compile(r"\bfebrile\b|\bfever\b|\bfevers\b|\bpyrexi", F)
TREATED = re.compile(
    r"\b(?:got|given|gave|received|after|since|following|post|s/p|already|had|on)\s+(?:\w+\s+){0,2}?"
    r"(?:toci(?:lizumab)?|actemra|steroids?|dex(?:amethasone)?|methylpred\w*|solu-?medrol|antipyretics?|"
    r"tylenol|acetaminophen|paracetamol)\b"
    r"|\b(?:toci(?:lizumab)?|steroids?|dex(?:amethasone)?|antipyretics?)\s+(?:given|on board|already)\b",
    F,
)
NOT_TREATED = re.compile(
    r"\bno (?:toci\w*|actemra|steroids?|dex\w*|antipyretics?)\b|\b(?:toci\w*|steroids?|dex\w*) not (?:yet )?given\b"
    r"|\b(?:not (?:yet )?|never )(?:been )?(?:given|received|had|got(?:ten)?)\b[^.]{0,20}\b(?:toci|steroid)",
    F,
)
#: Low pressure said without the word: "soft BP", "BP low", "pressures dropping".
HYPOTENSIVE = re.compile(
    r"\bhypotensi(?:ve|on)\b|\b(?:low|soft|dropping) (?:bp|blood pressures?|pressures?|sbp|maps?)\b"
    r"|\b(?:bp|blood pressures?|pressures?|sbp|maps?) (?:(?:is|are|was|were|has been|have been) )?"
    r"(?:low|soft|dropping|dropped)\b",
    F,
)
NOT_HYPOTENSIVE = re.compile(r"\b(?:normotensive|no hypotension|not hypotensive|bp (?:ok|fine|stable))\b", F)
SBP = re.compile(r"\b(?:sbp|bp|systolic)\s*(?:of|is|:|=|in the)?\s*(\d{2,3})(?:\s*/\s*\d{2,3})?", F)
LPM = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d)?)\s*(?:l|lpm|l/min|liters?|litres?)(?![a-z])", F)
#: Most severe first: the first device named in this order is the one read.
DEVICES = (
    ("intubation", r"intubat\w*|mechanical(?:ly)? ventilat\w*|\bon the vent\b|\bvented\b|\bett\b"),
    ("bipap", r"\bbi-?pap\b|\bniv\b|non-?invasive ventilation"),
    ("cpap", r"\bc-?pap\b"),
    ("high-flow nasal cannula", r"\bhfnc\b|high[- ]flow|\bhfo\b|optiflow|airvo"),
    ("non-rebreather", r"\bnrb\b|non-?rebreather"),
    ("venturi", r"venturi|venti-?mask"),
    ("facemask", r"face ?mask|simple mask|\bfm\b"),
    ("blow-by", r"blow-?by"),
    ("nasal cannula", r"\bnc\b|nasal cannula|nasal prongs|\bnp\b"),
    ("none", r"\broom air\b|\bon ra\b|\bra\b|\bno (?:o2|oxygen)\b|\boff (?:o2|oxygen)\b|\bsatting well on ra\b"),
)
ORGAN = re.compile(r"\b(?:aki|transaminitis|organ toxicit\w*|renal failure|liver injury)\b", F)

ICE = re.compile(r"\bice\s*(?:score\s*)?(?:of|is|was|=|:)?\s*(\d{1,2})(?:\s*/\s*10)?\b", F)
CONSCIOUSNESS = (
    (
        "unarousable",
        r"unarousable|unrousable|unresponsive|comatose|\bcoma\b|stupor\w*|vigorous"
        r"|(?:can'?t|cannot|can not|won'?t|doesn'?t|does not|not)\s+(?:be\s+)?"
        r"(?:a?roused?|wake|woken|awaken\w*|rousable)",
    ),
    (
        "tactile",
        r"(?:wakes|awakens|arousable|rousable|responds)\s+(?:only\s+)?to\s+(?:touch|tactile|pain|sternal rub)|tactile",
    ),
    ("voice", r"(?:wakes|awakens|arousable|rousable|responds|opens eyes)\s+(?:only\s+)?to\s+(?:voice|verbal)"),
    ("spontaneously", r"(?:wakes|awakens)\s+spontaneously"),
    ("awake", r"\b(?:awake|alert)\b"),
)
NO_SEIZURE = re.compile(r"\bno\s+(?:seizures?|sz|gtc)\b|\bwithout (?:a )?seizures?\b|\bseizure[- ]free\b", F)
SEIZURE = re.compile(r"\bseiz\w*|\bsz\b|\bgtc\w*|\bconvuls\w*|\bstatus epilepticus\b|\bncse\b", F)
PROLONGED = re.compile(r"\bstatus\b|prolonged|>\s*5\s*min|repetitive|recurrent|back[- ]to[- ]back|without return", F)
WEAKNESS = re.compile(
    r"hemipare\w*|parapare\w*|hemiplegi\w*|focal (?:motor )?weakness|motor weakness"
    r"|(?:left|right|one|l|r)[- ]sided weakness|unilateral weakness|weakness (?:of|in) (?:one|the left|the right) side",
    F,
)
NO_WEAKNESS = re.compile(
    r"\bno (?:focal |motor |(?:left|right|one)[- ]sided )?(?:weakness|deficits?)\b|\bnon-?focal\b", F
)
NO_EDEMA = re.compile(
    r"\bno (?:cerebral )?o?edema\b|\b(?:ct|mri|imaging) (?:negative|neg|clear|normal|unremarkable)\b", F
)
DIFFUSE = re.compile(
    r"diffuse (?:cerebral )?o?edema|papill?o?edema|decerebrate|decorticate|posturing|cushing|"
    r"\bcn\s*vi\b|cranial nerve vi|sixth nerve|"
    r"optic (?:dis[ck]|nerve) (?:swelling|o?edema)|swollen optic (?:dis[ck]|nerve)s?",  # papilledema as described
    F,
)
FOCAL = re.compile(r"(?:focal|local) (?:cerebral )?o?edema", F)
TREMOR = re.compile(r"\btremors?\b|\bmyoclon\w*", F)
CAPD = re.compile(r"\bcapd\s*(?:score\s*)?(?:of|is|was|=|:)?\s*(\d{1,2})\b", F)
CAPD_UNABLE = re.compile(r"\b(?:can'?t|cannot|unable to|not able to) (?:do|perform|complete) (?:the )?capd\b", F)
AGE = re.compile(r"\b(\d{1,2})\s*(?:yo|y/o|y\.o\.|-?year-?old|years? old|yr old)\b", F)


def _count(names: str, value: str, *, for_days: bool) -> re.Pattern[str]:
    """A blood count ("plt 15 day 40"), or one held for some days when ``for_days`` ("plt 18k for 9 days", "ANC 300 x
    7d"): groups comparator, value and (``for_days``) days."""
    held = r"\s*(?:for|x|over)\s*(\d{1,3})\s*(?:days?|d)\b" if for_days else r"(?![\d.])"
    return re.compile(rf"\b(?:{names})\s*(?:count\s*)?(of|is|at|<|below|under|~)?\s*{value}{held}", F)


PLATELET_NAMES, PLATELET_VALUE = "plt|plts|platelets?", r"(\d{1,3})\s*k?(?:\s*(?:x\s*10\^?9/l|×10⁹/l))?"
PLATELETS = _count(PLATELET_NAMES, PLATELET_VALUE, for_days=True)
#: One platelet count with no duration ("plt 15 day 40", "platelets 35 on day 60"): one test.
PLATELET_COUNT = _count(PLATELET_NAMES, PLATELET_VALUE, for_days=False)
NEUTROPHIL_NAMES, NEUTROPHIL_VALUE = "anc|neutrophils?", r"(\d{1,5})\s*(?:/\s*[µu]l)?"
NEUTROPHILS = _count(NEUTROPHIL_NAMES, NEUTROPHIL_VALUE, for_days=True)
#: One neutrophil count with no duration ("ICAHT grade for ANC 300 at day 10?"): one test, as for platelets.
NEUTROPHIL_COUNT = _count(NEUTROPHIL_NAMES, NEUTROPHIL_VALUE, for_days=False)

EARLY = re.compile(r"\bfirst (?:month|30 days|4 weeks)\b|\bearly\b|\bwithin (?:the first )?(?:month|30 days)\b", F)
LATE = re.compile(r"\blate\b|\bafter (?:day\s*\+?30|the first month|a month)\b|\bmonths? (?:out|later|after)\b", F)
#: A question asks for a grade: "grade?", "what grade", "G3 or G4", "how would you grade"; "grade 2 CRS" alone does not.
ASKS_GRADE = re.compile(
    r"\bgrade\b(?!\s*[1-5])|\bgr\b\.?\s*\?|\bG[0-4]\s*(?:or|vs\.?|/)\s*G?[0-4]\b"
    # Whether the findings are the toxicity at all ("is this CRS?", "could it still be CRS?", "still ICANS?").
    r"|\b(?:is (?:this|it|that)|could (?:this|it|that) (?:still )?be|(?:is it|it's) still)\s+(?:crs|icans)\b"
    r"|\bstill (?:crs|icans)\s*\?"
    # ... asked as the toxicity's name alone after the findings ("ICE 9/10, word-finding trouble — ICANS?").
    r"|[—–:,-]\s*(?:crs|icans)\s*\?\s*$",
    F,
)
#: Text after this is a hypothetical ("and if it's status?"): not a finding of the patient described.
HYPOTHETICAL = re.compile(r"(?:\band|\bbut|\?)\s+(?:what\s+)?if\b", F)
NAMES_SCALE = {
    "icans": re.compile(r"\bicans\b|\bice\b|neurotox\w*|\bcres\b|encephalopath\w*", F),
    "crs": re.compile(r"\bcrs\b|cytokine release", F),
    "icaht": re.compile(r"\bicaht\b|cytopeni\w*|thrombocytopeni\w*|neutropeni\w*|platelets?\b|\bplt|\banc\b", F),
}
SCALE_OF = {
    "crs": {"temp_c", "fever", "treated", "hypotension", "sbp", "vasopressors", "vasopressin", "oxygen_lpm", "device"},
    "icans": {"ice", "consciousness", "seizure", "motor", "edema", "capd", "capd_unable"},
    "icaht": {"counts"},
}
#: Findings that change together: a new oxygen device replaces the old flow unless a flow is given too.
GROUPS = ({"device", "oxygen_lpm"}, {"temp_c", "fever"}, {"hypotension", "sbp"})


@dataclass
class Read:
    """Findings read from one question: the scale they belong to and the values, by the scale's field names."""

    scale: str | None
    values: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((name for name, pattern in patterns if re.search(pattern, text, F)), None)


def _crs(text: str, values: dict[str, Any], notices: list[str]) -> None:
    temp = TEMP.search(text) or BARE_TEMP.search(text)
    if temp:
        unit = (temp.group(2) or "").replace("°", "").strip()
        try:
            values["temp_c"], notice = parse_temperature(temp.group(1) + unit)
        except CartaError:
            notice = None
        if notice:
            notices.append(notice)
    if "temp_c" not in values:
        if AFEBRILE.search(text):
            values["fever"] = False
        elif FEBRILE.search(text):
            values["fever"] = True
    if NOT_TREATED.search(text):
        values["treated"] = False
    elif TREATED.search(text):
        values["treated"] = True
    named = {name for name, pattern in PRESSORS.items() if re.search(pattern, text, F)}
    counted = COUNTED.search(text)
    if NO_PRESSORS.search(text):
        values["vasopressors"] = 0
    elif named:
        values["vasopressors"] = len(named)
    elif counted:
        word = counted.group(1).lower()
        count = {"one": 1, "single": 1, "a": 1, "two": 2, "three": 3}.get(word) or int(word)
        values["vasopressors"] = max(count - bool(COUNTED_WITH_VASOPRESSIN.search(text)), 0)
    elif ALONE.search(text) and re.search(r"\bpressor\b", text, F):
        values["vasopressors"] = 1
    if VASOPRESSIN.search(text):
        values["vasopressin"] = True
        values.setdefault("vasopressors", 0)
    if NOT_HYPOTENSIVE.search(text):
        values["hypotension"] = False
    elif HYPOTENSIVE.search(text):
        values["hypotension"] = True
    sbp = SBP.search(text)
    if sbp:
        values["sbp"] = float(sbp.group(1))
    lpm = LPM.search(text)
    if lpm:
        values["oxygen_lpm"] = float(lpm.group(1))
    device = _first(DEVICES, text)
    if device:
        values["device"] = device
        if device == "none":
            values.pop("oxygen_lpm", None)
    if ORGAN.search(text):
        values["organ_toxicity"] = True


def _icans(text: str, values: dict[str, Any]) -> None:
    ice = ICE.search(text)
    if ice and int(ice.group(1)) <= 10:
        values["ice"] = int(ice.group(1))
    consciousness = _first(CONSCIOUSNESS, text)
    if consciousness:
        values["consciousness"] = consciousness
    if NO_SEIZURE.search(text):
        values["seizure"] = "none"
    elif SEIZURE.search(text):
        values["seizure"] = "prolonged" if PROLONGED.search(text) else "rapid"
    if NO_WEAKNESS.search(text):
        values["motor"] = "none"
    elif WEAKNESS.search(text):
        values["motor"] = "weakness"
    if NO_EDEMA.search(text):
        values["edema"] = "none"
    elif DIFFUSE.search(text):
        values["edema"] = "diffuse"
    elif FOCAL.search(text):
        values["edema"] = "focal"
    elif re.search(r"cerebral o?edema", text, F):
        values["edema"] = "diffuse"
    if TREMOR.search(text):
        values["tremor"] = True
    age = AGE.search(text)
    if age:
        values["age"] = float(age.group(1))
    capd = CAPD.search(text)
    if CAPD_UNABLE.search(text):
        values["capd_unable"] = True
    elif capd:
        values["capd"] = int(capd.group(1))


def _platelets(match: re.Match[str]) -> float:
    """A platelet count as typed: "<20" is at most 19, counts being whole numbers ×10⁹/L."""
    below = (match.group(1) or "").lower() in {"<", "below", "under"}
    return max(float(match.group(2)) - below, 0.0)


def _icaht(text: str, values: dict[str, Any]) -> None:
    if platelets := PLATELETS.search(text):
        values["counts"] = (_platelets(platelets),) * int(platelets.group(3))
    elif single := PLATELET_COUNT.search(text):
        values["counts"] = (_platelets(single),)
    if "counts" not in values and (anc := NEUTROPHILS.search(text) or NEUTROPHIL_COUNT.search(text)):
        days = int(anc.group(3)) if anc.re is NEUTROPHILS else 1  # one count with no duration is one test
        values["lineage"] = "neutrophils"
        values["counts"] = (float(anc.group(2)),) * days
    day = COURSE_DAY.search(text)
    if day:
        values["day"] = int(day.group(1) or day.group(2))
    elif EARLY.search(text):
        values["phase"] = "early"
    elif LATE.search(text):
        values["phase"] = "late"


def read(question: str) -> Read:
    """The findings a question states, and the scale they are for (None when it states none)."""
    head = HYPOTHETICAL.split(question, maxsplit=1)[0]
    found = _read(head) if head.strip() else Read(None)
    return found if found.scale else _read(question)


def _read(text: str) -> Read:
    question = text
    values: dict[str, Any] = {}
    notices: list[str] = []
    _crs(text, values, notices)
    _icans(text, values)
    _icaht(text, values)
    found = {scale: SCALE_OF[scale] & values.keys() for scale in SCALE_OF}
    named = [scale for scale, pattern in NAMES_SCALE.items() if pattern.search(question)]
    candidates = [scale for scale in named if found[scale]] or [s for s in SCALE_OF if found[s]]
    if not candidates:
        return Read(None)
    scale = max(candidates, key=lambda s: (s in named, len(found[s])))
    # Tremor and organ toxicity are read but grade nothing, so they never make a question a grading one.
    keep = SCALE_OF[scale] | {"organ_toxicity", "tremor", "age", "day", "phase", "lineage"}
    keep -= {"age"} if scale == "icaht" else {"day", "phase", "lineage"}
    return Read(scale, {k: v for k, v in values.items() if k in keep}, notices)


def asks_grade(question: str) -> bool:
    """Whether the question asks which grade ("grade?", "what grade", "G3 or G4"), not about a named grade."""
    return bool(ASKS_GRADE.search(question))


def merge(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Findings of earlier turns updated by a later one; a finding's group is replaced as a whole."""
    merged = dict(earlier)
    for group in GROUPS:
        if group & later.keys():
            for key in group:
                merged.pop(key, None)
    merged.update(later)
    return merged
