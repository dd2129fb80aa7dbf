"""Settings, read once at the edge from ``NEXTBEST_*`` environment variables (nested with ``__``).

Core code never reads settings; the API, CLI and services receive plain values from here.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "BehaviourSettings",
    "DecisionSettings",
    "Environment",
    "IngestSettings",
    "LogSettings",
    "Settings",
    "SignalSettings",
]


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
    """How the decision loop ranks, explores and limits contact."""
    log: LogSettings = LogSettings()
    """Logging output."""

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
        return value
