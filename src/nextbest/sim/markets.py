"""The three home markets the demo book is set in: country, currency, region and clock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["MARKETS", "Market"]


@dataclass(frozen=True, slots=True)
class Market:
    """One client market.

    ``scale`` is roughly how many units of the currency buy what one pound does, so amounts
    written once in pounds read naturally in rand or dollars. ``utc_offsets`` are standard-time
    offsets in hours: fixed offsets keep the book identical on every machine, with or without a
    time-zone database, and an hour of daylight saving does not matter to synthetic behaviour.

    >>> MARKETS["ZA"].currency, MARKETS["ZA"].region
    ('ZAR', 'South Africa')
    """

    country: str
    currency: str
    region: str
    scale: Decimal
    utc_offsets: tuple[int, ...]


MARKETS: dict[str, Market] = {
    "GB": Market("GB", "GBP", "UK", Decimal(1), (0,)),
    "ZA": Market("ZA", "ZAR", "South Africa", Decimal(18), (2,)),
    "US": Market("US", "USD", "US", Decimal("1.25"), (-5, -6, -7, -8)),
}
"""Client markets by ISO 3166 country code."""
