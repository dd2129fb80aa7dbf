"""A fictional security master: listed companies, funds, bonds, cash, property and alternatives.

Every name is made up from word lists ("Harrowgate Power plc", "Karoo Breweries Ltd",
"Meridian Global Equity Index Fund"); none is meant to be a real company. ESG scores follow the
sector (coal and tobacco low, software and utilities high) with noise, and the usual negative
screens (tobacco, gambling, weapons, fossil fuels, alcohol, ...) are flagged as controversies.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from nextbest.domain.enums import AssetClass, Controversy, Sector
from nextbest.domain.ids import SecurityId
from nextbest.domain.security import Security
from nextbest.sim.company_themes import LISTINGS, THEMES, Listing, Theme

__all__ = ["HOME_REGION", "REGION_CODES", "build_security_master", "is_pooled_fund"]

REGION_CODES = {
    "UK": "GB",
    "South Africa": "ZA",
    "US": "US",
    "Europe": "EU",
    "Global": "GL",
    "Emerging Markets": "EM",
}
"""Security-master regions and the code each puts into security ids."""

HOME_REGION = {"GBP": "UK", "ZAR": "South Africa", "USD": "US", "EUR": "Europe"}
"""The region whose market trades in each currency."""

_ID_PREFIX = {
    AssetClass.EQUITY: "EQ",
    AssetClass.BOND: "BD",
    AssetClass.PROPERTY: "PR",
    AssetClass.ALTERNATIVE: "AL",
}


@dataclass(frozen=True, slots=True)
class _Fund:
    """A fund (or trust) offered in several currencies by one of that currency's fund houses."""

    name: str
    asset_class: AssetClass
    sector: Sector
    region: str | None
    esg: float
    controversies: frozenset[Controversy] = frozenset()
    currencies: tuple[str, ...] = ("GBP", "ZAR", "USD")


_FUNDS = (
    _Fund("Global Equity Index Fund", AssetClass.EQUITY, Sector.DIVERSIFIED, "Global", 58),
    _Fund("Global ESG Leaders Fund", AssetClass.EQUITY, Sector.DIVERSIFIED, "Global", 86),
    _Fund(
        "Emerging Markets Equity Fund",
        AssetClass.EQUITY,
        Sector.DIVERSIFIED,
        "Emerging Markets",
        44,
    ),
    _Fund("{home} Equity Index Fund", AssetClass.EQUITY, Sector.DIVERSIFIED, None, 52),
    _Fund(
        "Global Energy & Resources Fund",
        AssetClass.EQUITY,
        Sector.ENERGY,
        "Global",
        28,
        frozenset({Controversy.FOSSIL_FUELS}),
        ("GBP", "USD"),
    ),
    _Fund(
        "Global Technology Fund",
        AssetClass.EQUITY,
        Sector.INFORMATION_TECHNOLOGY,
        "Global",
        68,
        currencies=("GBP", "USD"),
    ),
    _Fund("Global Aggregate Bond Fund", AssetClass.BOND, Sector.DIVERSIFIED, "Global", 62),
    _Fund("{home} Corporate Bond Fund", AssetClass.BOND, Sector.DIVERSIFIED, None, 55),
    _Fund(
        "Global Green Bond Fund",
        AssetClass.BOND,
        Sector.DIVERSIFIED,
        "Global",
        88,
        currencies=("GBP", "USD"),
    ),
    _Fund("Global Property Securities Fund", AssetClass.PROPERTY, Sector.REAL_ESTATE, "Global", 55),
    _Fund("Physical Gold ETC", AssetClass.ALTERNATIVE, Sector.MATERIALS, "Global", 40),
    _Fund("Global Infrastructure Fund", AssetClass.ALTERNATIVE, Sector.UTILITIES, "Global", 66),
    _Fund(
        "Absolute Return Fund",
        AssetClass.ALTERNATIVE,
        Sector.DIVERSIFIED,
        "Global",
        50,
        currencies=("GBP", "USD"),
    ),
    _Fund(
        "Private Equity Trust",
        AssetClass.ALTERNATIVE,
        Sector.FINANCIALS,
        "Global",
        48,
        currencies=("GBP",),
    ),
    _Fund(
        "Renewable Energy Infrastructure Fund",
        AssetClass.ALTERNATIVE,
        Sector.UTILITIES,
        "Global",
        84,
        currencies=("GBP", "ZAR"),
    ),
)

_FUND_HOUSES = {
    "GBP": ("Meridian", "Bracken", "Ashdown"),
    "ZAR": ("Cairnwood", "Umdoni", "Sandveld"),
    "USD": ("Lodestar", "Halcyon", "Bridgeport"),
}
_HOME_ADJECTIVE = {"GBP": "UK", "ZAR": "South African", "USD": "US"}
_FUND_PRICE = {"GBP": 2.5, "ZAR": 40.0, "USD": 45.0}


@dataclass(frozen=True, slots=True)
class _Sovereign:
    currency: str
    issuer: str
    instrument: str
    coupons: tuple[str, ...]
    years: tuple[int, ...]
    esg: float


_SOVEREIGNS = (
    _Sovereign(
        "GBP", "UK Treasury", "Gilt", ("0.25", "1.50", "3.75", "4.25", "4.75"),
        (2027, 2030, 2034, 2041, 2053), 72,
    ),
    _Sovereign(
        "ZAR", "Republic of South Africa", "Bond", ("6.25", "7.00", "8.50", "8.75", "10.50"),
        (2030, 2035, 2040, 2048), 50,
    ),
    _Sovereign(
        "USD", "US Treasury", "Note", ("1.50", "2.875", "3.625", "4.00", "4.50"),
        (2027, 2029, 2032, 2035, 2054), 62,
    ),
    _Sovereign("EUR", "German Federal", "Bund", ("0.00", "1.70", "2.30"), (2030, 2034), 80),
)  # fmt: skip

_CASH = {"GBP": "Sterling Cash", "ZAR": "Rand Cash", "USD": "US Dollar Cash", "EUR": "Euro Cash"}


class _Numbering:
    """Hands out ``EQ-GB-0001``-style ids, numbered per kind and region."""

    def __init__(self) -> None:
        self._used: Counter[tuple[str, str]] = Counter()

    def next(self, asset_class: AssetClass, region: str) -> SecurityId:
        key = (_ID_PREFIX[asset_class], REGION_CODES[region])
        self._used[key] += 1
        return SecurityId(f"{key[0]}-{key[1]}-{self._used[key]:04d}")


def _score(rng: random.Random, mean: float) -> Decimal:
    value = min(99.0, max(1.0, rng.gauss(mean, 8.0)))
    return Decimal(f"{value:.2f}")


def _price(rng: random.Random, median: float, spread: float) -> Decimal:
    return Decimal(f"{max(median * rng.lognormvariate(0.0, spread), 0.05):.4f}")


def _company(rng: random.Random, listing: Listing, prefix: str, theme: Theme) -> str:
    word = rng.choice(theme.words)
    if listing.region == "US":
        word = word.replace("Defence", "Defense")
    suffix = listing.suffixes[0] if "Holdings" in word else rng.choice(listing.suffixes)
    return f"{prefix} {word} {suffix}"


def _listed(rng: random.Random, numbering: _Numbering) -> Iterator[Security]:
    for listing in LISTINGS:
        slots = [key for key, count in listing.themes.items() for _ in range(count)]
        prefixes = rng.sample(listing.prefixes, len(slots))
        for prefix, key in zip(prefixes, slots, strict=True):
            theme = THEMES[key]
            yield Security(
                security_id=numbering.next(theme.asset_class, listing.region),
                name=_company(rng, listing, prefix, theme),
                asset_class=theme.asset_class,
                sector=theme.sector,
                region=listing.region,
                currency=listing.currency,
                esg_score=_score(rng, theme.esg + listing.esg_shift),
                controversies=theme.controversies,
                price=_price(rng, listing.median_price, 0.9),
            )


def _funds(rng: random.Random, numbering: _Numbering) -> Iterator[Security]:
    for fund in _FUNDS:
        for currency in fund.currencies:
            home = HOME_REGION[currency]
            name = fund.name.replace("{home}", _HOME_ADJECTIVE[currency])
            yield Security(
                security_id=numbering.next(fund.asset_class, home),
                name=f"{rng.choice(_FUND_HOUSES[currency])} {name}",
                asset_class=fund.asset_class,
                sector=fund.sector,
                region=fund.region or home,
                currency=currency,
                esg_score=_score(rng, fund.esg),
                controversies=fund.controversies,
                price=_price(rng, _FUND_PRICE[currency], 0.5),
            )


def _sovereigns(rng: random.Random, numbering: _Numbering) -> Iterator[Security]:
    for sovereign in _SOVEREIGNS:
        region = HOME_REGION[sovereign.currency]
        for year in sovereign.years:
            coupon = rng.choice(sovereign.coupons)
            # US Treasuries of more than ten years are bonds, shorter ones notes.
            instrument = (
                "Bond" if sovereign.instrument == "Note" and year > 2036 else sovereign.instrument
            )
            yield Security(
                security_id=numbering.next(AssetClass.BOND, region),
                name=f"{sovereign.issuer} {coupon}% {instrument} {year}",
                asset_class=AssetClass.BOND,
                sector=Sector.GOVERNMENT,
                region=region,
                currency=sovereign.currency,
                esg_score=_score(rng, sovereign.esg),
                price=Decimal(f"{rng.uniform(82.0, 106.0):.4f}"),
            )


def _cash() -> Iterator[Security]:
    for currency, name in _CASH.items():
        yield Security(
            security_id=SecurityId(f"CASH-{currency}"),
            name=name,
            asset_class=AssetClass.CASH,
            sector=Sector.CASH,
            region=HOME_REGION[currency],
            currency=currency,
            price=Decimal("1.0000"),
        )


def is_pooled_fund(security: Security) -> bool:
    """Whether ``security`` is one of the master's funds, held in fractional units.

    Funds are the diversified instruments and everything regional or global; single companies,
    government bonds and cash belong to one home market.
    """
    return security.sector is Sector.DIVERSIFIED or security.region in {
        "Global",
        "Emerging Markets",
    }


def build_security_master(*, seed: int = 7) -> tuple[Security, ...]:
    """About 190 fictional securities across all five asset classes; the same for the same seed.

    >>> master = build_security_master()
    >>> len(master) >= 150, len({s.asset_class for s in master})
    (True, 5)
    >>> next(s for s in master if s.security_id == "CASH-GBP").name
    'Sterling Cash'
    """
    rng = random.Random(f"nextbest-security-master:{seed}")
    numbering = _Numbering()
    return (
        *_listed(rng, numbering),
        *_funds(rng, numbering),
        *_sovereigns(rng, numbering),
        *_cash(),
    )
