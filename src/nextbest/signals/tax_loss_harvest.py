"""TAX_LOSS_HARVEST: sell a holding standing at a loss in a taxable account, buy a near substitute.

Only holdings in taxable accounts (``account_type`` TAXABLE with ``tax_wrapper`` NONE) count:
gains and losses inside an ISA, TFSA, SIPP, IRA or 401(k) are not taxed, so there is nothing to
harvest. A security's taxable holdings are taken together (the UK pools shares of one company
into a single cost; elsewhere it keeps one finding per security). **Holdings with no cost basis
are skipped**: without it there is no loss to measure. A security fires when its unrealised loss
(cost basis - market value) is above both ``min_loss`` (in the base currency) and
``min_loss_share`` of the cost.

**No suggestion may break a wash-sale window.** The US wash-sale rule (IRC §1091) disallows a
loss when the same security was bought within 30 days before or after the sale, and the UK
"bed and breakfast" rule (TCGA 1992 s.106A) matches a sale with a repurchase within 30 days. So
a security is skipped when any holding of it, in any account, was acquired within the last
``wash_sale_days`` days (a purchase exactly ``wash_sale_days`` days ago is still inside) or has
no acquisition date (a recent purchase cannot be ruled out); a held security bought within the
window is never offered as the replacement; and ``detail`` names the first day the client may
buy the sold security back.

The replacement is in the same asset class, preferably in the base currency and then in the same
sector (close exposure without being the same security), allowed by the client's constraints and
free of controversies (see :func:`~nextbest.signals.positions.best_alternative`); with none, the
detector stays quiet.

The benefit is the loss realised times a capital-gains rate per country, ``CAPITAL_GAINS_RATES``
— a rate a typical middle-income investor pays, assuming gains elsewhere for the loss to offset:

* GB 18%: the basic-rate CGT on shares from 30 October 2024 (24% for higher-rate payers);
* ZA 14.4%: 40% of a gain is included in taxable income, taxed at a 36% marginal rate;
* US 15%: the long-term capital-gains rate for most filers.

A client in a country without a rate, or in a currency without a ``min_loss``, is not judged.
The deadline is the last day of the client's tax year (GB 5 April, ZA end of February, US
31 December). Urgency grows with the depth of the loss and as the tax year's end nears::

    urgency = 20 + 30 * min(1, loss_share / 0.40) + 40 * max(0, 1 - days_to_year_end / 90)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
)
from nextbest.domain.enums import AccountType, TaxWrapper
from nextbest.domain.security import Security
from nextbest.signals.amounts import fraction, money, percent_label, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.positions import (
    Exposure,
    Position,
    best_alternative,
    exposures,
    has_holdings,
    positions,
    security_evidence,
    switch_trades,
)

__all__ = [
    "CAPITAL_GAINS_RATES",
    "DEFAULT_MIN_LOSS",
    "TAX_YEAR_STARTS",
    "TaxLossHarvestDetector",
    "tax_year_end",
]

CAPITAL_GAINS_RATES: Mapping[str, Decimal] = {
    "GB": Decimal("0.18"),
    "ZA": Decimal("0.144"),
    "US": Decimal("0.15"),
}
"""Capital-gains tax rate a typical investor pays, by ISO country code."""

DEFAULT_MIN_LOSS: Mapping[str, Decimal] = {
    "GBP": Decimal(500),
    "USD": Decimal(600),
    "ZAR": Decimal(9000),
}
"""The smallest loss worth harvesting (trading costs and effort), by base currency."""

TAX_YEAR_STARTS: Mapping[str, tuple[int, int]] = {"GB": (4, 6), "ZA": (3, 1), "US": (1, 1)}
"""(month, day) each country's tax year starts; it ends the day before."""

_LOSS_SHARE_FOR_FULL_URGENCY = Decimal("0.40")
_YEAR_END_WINDOW_DAYS = 90


def tax_year_end(as_of: date, country: str) -> date | None:
    """The last day of the tax year ``as_of`` falls in, or ``None`` for an unknown country.

    >>> tax_year_end(date(2026, 2, 1), "GB"), tax_year_end(date(2026, 4, 6), "GB")
    (datetime.date(2026, 4, 5), datetime.date(2027, 4, 5))
    >>> tax_year_end(date(2028, 2, 1), "ZA"), tax_year_end(date(2026, 2, 1), "US")
    (datetime.date(2028, 2, 29), datetime.date(2026, 12, 31))
    """
    start = TAX_YEAR_STARTS.get(country)
    if start is None:
        return None
    month, day = start
    next_start = date(as_of.year, month, day)
    if next_start <= as_of:
        next_start = date(as_of.year + 1, month, day)
    return next_start - timedelta(days=1)


def _taxable(position: Position) -> bool:
    account = position.account
    return account.account_type is AccountType.TAXABLE and account.tax_wrapper is TaxWrapper.NONE


class TaxLossHarvestDetector:
    """Finds losses in taxable accounts worth realising, never inside a wash-sale window.

    ``min_loss`` (by currency; default GBP 500, USD 600, ZAR 9,000) and ``min_loss_share``
    (default 0.10 of cost) must both be exceeded; ``wash_sale_days`` (default 30) is the window;
    ``tax_rates`` (by country) defaults to ``CAPITAL_GAINS_RATES``.

    >>> from decimal import Decimal as D
    >>> from nextbest.domain.client import Client
    >>> from nextbest.domain.enums import AssetClass, RiskTolerance, Sector
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding, Portfolio
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> ids = SecurityId("EQ-1"), SecurityId("EQ-2")
    >>> master = SecurityMaster([Security(i, i, AssetClass.EQUITY, Sector.ENERGY) for i in ids])
    >>> lot = Holding(ids[0], D(100), D(4000), cost_basis=D(5000), acquired_on=date(2024, 5, 1))
    >>> gia = Account(AccountId("gia-1"), AccountType.TAXABLE, holdings=(lot,))
    >>> client = Client(ClientId("c1"), 1980, "GB", "GBP", RiskTolerance.MEDIUM)
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(gia,)),
    ...                         master, DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.benefit.amount, c.deadline.isoformat())
    ...  for c in TaxLossHarvestDetector().detect(context)]
    [('TAX_LOSS_HARVEST:EQ-1', Decimal('180.00'), '2026-04-05')]
    """

    name = "tax_loss_harvest"

    def __init__(
        self,
        *,
        min_loss: Mapping[str, Decimal] = DEFAULT_MIN_LOSS,
        min_loss_share: Decimal = Decimal("0.10"),
        wash_sale_days: int = 30,
        tax_rates: Mapping[str, Decimal] = CAPITAL_GAINS_RATES,
    ) -> None:
        if min_loss_share < 0 or wash_sale_days < 0:
            raise ValueError("min_loss_share and wash_sale_days cannot be negative")
        self.min_loss = dict(min_loss)
        self.min_loss_share = min_loss_share
        self.wash_sale_days = wash_sale_days
        self.tax_rates = dict(tax_rates)

    def detect(self, context: SignalContext) -> list[Candidate]:
        portfolio = context.portfolio
        client = context.client
        rate = self.tax_rates.get(client.country)
        min_loss = self.min_loss.get(portfolio.base_currency) if portfolio else None
        if portfolio is None or not has_holdings(portfolio) or rate is None or min_loss is None:
            return []
        held = exposures(positions(portfolio, context.master))
        recent = {e.security.security_id for e in held if self._recently_bought(e, context)}
        found: list[Candidate] = []
        for exposure in held:
            lots = tuple(
                p for p in exposure.positions if _taxable(p) and p.holding.cost_basis is not None
            )
            if not lots or exposure.security.security_id in recent:
                continue
            cost = sum((p.holding.cost_basis or Decimal(0) for p in lots), Decimal(0))
            value = sum((p.holding.market_value for p in lots), Decimal(0))
            loss = money(cost - value)
            if loss <= min_loss or cost <= 0 or loss / cost <= self.min_loss_share:
                continue
            replacement = best_alternative(
                context.master,
                client,
                exposure.security.asset_class,
                exclude={exposure.security.security_id, *recent},
                prefer_sector=exposure.security.sector,
            )
            if replacement is not None:
                lot_exposure = Exposure(exposure.security, lots)
                found.append(
                    self._candidate(context, lot_exposure, replacement, rate, min_loss, cost)
                )
        return found

    def _recently_bought(self, exposure: Exposure, context: SignalContext) -> bool:
        for position in exposure.positions:
            acquired = position.holding.acquired_on
            if acquired is None or (context.as_of - acquired).days <= self.wash_sale_days:
                return True
        return False

    def _candidate(
        self,
        context: SignalContext,
        lots: Exposure,
        replacement: Security,
        rate: Decimal,
        min_loss: Decimal,
        cost: Decimal,
    ) -> Candidate:
        security = lots.security
        value = money(lots.market_value)
        cost = money(cost)
        loss = cost - value
        loss_share = fraction(loss, cost)
        saving = money(loss * rate)
        year_end = tax_year_end(context.as_of, context.client.country) or context.as_of
        days_left = (year_end - context.as_of).days
        nearness = max(Decimal(0), 1 - Decimal(days_left) / _YEAR_END_WINDOW_DAYS)
        depth = min(Decimal(1), loss_share / _LOSS_SHARE_FOR_FULL_URGENCY)
        level = urgency(20 + 30 * depth + 40 * nearness)
        repurchase_from = context.as_of + timedelta(days=self.wash_sale_days + 1)
        held_days = min(
            (context.as_of - p.holding.acquired_on).days
            for p in lots.positions
            if p.holding.acquired_on is not None
        )
        currency = context.portfolio.base_currency if context.portfolio else ""
        trades = switch_trades(lots, replacement)
        return Candidate(
            key=f"{SignalType.TAX_LOSS_HARVEST.value}:{security.security_id}",
            signal=SignalType.TAX_LOSS_HARVEST,
            action_type=ActionType.HARVEST_TAX_LOSS,
            category=Category.TAX,
            urgency=level,
            regulated=True,
            deadline=year_end,
            benefit=Benefit(
                description=(
                    f"Selling {security.name} realises a loss of {loss} {currency} that can "
                    f"offset taxable gains, worth about {saving} {currency} in tax at "
                    f"{percent_label(rate)}; buying {replacement.name} keeps you invested."
                ),
                amount=saving,
            ),
            evidence={
                **security_evidence(security),
                "holdings": [p.evidence() for p in lots.positions],
                "cost_basis": text(cost),
                "market_value": text(value),
                "loss": text(loss),
                "loss_share": text(loss_share),
                "min_loss": text(min_loss),
                "min_loss_share": text(self.min_loss_share),
                "country": context.client.country,
                "tax_rate": text(rate),
                "tax_saving": text(saving),
                "wash_sale_days": self.wash_sale_days,
                "days_since_last_purchase": held_days,
                "tax_year_end": year_end.isoformat(),
                "days_to_tax_year_end": days_left,
                "replacement_id": replacement.security_id,
            },
            security_ids=(security.security_id, replacement.security_id),
            trades=tuple(trades),
            detail={
                "replacement": security_evidence(replacement),
                "do_not_repurchase_before": repurchase_from.isoformat(),
            },
        )
