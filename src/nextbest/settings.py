"""Settings, read once at the edge from ``NEXTBEST_*`` environment variables (nested with ``__``).

Core code never reads settings; the API, CLI and services receive plain values from here.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "BehaviourSettings",
    "DecisionSettings",
    "Environment",
    "ExperimentSettings",
    "IngestSettings",
    "LogSettings",
    "NlpSettings",
    "PrivacySettings",
    "SecuritySettings",
    "Settings",
    "SignalSettings",
]


DEVELOPMENT_PSEUDONYM_KEY = "nextbest-development-pseudonym-key"
"""The built-in pseudonymisation key: fine on a laptop, refused in production."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class IngestSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    max_batch_events: Annotated[int, Field(ge=1, le=10_000)] = 1_000
    """Most events one ``POST /v1/events`` may carry."""
    max_body_bytes: Annotated[int, Field(ge=1_024)] = 8 * 1024 * 1024
    """Largest request body the API reads; a larger one is refused with 413."""
    max_context_bytes: Annotated[int, Field(ge=64, le=65_536)] = 4_096
    """Largest ``context`` of one event, as compact JSON."""
    max_clock_skew_seconds: Annotated[int, Field(ge=0)] = 300
    """How far in the future an event's ``occurred_at`` may lie before it is refused."""


class SignalSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    paths: Annotated[int, Field(ge=1_000, le=200_000)] = 10_000
    """Monte Carlo paths per goal projection."""
    seed: int = 7
    """Seed of the projections, so the same inputs always give the same signals."""
    warm_up: bool = True
    """Load the optimiser and draw the projection shocks at start, not on the first request."""


class BehaviourSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    half_life_days: Annotated[float, Field(gt=0, le=3_650)] = 30.0
    """Half-life of behaviour evidence: an event this old counts half as much as one today."""
    fast_half_life_days: Annotated[float, Field(gt=0, le=365)] = 7.0
    """Shorter half-life kept beside the main one; it is used when behaviour has changed."""
    cold_start_days: Annotated[int, Field(ge=1, le=365)] = 30
    """Days of history before a profile is fully personal (seed 002: 30)."""
    min_interactions: Annotated[int, Field(ge=1, le=10_000)] = 20
    """Events needed before a profile is fully personal."""
    drift_threshold: Annotated[float, Field(gt=0, le=1)] = 0.15
    """Jensen-Shannon divergence (base 2) between recent and long-run behaviour that counts as
    a sudden change."""
    fold_interval_seconds: Annotated[float, Field(ge=0, le=3_600)] = 1.0
    """How often the folder process ``nextbest serve`` starts looks for queued events to fold
    into profiles; 0 starts no folder (then run ``nextbest profiles fold``)."""
    segments: Annotated[int, Field(ge=0, le=50)] = 0
    """Number of segments ``nextbest segments`` fits; 0 chooses it by silhouette (3 to 8)."""


class DecisionSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    gate_accepted: Annotated[int, Field(ge=0, le=1_000_000)] = 50
    """Accepted outcomes an action needs before its propensity is personalised (the data gate)."""
    gate_not_accepted: Annotated[int, Field(ge=0, le=1_000_000)] = 50
    """Outcomes other than accepted an action needs before its propensity is personalised."""
    model_sync_seconds: Annotated[float, Field(ge=0, le=3_600)] = 1.0
    """How often a server process adds other processes' outcomes to its models; its own
    outcomes count at once. 0 reads them before every recommendation."""
    value_scale: Annotated[float, Field(gt=0)] = 1_000.0
    """An action's value enters its priority as 1 + ln(1 + value / value_scale), in the
    client's currency: a large amount counts, but cannot swamp how likely the client is to act."""
    max_per_category: Annotated[int, Field(ge=1, le=20)] = 2
    """At most this many actions of one category in one answer (mandatory ones aside)."""
    suppress_after_dismissals: Annotated[int, Field(ge=1, le=100)] = 2
    """Dismissals of one action after which it is suppressed for the client ..."""
    suppress_days: Annotated[int, Field(ge=1, le=365)] = 30
    """... for this many days."""
    rest_days_after_dismissal: Annotated[int, Field(ge=0, le=365)] = 3
    """Days an action rests after any single dismissal before it may be suggested again."""
    push_caps: dict[str, tuple[int, int]] = {
        "REAL_TIME": (6, 1),
        "DAILY": (1, 1),
        "WEEKLY": (1, 7),
        "MONTHLY": (1, 30),
    }
    """New suggestions a client may receive on a push channel (EMAIL, SMS, PUSH) by notification
    frequency: (count, days). Pull channels (IN_APP, WEB, ADVISOR) answer the client's own visit
    and are not capped."""
    seed: int | None = None
    """Seed of the exploration draws; unset draws from the operating system (set it for
    reproducible simulations)."""

    @field_validator("push_caps")
    @classmethod
    def _all_frequencies(cls, value: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        wanted = {"REAL_TIME", "DAILY", "WEEKLY", "MONTHLY"}
        if set(value) != wanted:
            raise ValueError(f"push_caps needs exactly the frequencies {sorted(wanted)}")
        for frequency, (count, days) in value.items():
            if count < 0 or days < 1:
                raise ValueError(f"push_caps[{frequency}] needs count >= 0 and days >= 1")
        return value


class SecuritySettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    pseudonym_key: SecretStr = SecretStr(DEVELOPMENT_PSEUDONYM_KEY)
    """Key of the HMAC that turns client ids into pseudonyms (audit log, tombstones, training
    exports). At least 16 characters; production refuses the built-in development value.
    Changing it makes earlier pseudonyms unfindable."""
    rate_limit_per_second: Annotated[float, Field(gt=0)] = 1_000.0
    """Requests one API key may make per second, on average, in one server process."""
    rate_limit_burst: Annotated[int, Field(ge=1)] = 2_000
    """Requests one API key may make at once before the per-second rate applies."""
    key_cache_seconds: Annotated[float, Field(ge=0, le=300)] = 5.0
    """How long a server process trusts what it read of an API key; a revoked key stops
    working within this time."""
    default_key_days: Annotated[int, Field(ge=1, le=3_650)] = 365
    """Validity of a new API key unless ``nextbest keys create --days`` says otherwise."""
    cors_origins: list[str] = []
    """Browser origins allowed to call the API (CORS); empty, the default, allows none."""


class PrivacySettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    event_retention_days: Annotated[int, Field(ge=1, le=36_500)] = 400
    """Raw behaviour events older than this are deleted by ``nextbest retention run``; the
    profile aggregates they were folded into stay."""


class NlpSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    enabled: bool = True
    """Load the client-message models at start; when off, ``POST /v1/clients/{id}/messages``
    answers 503 and nothing else changes."""
    threads: Annotated[int, Field(ge=1, le=64)] = 1
    """onnxruntime threads per message: one keeps a message fast and leaves the other cores to
    other requests."""
    max_chars: Annotated[int, Field(ge=1, le=20_000)] = 2_000
    """Longest message accepted, in characters; a longer one is refused with 422."""
    suggestions: Annotated[int, Field(ge=0, le=20)] = 3
    """At most this many suggested actions a message answer carries (0: none)."""
    alert_text: bool = True
    """Keep the PII-masked text of a message that raised an advisor alert (the raw text is
    never stored); off stores the alert without any text."""


class ExperimentSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    refresh_seconds: Annotated[float, Field(ge=0, le=3_600)] = 10.0
    """How long a server process serves its copy of the running experiments before reading
    them again; a start or stop made through the same process applies at once. 0 reads them
    on every request."""
    social_proof_floor: Annotated[int, Field(ge=1, le=1_000_000)] = 25
    """Fewest clients of the same segment who acted on a suggestion before "N clients like
    you acted on this" is shown (SOCIAL_PROOF experiments); below it nothing is shown."""
    social_proof_refresh_seconds: Annotated[float, Field(ge=0, le=86_400)] = 300.0
    """How long a server process keeps the counts behind social proof before counting again."""


class LogSettings(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    level: str = "INFO"
    """Python log level name for nextbest's own records."""
    json_output: bool = True
    """One JSON object per line; turn off for human-readable console output."""


class Settings(BaseSettings):
    """Every setting nextbest reads. Each field's docstring is its documentation."""

    model_config = SettingsConfigDict(
        env_prefix="NEXTBEST_", env_nested_delimiter="__", use_attribute_docstrings=True
    )

    environment: Environment = Environment.DEVELOPMENT
    """``development``, ``test`` or ``production``."""
    database_url: str = "sqlite:///nextbest.db"
    """SQLAlchemy URL: the SQLite file by default; ``postgresql+psycopg://...`` in production."""
    host: str = "127.0.0.1"
    """Address ``nextbest serve`` binds to."""
    port: Annotated[int, Field(ge=1, le=65_535)] = 8000
    """Port ``nextbest serve`` listens on."""
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    """API worker processes ``nextbest serve`` starts."""
    assumptions_file: Path | None = None
    """JSON file of capital-market assumptions replacing the built-in defaults (see finance)."""
    catalog_file: Path | None = None
    """YAML action catalog replacing the built-in one (see decision/actions.yaml)."""
    signals: SignalSettings = SignalSettings()
    """How signals are computed."""
    ingest: IngestSettings = IngestSettings()
    """Limits on what the ingestion API accepts."""
    behaviour: BehaviourSettings = BehaviourSettings()
    """How the behaviour profile learns."""
    decision: DecisionSettings = DecisionSettings()
    experiments: ExperimentSettings = ExperimentSettings()
    """How experiments are served in the decision loop."""
    """How the decision loop ranks, explores and limits contact."""
    nlp: NlpSettings = NlpSettings()
    """Client messages: the language models and what a message answer carries."""
    log: LogSettings = LogSettings()
    """Logging output."""
    security: SecuritySettings = SecuritySettings()
    """API keys, rate limits, pseudonyms."""
    privacy: PrivacySettings = PrivacySettings()
    """Retention of personal data."""

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        key = self.security.pseudonym_key.get_secret_value()
        if len(key) < 16:
            raise ValueError("security.pseudonym_key must be at least 16 characters")
        if self.environment is Environment.PRODUCTION and key == DEVELOPMENT_PSEUDONYM_KEY:
            raise ValueError(
                "production refuses the development pseudonym key: set "
                "NEXTBEST_SECURITY__PSEUDONYM_KEY to a secret of your own"
            )
        return self
