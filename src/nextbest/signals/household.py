"""A household's income and essential spending, estimated from its income band.

nextbest holds income only as a band (no exact figure), so the detectors that need an amount —
the emergency fund, idle cash, the savings rate — take a representative annual gross household
income for the band in the client's base currency from ``ANNUAL_INCOME``. The figures are round
numbers near the middle of each band, not a measurement; a firm that knows its own book passes
its own table to the detectors.

* GBP follows the spread of UK gross household income (ONS, *Household income inequality*,
  financial year ending 2023: a median near £37,000, the top decile above £100,000).
* ZAR describes the formally employed, investing half of South African households (Stats SA
  income and expenditure surveys) — the ones who hold an investment account — not the national
  median, which is far lower.
* USD follows US household income (Census Bureau, *Income in the United States: 2023*: a median
  near $80,000, the top quintile from about $150,000).

Essential monthly spending is a share of gross income (``DEFAULT_EXPENSE_SHARE``): the
50/30/20 budgeting rule puts needs at half of take-home pay, and take-home pay is roughly 80% of
gross for these bands, so needs are about 40% of gross.

>>> annual_income(IncomeBand.MIDDLE, "GBP")
Decimal('45000')
>>> monthly_essential_expenses(IncomeBand.MIDDLE, "GBP")
Decimal('1500.00')
>>> monthly_essential_expenses(None, "GBP") is None, annual_income(IncomeBand.HIGH, "JPY") is None
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from nextbest.domain.enums import IncomeBand
from nextbest.signals.amounts import money

__all__ = [
    "ANNUAL_INCOME",
    "DEFAULT_EXPENSE_SHARE",
    "IncomeTable",
    "annual_income",
    "monthly_essential_expenses",
    "monthly_income",
]

IncomeTable = Mapping[str, Mapping[IncomeBand, Decimal]]
"""Annual gross household income by currency, then by income band."""


def _bands(*amounts: int) -> dict[IncomeBand, Decimal]:
    return {band: Decimal(amount) for band, amount in zip(IncomeBand, amounts, strict=True)}


ANNUAL_INCOME: IncomeTable = {
    # LOW, LOWER_MIDDLE, MIDDLE, UPPER_MIDDLE, HIGH
    "GBP": _bands(18_000, 30_000, 45_000, 70_000, 130_000),
    "ZAR": _bands(120_000, 300_000, 540_000, 900_000, 1_800_000),
    "USD": _bands(30_000, 55_000, 85_000, 140_000, 250_000),
}
"""Representative annual gross household income per income band, by base currency."""

DEFAULT_EXPENSE_SHARE = Decimal("0.40")
"""Essential spending as a share of gross income (half of take-home pay of about 80% of gross)."""


def annual_income(
    band: IncomeBand | None, currency: str, table: IncomeTable = ANNUAL_INCOME
) -> Decimal | None:
    """The band's representative annual income; ``None`` when the band or currency is unknown."""
    if band is None:
        return None
    return table.get(currency, {}).get(band)


def monthly_income(
    band: IncomeBand | None, currency: str, table: IncomeTable = ANNUAL_INCOME
) -> Decimal | None:
    """A twelfth of :func:`annual_income`, to the cent."""
    annual = annual_income(band, currency, table)
    return None if annual is None else money(annual / 12)


def monthly_essential_expenses(
    band: IncomeBand | None,
    currency: str,
    *,
    share: Decimal = DEFAULT_EXPENSE_SHARE,
    table: IncomeTable = ANNUAL_INCOME,
) -> Decimal | None:
    """Essential spending a month: ``share`` of the monthly income, to the cent."""
    annual = annual_income(band, currency, table)
    return None if annual is None else money(annual * share / 12)
