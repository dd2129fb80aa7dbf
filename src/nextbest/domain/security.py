"""The security master: what each instrument a client can hold is, for signals and screens."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from nextbest.domain.enums import AssetClass, Controversy, Sector
from nextbest.domain.ids import SecurityId

__all__ = ["Security"]


@dataclass(frozen=True, slots=True)
class Security:
    """One instrument.

    >>> s = Security(SecurityId("EQ-1"), "Acme", AssetClass.EQUITY, Sector.ENERGY,
    ...              controversies=frozenset({Controversy.FOSSIL_FUELS}))
    >>> s.is_restricted_by(frozenset({Controversy.FOSSIL_FUELS}))
    True
    >>> s.is_restricted_by(frozenset({Sector.UTILITIES}))
    False
    """

    security_id: SecurityId
    name: str
    asset_class: AssetClass
    sector: Sector
    region: str | None = None
    currency: str | None = None
    esg_score: Decimal | None = None
    controversies: frozenset[Controversy] = frozenset()
    price: Decimal | None = None

    def is_restricted_by(self, restricted: frozenset[Sector | Controversy]) -> bool:
        return self.sector in restricted or not self.controversies.isdisjoint(restricted)
