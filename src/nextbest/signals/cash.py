"""EMERGENCY_FUND and IDLE_CASH: too little cash for a rainy day, or too much doing nothing.

Cash is every holding in a security of asset class CASH. It is measured in months of essential
spending, estimated from the client's income band in the portfolio's base currency
(:mod:`nextbest.signals.household`: a representative income times ``expense_share``). **A client
with no income band, or in a currency the income table lacks, is not judged** — neither signal
fires, since neither can be measured — and neither fires without a portfolio holding something.

* EMERGENCY_FUND fires when cash is below ``emergency_months`` of spending (3, the low end of
  the usual 3-6 months guidance), or below ``emergency_months_with_goal`` (6) when the client
  has an EMERGENCY_FUND goal — they have said a safety net matters, so it is measured against
  the fuller reserve, and the candidate carries that goal's id. The benefit is the shortfall;
  ``detail`` spreads it over a year of monthly saving. It is CASH, not regulated (saving into a
  bank account is not investment advice), with no trades (the money comes from income) and::

      urgency = 30 + 50 * shortfall / target      (80 with no cash at all)

* IDLE_CASH fires when cash is above ``idle_months`` of spending **and** above ``idle_share`` of
  the portfolio. It suggests investing the excess over what should stay in cash — the larger of
  the emergency reserve and the target allocation's cash weight times the portfolio — across
  the target allocation's other asset classes (one BUY trade per class, in proportion to their
  target weights). The benefit is the extra expected return a year, from the capital-market
  assumptions (the target mix's expected return less cash's). It is regulated (investing is
  advice) and::

      urgency = 20 + 30 * min(1, (cash_share - idle_share) / idle_share)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
    Trade,
    TradeSide,
)
from nextbest.domain.client import Goal
from nextbest.domain.enums import AssetClass, GoalType
from nextbest.domain.portfolio import Portfolio
from nextbest.signals.amounts import fraction, money, percent, percent_label, split, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.household import (
    ANNUAL_INCOME,
    DEFAULT_EXPENSE_SHARE,
    IncomeTable,
    annual_income,
    monthly_essential_expenses,
)
from nextbest.signals.positions import has_holdings, positions

__all__ = ["CashDetector"]

_BUILD_MONTHS = 12
"""Over how many months the emergency-fund shortfall is suggested to be saved."""
_RATE = Decimal("0.000001")


class CashDetector:
    """Finds a missing emergency fund or idle cash (signals EMERGENCY_FUND and IDLE_CASH).

    ``expense_share`` (default 0.40 of gross income) estimates essential spending;
    ``emergency_months`` (3) and ``emergency_months_with_goal`` (6) set the reserve;
    ``idle_months`` (12) and ``idle_share`` (0.20 of the portfolio) must both be exceeded for
    cash to count as idle; ``incomes`` is the income table (default ``ANNUAL_INCOME``).

    >>> from datetime import date
    >>> from decimal import Decimal as D
    >>> from nextbest.domain.client import Client
    >>> from nextbest.domain.enums import AccountType, IncomeBand, RiskTolerance, Sector
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding
    >>> from nextbest.domain.security import Security
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> cash = Security(SecurityId("CASH-GBP"), "Cash", AssetClass.CASH, Sector.CASH)
    >>> client = Client(ClientId("c1"), 1980, "GB", "GBP", RiskTolerance.MEDIUM,
    ...                 income_band=IncomeBand.MIDDLE)
    >>> account = Account(AccountId("cash-1"), AccountType.CASH,
    ...                   holdings=(Holding(SecurityId("CASH-GBP"), D(1000), D(1000)),))
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(account,)),
    ...     SecurityMaster([cash]), DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.benefit.amount, c.urgency) for c in CashDetector().detect(context)]
    [('EMERGENCY_FUND:c1', Decimal('3500.00'), 69)]
    """

    name = "cash"

    def __init__(
        self,
        *,
        expense_share: Decimal = DEFAULT_EXPENSE_SHARE,
        emergency_months: Decimal = Decimal(3),
        emergency_months_with_goal: Decimal = Decimal(6),
        idle_months: Decimal = Decimal(12),
        idle_share: Decimal = Decimal("0.20"),
        incomes: IncomeTable = ANNUAL_INCOME,
    ) -> None:
        if not 0 < expense_share <= 1 or not 0 < idle_share < 1:
            raise ValueError("expense_share and idle_share are fractions of a whole")
        if min(emergency_months, emergency_months_with_goal, idle_months) < 0:
            raise ValueError("months cannot be negative")
        self.expense_share = expense_share
        self.emergency_months = emergency_months
        self.emergency_months_with_goal = emergency_months_with_goal
        self.idle_months = idle_months
        self.idle_share = idle_share
        self.incomes = incomes

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        if portfolio is None or not has_holdings(portfolio):
            return []
        client = context.client
        currency = portfolio.base_currency
        income = annual_income(client.income_band, currency, self.incomes)
        expenses = monthly_essential_expenses(
            client.income_band, currency, share=self.expense_share, table=self.incomes
        )
        if income is None or expenses is None or expenses <= 0 or client.income_band is None:
            return []
        goal = next(
            (g for g in client.profile.goals if g.goal_type is GoalType.EMERGENCY_FUND), None
        )
        months = self.emergency_months if goal is None else self.emergency_months_with_goal
        cash_positions = [
            p
            for p in positions(portfolio, context.master)
            if p.security.asset_class is AssetClass.CASH
        ]
        cash = money(sum((p.holding.market_value for p in cash_positions), Decimal(0)))
        total = money(portfolio.market_value)
        reserve = money(expenses * months)
        evidence: dict[str, Any] = {
            "income_band": client.income_band.value,
            "currency": currency,
            "annual_income": text(income),
            "expense_share": text(self.expense_share),
            "monthly_expenses": text(expenses),
            "cash": text(cash),
            "cash_holdings": [
                p.evidence() | {"security_id": p.security.security_id} for p in cash_positions
            ],
            "portfolio_value": text(total),
            "cash_share": text(fraction(cash, total)),
            "months_covered": text(money(cash / expenses)),
            "emergency_months": text(months),
            "emergency_reserve": text(reserve),
            "emergency_fund_goal_id": None if goal is None else goal.goal_id,
        }
        if cash < reserve:
            return [self._emergency(context, reserve, reserve - cash, goal, evidence)]
        idle_floor = money(expenses * self.idle_months)
        cash_share = fraction(cash, total)
        if cash <= idle_floor or cash <= self.idle_share * total:
            return []
        target_cash = portfolio.target_allocation.get(AssetClass.CASH, Decimal(0))
        keep = max(reserve, money(target_cash * total))
        excess = cash - keep
        if excess <= 0:
            return []
        evidence |= {
            "idle_months": text(self.idle_months),
            "idle_floor": text(idle_floor),
            "idle_share": text(self.idle_share),
            "target_cash_weight": text(target_cash),
            "keep_in_cash": text(keep),
            "excess": text(excess),
        }
        return [self._idle(context, portfolio, excess, cash_share, evidence)]

    def _emergency(
        self,
        context: SignalContext,
        reserve: Decimal,
        shortfall: Decimal,
        goal: Goal | None,
        evidence: dict[str, Any],
    ) -> Candidate:
        currency = evidence["currency"]
        return Candidate(
            key=f"{SignalType.EMERGENCY_FUND.value}:{context.client.client_id}",
            signal=SignalType.EMERGENCY_FUND,
            action_type=ActionType.BUILD_EMERGENCY_FUND,
            category=Category.CASH,
            urgency=urgency(30 + 50 * shortfall / reserve),
            goal_id=None if goal is None else goal.goal_id,
            benefit=Benefit(
                description=(
                    f"Setting aside {shortfall} {currency} more in cash would cover "
                    f"{evidence['emergency_months']} months of essential spending (about "
                    f"{evidence['monthly_expenses']} {currency} a month), so a surprise bill "
                    "need not mean selling investments."
                ),
                amount=shortfall,
            ),
            evidence=evidence | {"shortfall": text(shortfall)},
            detail={
                "suggested_monthly_saving": text(money(shortfall / _BUILD_MONTHS)),
                "months_to_build": _BUILD_MONTHS,
            },
        )

    def _idle(
        self,
        context: SignalContext,
        portfolio: Portfolio,
        excess: Decimal,
        cash_share: Decimal,
        evidence: dict[str, Any],
    ) -> Candidate:
        targets = sorted(
            (asset, weight)
            for asset, weight in portfolio.target_allocation.items()
            if asset is not AssetClass.CASH and weight > 0
        )
        amounts = split(excess, [weight for _, weight in targets])
        trades = tuple(
            Trade(TradeSide.BUY, amount, asset_class=asset)
            for (asset, _), amount in zip(targets, amounts, strict=True)
            if amount > 0
        )
        returns = context.assumptions.expected_return
        cash_return = Decimal(str(returns[AssetClass.CASH])).quantize(_RATE)
        invested = sum((weight for _, weight in targets), Decimal(0))
        currency = portfolio.base_currency
        gain: Decimal | None = None
        uplift: Decimal | None = None
        description = f"Investing {excess} {currency} of idle cash as your target mix suggests."
        if invested > 0:
            mix_return = (
                sum(
                    (Decimal(str(returns[asset])) * weight for asset, weight in targets), Decimal(0)
                )
                / invested
            )
            uplift = (mix_return - cash_return).quantize(_RATE)
            gain = money(excess * uplift)
            description = (
                f"Investing {excess} {currency} of idle cash as your target mix suggests could "
                f"earn about {gain} {currency} a year more than cash ({percent_label(uplift)} "
                "a year more on the long-run assumptions; returns are not guaranteed)."
            )
            evidence = evidence | {
                "expected_return_target_mix": text(mix_return.quantize(_RATE)),
                "expected_return_cash": text(cash_return),
                "expected_uplift": text(uplift),
                "expected_annual_gain": text(gain),
            }
        over = (cash_share - self.idle_share) / self.idle_share
        return Candidate(
            key=f"{SignalType.IDLE_CASH.value}:{context.client.client_id}",
            signal=SignalType.IDLE_CASH,
            action_type=ActionType.INVEST_IDLE_CASH,
            category=Category.CASH,
            urgency=urgency(20 + 30 * min(Decimal(1), over)),
            regulated=True,
            benefit=Benefit(
                description=description,
                amount=gain,
                percentage=None if uplift is None else percent(uplift),
            ),
            evidence=evidence,
            trades=trades,
            detail={
                "invest": {t.asset_class.value: text(t.amount) for t in trades if t.asset_class}
            },
        )
