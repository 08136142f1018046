"""CAR-HEMATOTOX score (Rejeski 2021) from the five markers before lymphodepletion; rules in ``hematotox.yaml``.

The corpus names the markers and the risk groups but not the point cut-offs, so the scale refuses,
naming the missing source, until a document holding them is indexed and ``hematotox.yaml`` cites it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.grading.core import PassagesOf, Rules, resolve


class HematotoxFindings(BaseModel):
    """The five markers before lymphodepletion; None means not given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    anc: float | None = Field(default=None, ge=0, le=100_000)  # /µL
    hemoglobin: float | None = Field(default=None, ge=0, le=25)  # g/dL
    platelets: float | None = Field(default=None, ge=0, le=5000)  # ×10⁹/L
    crp: float | None = Field(default=None, ge=0, le=100)  # mg/dL
    ferritin: float | None = Field(default=None, ge=0, le=200_000)  # ng/mL


def rules_for(findings: HematotoxFindings, passages_of: PassagesOf) -> Rules:
    """The score's rules; refuses in one line while the corpus lacks the cut-offs."""
    del findings  # every patient is scored with the same cut-offs
    return resolve("hematotox", passages_of)
