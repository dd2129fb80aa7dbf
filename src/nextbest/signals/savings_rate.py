"""SAVINGS_RATE: saving less each month than is suggested for the client's stage of life.

The savings rate is the portfolio's total monthly contributions (every account) over the
client's estimated gross monthly income (:mod:`nextbest.signals.household`, from the income band
in the portfolio's base currency). Only what is saved with the firm is seen, so the description
speaks of saving "with us" rather than claiming to know everything the household puts aside.

The target rises with age (``target_rates``, by the first age of each band): 10% of gross income
from 22 to 34, 15% from 35 to 49 and 20% from 50 — the common "save 10-15% of income, more if
you start late" guidance, with later starters needing more to catch up. Not judged (quiet):
a client younger than the first band, a client of ``max_age`` (67, about the state pension age
in the UK and US) or older — they are expected to draw on their savings, not build them — a
client with no income band or a currency the income table lacks, and a portfolio holding
nothing.

The candidate (SAVINGS, not regulated: how much to save is budgeting, not investment advice)
carries the monthly increase that would reach the target and::

    urgency = 20 + 50 * (target_rate - savings_rate) / target_rate     (70 when saving nothing)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from nextbest.domain.candidate import ActionType, Benefit, Candidate, Category, SignalType
from nextbest.signals.amounts import fraction, money, percent, percent_label, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.household import ANNUAL_INCOME, IncomeTable, annual_income
from nextbest.signals.positions import has_holdings

__all__ = ["DEFAULT_TARGET_RATES", "SavingsRateDetector"]

DEFAULT_TARGET_RATES: tuple[tuple[int, Decimal], ...] = (
    (22, Decimal("0.10")),
    (35, Decimal("0.15")),
    (50, Decimal("0.20")),
)
"""(first age of the band, share of gross income to save), youngest band first."""


class SavingsRateDetector:
    """Finds clients saving a smaller share of income than suggested for their age.

    ``target_rates`` maps the first age of each band to its target rate (default 22: 10%,
    35: 15%, 50: 20%); ``max_age`` (default 67) is the age from which the client is not judged;
    ``incomes`` is the income table (default ``ANNUAL_INCOME``).

    >>> from datetime import date
    >>> from nextbest.domain.client import Client
    >>> from nextbest.domain.enums import AccountType, IncomeBand, RiskTolerance
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding, Portfolio
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> client = Client(ClientId("c1"), 1986, "GB", "GBP", RiskTolerance.MEDIUM,
    ...                 income_band=IncomeBand.MIDDLE)
    >>> isa = Account(AccountId("isa-1"), AccountType.TAX_FREE_SAVINGS,
    ...               monthly_contribution=Decimal(300),
    ...               holdings=(Holding(SecurityId("EQ-1"), Decimal(1), Decimal(100)),))
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(isa,)),
    ...     SecurityMaster([]), DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.benefit.amount, c.evidence["target_rate"])
    ...  for c in SavingsRateDetector().detect(context)]
    [('SAVINGS_RATE:c1', Decimal('262.50'), '0.15')]
    """

    name = "savings_rate"

    def __init__(
        self,
        *,
        target_rates: Sequence[tuple[int, Decimal]] = DEFAULT_TARGET_RATES,
        max_age: int = 67,
        incomes: IncomeTable = ANNUAL_INCOME,
    ) -> None:
        bands = tuple(sorted(target_rates))
        if not bands or any(not 0 < rate < 1 for _, rate in bands):
            raise ValueError("target_rates needs at least one band, each rate between 0 and 1")
        self.target_rates = bands
        self.max_age = max_age
        self.incomes = incomes

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        client = context.client
        if portfolio is None or not has_holdings(portfolio) or client.income_band is None:
            return []
        age = client.age_in(context.as_of.year)
        band = next(
            ((start, rate) for start, rate in reversed(self.target_rates) if age >= start), None
        )
        income = annual_income(client.income_band, portfolio.base_currency, self.incomes)
        if band is None or age >= self.max_age or income is None or income <= 0:
            return []
        band_start, target = band
        saved = portfolio.monthly_contribution
        if saved * 12 >= target * income:
            return []
        monthly = income / 12
        increase = money(target * monthly - saved)
        if increase <= 0:
            return []
        rate = saved * 12 / income
        currency = portfolio.base_currency
        return [
            Candidate(
                key=f"{SignalType.SAVINGS_RATE.value}:{client.client_id}",
                signal=SignalType.SAVINGS_RATE,
                action_type=ActionType.INCREASE_SAVINGS_RATE,
                category=Category.SAVINGS,
                urgency=urgency(20 + 50 * (target - rate) / target),
                benefit=Benefit(
                    description=(
                        f"Saving {increase} {currency} more a month with us would lift your "
                        f"savings to {percent_label(target)} of your estimated income, the share "
                        f"suggested from age {band_start}."
                    ),
                    amount=increase,
                    percentage=percent(target - rate),
                ),
                evidence={
                    "age": age,
                    "age_band_from": band_start,
                    "target_rate": text(target),
                    "income_band": client.income_band.value,
                    "currency": currency,
                    "annual_income": text(income),
                    "monthly_income": text(money(monthly)),
                    "monthly_contribution": text(money(saved)),
                    "contributions": [
                        {
                            "account_id": account.account_id,
                            "monthly_contribution": text(account.monthly_contribution),
                        }
                        for account in portfolio.accounts
                    ],
                    "savings_rate": text(fraction(saved * 12, income)),
                    "monthly_increase": text(increase),
                    "max_age": self.max_age,
                },
            )
        ]
