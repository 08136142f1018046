"""Fixed texts a clinician may question, each in one named place."""

#: What Carta says when the corpus does not hold the answer. It cites nothing.
ABSTAIN_MESSAGE = (
    "The indexed documents do not cover this question, so Carta has no sourced answer to give. "
    "Check local protocols or the primary literature."
)

#: Shown when every composed statement failed grounding verification.
ALL_REMOVED_NOTICE = "Every composed statement failed grounding verification and was removed."
