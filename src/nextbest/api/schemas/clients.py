"""Wire shapes of a client and its ``client_profile`` (seed 000), and their conversion.

Known fields are checked; unknown ones are kept, so the profile can grow without migrations.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nextbest.api.schemas.common import (
    ID_PATTERN,
    Amount,
    CountryCode,
    CurrencyCode,
    Identifier,
    StrictModel,
)
from nextbest.domain.client import Client, ClientProfile, Constraints, Goal, Preferences
from nextbest.domain.enums import (
    CommentaryTone,
    ConsentPurpose,
    Controversy,
    DetailLevel,
    EsgFocus,
    GoalType,
    IncomeBand,
    NetWorthBand,
    Priority,
    RiskTolerance,
    Sector,
)
from nextbest.domain.ids import ClientId, GoalId, SecurityId

__all__ = ["ClientIn", "ClientOut", "ClientProfileModel", "GoalModel"]

MAX_PROFILE_BYTES = 32_768


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class GoalModel(_Open):
    id: Annotated[str | None, Field(pattern=ID_PATTERN)] = Field(
        default=None, description="Stable id; assigned as '<type>-<n>' when left out"
    )
    type: GoalType
    target_year: Annotated[int, Field(ge=1900, le=2200)]
    target_amount: Amount
    priority: Priority = Priority.MEDIUM
    name: Annotated[str | None, Field(max_length=100)] = None


class PreferencesModel(_Open):
    esg_focus: EsgFocus | None = None
    commentary_tone: CommentaryTone | None = None
    detail_level: DetailLevel | None = None


class ConstraintsModel(_Open):
    restricted_sectors: Annotated[list[Sector | Controversy], Field(max_length=40)] = Field(
        default_factory=list,
        description="GICS sectors or business involvements (TOBACCO, GAMBLING, ...) to exclude",
    )
    restricted_securities: Annotated[list[Identifier], Field(max_length=500)] = Field(
        default_factory=list
    )


class ClientProfileModel(_Open):
    goals: Annotated[list[GoalModel], Field(max_length=50)] = Field(default_factory=list)
    preferences: PreferencesModel = Field(default_factory=PreferencesModel)
    constraints: ConstraintsModel = Field(default_factory=ConstraintsModel)

    @field_validator("goals")
    @classmethod
    def _unique_ids(cls, goals: list[GoalModel]) -> list[GoalModel]:
        twice = [gid for gid, n in Counter(g.id for g in goals if g.id).items() if n > 1]
        if twice:
            raise ValueError(f"goal ids must be unique; used more than once: {', '.join(twice)}")
        return goals

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        try:
            size = len(json.dumps(data, allow_nan=False, default=str))
        except ValueError as error:  # NaN or Infinity: not JSON, and PostgreSQL refuses them
            raise ValueError(
                "client_profile holds NaN or Infinity, which JSON does not allow"
            ) from error
        if size > MAX_PROFILE_BYTES:
            raise ValueError(f"client_profile is larger than {MAX_PROFILE_BYTES:,} bytes of JSON")
        return data

    def to_domain(self) -> ClientProfile:
        return ClientProfile(
            goals=_goals_with_ids(self.goals),
            preferences=Preferences(
                esg_focus=self.preferences.esg_focus,
                commentary_tone=self.preferences.commentary_tone,
                detail_level=self.preferences.detail_level,
                extra=self.preferences.extras(),
            ),
            constraints=Constraints(
                restricted_sectors=frozenset(self.constraints.restricted_sectors),
                restricted_securities=frozenset(
                    SecurityId(s) for s in self.constraints.restricted_securities
                ),
                extra=self.constraints.extras(),
            ),
            extra=self.extras(),
        )

    @classmethod
    def from_domain(cls, profile: ClientProfile) -> ClientProfileModel:
        return cls.model_validate(
            {
                **profile.extra,
                "goals": [
                    {
                        **goal.extra,
                        "id": goal.goal_id,
                        "type": goal.goal_type,
                        "target_year": goal.target_year,
                        "target_amount": goal.target_amount,
                        "priority": goal.priority,
                        "name": goal.name,
                    }
                    for goal in profile.goals
                ],
                "preferences": {
                    **profile.preferences.extra,
                    "esg_focus": profile.preferences.esg_focus,
                    "commentary_tone": profile.preferences.commentary_tone,
                    "detail_level": profile.preferences.detail_level,
                },
                "constraints": {
                    **profile.constraints.extra,
                    "restricted_sectors": sorted(profile.constraints.restricted_sectors),
                    "restricted_securities": sorted(profile.constraints.restricted_securities),
                },
            }
        )


def _goals_with_ids(goals: list[GoalModel]) -> tuple[Goal, ...]:
    taken = {goal.id for goal in goals if goal.id}
    result: list[Goal] = []
    for goal in goals:
        goal_id = goal.id
        n = 1
        while goal_id is None:
            candidate = f"{goal.type.value.lower().replace('_', '-')}-{n}"
            if candidate not in taken:
                goal_id = candidate
                taken.add(candidate)
            n += 1
        result.append(
            Goal(
                goal_id=GoalId(goal_id),
                goal_type=goal.type,
                target_year=goal.target_year,
                target_amount=Decimal(goal.target_amount),
                priority=goal.priority,
                name=goal.name,
                extra=goal.extras(),
            )
        )
    return tuple(result)


class ClientIn(StrictModel):
    """A client as the host application sends it. No names or contact details: ids only."""

    birth_year: Annotated[int, Field(ge=1900, le=2100, examples=[1984])]
    country: CountryCode
    base_currency: CurrencyCode
    risk_tolerance: RiskTolerance
    income_band: IncomeBand | None = None
    net_worth_band: NetWorthBand | None = None
    client_profile: ClientProfileModel = Field(default_factory=ClientProfileModel)
    consents: dict[ConsentPurpose, bool] = Field(
        default_factory=dict, description="Consent by purpose; a purpose left out is refused"
    )

    def to_domain(self, client_id: str) -> Client:
        return Client(
            client_id=ClientId(client_id),
            birth_year=self.birth_year,
            country=self.country,
            base_currency=self.base_currency,
            risk_tolerance=self.risk_tolerance,
            income_band=self.income_band,
            net_worth_band=self.net_worth_band,
            profile=self.client_profile.to_domain(),
            consents=dict(self.consents),
        )


class ClientOut(BaseModel):
    client_id: str
    birth_year: int
    country: str
    base_currency: str
    risk_tolerance: RiskTolerance
    income_band: IncomeBand | None
    net_worth_band: NetWorthBand | None
    client_profile: ClientProfileModel
    consents: dict[ConsentPurpose, bool]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, client: Client) -> ClientOut:
        assert client.created_at is not None
        assert client.updated_at is not None
        return cls(
            client_id=client.client_id,
            birth_year=client.birth_year,
            country=client.country,
            base_currency=client.base_currency,
            risk_tolerance=client.risk_tolerance,
            income_band=client.income_band,
            net_worth_band=client.net_worth_band,
            client_profile=ClientProfileModel.from_domain(client.profile),
            consents=dict(client.consents),
            created_at=client.created_at,
            updated_at=client.updated_at,
        )
