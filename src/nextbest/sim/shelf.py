"""What a client in each market is offered: the security master cut by market and asset class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import SecurityId
from nextbest.domain.security import Security
from nextbest.sim.markets import MARKETS
from nextbest.sim.security_master import is_pooled_fund

__all__ = ["Offer", "Shelf"]

Offer = tuple[Security, float]
"""A security and how readily it is picked, relative to the others on its shelf."""

# Foreign markets whose single companies a client also buys directly, and how readily.
_ABROAD: dict[str, dict[str, float]] = {
    "GB": {"Europe": 0.3, "US": 0.3},
    "ZA": {},
    "US": {"Europe": 0.2},
}


@dataclass(frozen=True, slots=True)
class Shelf:
    """Offers by ``(country, asset class)`` and each market's own listed companies.

    Clients mostly hold their home market and funds in their own currency, which are picked
    three times as readily as a single company.

    >>> from nextbest.sim.security_master import build_security_master
    >>> shelf = Shelf.from_master(build_security_master())
    >>> [s.security_id for s, _ in shelf.offered("GB", AssetClass.CASH)]
    ['CASH-GBP']
    >>> {s.region for s in shelf.companies["ZA"]}
    {'South Africa'}
    """

    by_id: Mapping[SecurityId, Security]
    offers: Mapping[tuple[str, AssetClass], tuple[Offer, ...]]
    companies: Mapping[str, tuple[Security, ...]]

    @classmethod
    def from_master(cls, securities: Sequence[Security]) -> Shelf:
        offers: dict[tuple[str, AssetClass], list[Offer]] = {}
        companies: dict[str, tuple[Security, ...]] = {}
        for country, market in MARKETS.items():
            companies[country] = tuple(
                s
                for s in securities
                if s.asset_class is AssetClass.EQUITY
                and s.region == market.region
                and not is_pooled_fund(s)
            )
            abroad = _ABROAD[country]
            for security in securities:
                weight = 0.0
                if security.currency == market.currency:
                    weight = 3.0 if is_pooled_fund(security) else 1.0
                elif security.asset_class is AssetClass.EQUITY and security.region in abroad:
                    weight = abroad[security.region]
                if weight:
                    offers.setdefault((country, security.asset_class), []).append(
                        (security, weight)
                    )
        return cls(
            by_id={s.security_id: s for s in securities},
            offers={key: tuple(value) for key, value in offers.items()},
            companies=companies,
        )

    def offered(self, country: str, asset_class: AssetClass) -> tuple[Offer, ...]:
        return self.offers.get((country, asset_class), ())
