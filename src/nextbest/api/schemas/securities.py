"""Wire shapes of the security master."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from nextbest.api.schemas.common import CurrencyCode, Identifier, StrictModel
from nextbest.domain.enums import AssetClass, Controversy, Sector
from nextbest.domain.ids import SecurityId
from nextbest.domain.security import Security

__all__ = ["SecuritiesIn", "SecuritiesOut", "SecurityModel", "SecurityPage"]

MAX_SECURITIES_PER_REQUEST = 5_000


class SecurityModel(StrictModel):
    security_id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=200)]
    asset_class: AssetClass
    sector: Sector
    region: Annotated[str | None, Field(max_length=32)] = None
    currency: CurrencyCode | None = None
    esg_score: Annotated[Decimal | None, Field(ge=0, le=100, decimal_places=2)] = Field(
        default=None, description="0 (worst) to 100 (best)"
    )
    controversies: Annotated[list[Controversy], Field(max_length=len(Controversy))] = Field(
        default_factory=list
    )
    price: Annotated[Decimal | None, Field(ge=0, max_digits=18, decimal_places=4)] = None

    def to_domain(self) -> Security:
        return Security(
            security_id=SecurityId(self.security_id),
            name=self.name,
            asset_class=self.asset_class,
            sector=self.sector,
            region=self.region,
            currency=self.currency,
            esg_score=self.esg_score,
            controversies=frozenset(self.controversies),
            price=self.price,
        )

    @classmethod
    def from_domain(cls, security: Security) -> SecurityModel:
        return cls(
            security_id=security.security_id,
            name=security.name,
            asset_class=security.asset_class,
            sector=security.sector,
            region=security.region,
            currency=security.currency,
            esg_score=security.esg_score,
            controversies=sorted(security.controversies),
            price=security.price,
        )


class SecuritiesIn(StrictModel):
    securities: Annotated[
        list[SecurityModel], Field(min_length=1, max_length=MAX_SECURITIES_PER_REQUEST)
    ]

    @field_validator("securities")
    @classmethod
    def _unique(cls, securities: list[SecurityModel]) -> list[SecurityModel]:
        seen: set[str] = set()
        for security in securities:
            if security.security_id in seen:
                raise ValueError(f"security {security.security_id!r} appears twice")
            seen.add(security.security_id)
        return securities


class SecuritiesOut(BaseModel):
    received: int
    created: int
    updated: int


class SecurityPage(BaseModel):
    securities: list[SecurityModel]
    next_after: str | None = Field(description="Pass as `after` for the next page; null at the end")
