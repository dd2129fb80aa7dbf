"""PREFERENCE_MISMATCH: a holding at odds with the client's stated ESG focus.

Only clients whose ``esg_focus`` has a threshold in ``min_esg_score`` are looked at (by default
MEDIUM and HIGH). A held security is a mismatch when

* its ESG score is below the focus level's threshold (HIGH: below 40, MEDIUM: below 25 — on the
  0-100 scale where the demo master's sector averages run from about 20 for tobacco and coal to
  about 80 for software and renewables; a security with no score is not judged on it), or
* the focus level is in ``flag_controversies`` (by default HIGH) and the security carries any
  controversy flag (tobacco, weapons, fossil fuels, ...).

Holdings that break the client's hard constraints are left to CONSTRAINT_VIOLATION, which
already asks for them to be sold, so one holding never gives both.

Each mismatched security gives one regulated ESG candidate to switch it (SELL in each account,
BUY the alternative there) into the same-asset-class alternative with the highest ESG score that
has no controversy flag, is allowed by the client's constraints, scores at least the threshold
and more than the holding. **When no such alternative exists the detector stays quiet**: a switch
with nothing to switch into is not an action, and the client's view is already represented by
its screens (restrictions), which CONSTRAINT_VIOLATION enforces without needing an alternative.

Urgency is modest, since nothing is breached, and grows with how far the score falls short and
with each flagged controversy::

    shortfall = (threshold - esg_score) / threshold      (0 when not below or not scored)
    urgency   = 20 + 40 * shortfall + 10 * flagged controversies   (clamped to 0-100)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import partial

from nextbest.domain.candidate import (
    ActionType,
    Benefit,
    Candidate,
    Category,
    SignalType,
)
from nextbest.domain.enums import EsgFocus
from nextbest.domain.security import Security
from nextbest.signals.amounts import fraction, money, percent, percent_label, text, urgency
from nextbest.signals.base import SignalContext
from nextbest.signals.positions import (
    Exposure,
    best_alternative,
    exposures,
    has_holdings,
    positions,
    restriction_reasons,
    security_evidence,
    switch_trades,
)

__all__ = ["DEFAULT_MIN_ESG_SCORE", "PreferenceMismatchDetector"]

DEFAULT_MIN_ESG_SCORE: Mapping[EsgFocus, Decimal] = {
    EsgFocus.HIGH: Decimal(40),
    EsgFocus.MEDIUM: Decimal(25),
}
"""The lowest acceptable ESG score per focus level; levels not listed are not checked."""

_BASE_URGENCY = 20
_SHORTFALL_URGENCY = 40
_CONTROVERSY_URGENCY = 10


class PreferenceMismatchDetector:
    """Finds holdings whose ESG score or controversies clash with the client's ESG focus.

    ``min_esg_score`` maps a focus level to the lowest acceptable score (default HIGH 40,
    MEDIUM 25); ``flag_controversies`` lists the levels for which any controversy is a mismatch
    (default HIGH only).

    >>> from datetime import date
    >>> from decimal import Decimal as D
    >>> from nextbest.domain.client import Client, ClientProfile, Preferences
    >>> from nextbest.domain.enums import AccountType, AssetClass, RiskTolerance, Sector
    >>> from nextbest.domain.ids import AccountId, ClientId, SecurityId
    >>> from nextbest.domain.portfolio import Account, Holding, Portfolio
    >>> from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    >>> from nextbest.signals.base import SecurityMaster
    >>> coal = Security(SecurityId("EQ-1"), "Pit plc", AssetClass.EQUITY, Sector.MATERIALS,
    ...                 esg_score=D(18))
    >>> wind = Security(SecurityId("EQ-2"), "Gust plc", AssetClass.EQUITY, Sector.UTILITIES,
    ...                 esg_score=D(85))
    >>> client = Client(ClientId("c1"), 1990, "GB", "GBP", RiskTolerance.MEDIUM,
    ...     profile=ClientProfile(preferences=Preferences(esg_focus=EsgFocus.HIGH)))
    >>> account = Account(AccountId("isa-1"), AccountType.TAX_FREE_SAVINGS,
    ...                   holdings=(Holding(SecurityId("EQ-1"), D(10), D(2000)),))
    >>> context = SignalContext(client, Portfolio(ClientId("c1"), "GBP", accounts=(account,)),
    ...     SecurityMaster([coal, wind]), DEFAULT_ASSUMPTIONS, date(2026, 2, 1))
    >>> [(c.key, c.urgency, [t.security_id for t in c.trades])
    ...  for c in PreferenceMismatchDetector().detect(context)]
    [('PREFERENCE_MISMATCH:EQ-1', 42, ['EQ-1', 'EQ-2'])]
    """

    name = "preference_mismatch"

    def __init__(
        self,
        *,
        min_esg_score: Mapping[EsgFocus, Decimal] = DEFAULT_MIN_ESG_SCORE,
        flag_controversies: frozenset[EsgFocus] = frozenset({EsgFocus.HIGH}),
    ) -> None:
        if any(not 0 <= score <= 100 for score in min_esg_score.values()):
            raise ValueError("ESG thresholds are on the 0-100 scale")
        self.min_esg_score = dict(min_esg_score)
        self.flag_controversies = flag_controversies

    def detect(self, context: SignalContext) -> list[Candidate]:
        focus = context.client.profile.preferences.esg_focus
        if focus is None or focus not in self.min_esg_score:
            return []
        portfolio = context.portfolio
        if portfolio is None or not has_holdings(portfolio):
            return []
        constraints = context.client.profile.constraints
        threshold = self.min_esg_score[focus]
        total = portfolio.market_value
        found: list[Candidate] = []
        for exposure in exposures(positions(portfolio, context.master)):
            security = exposure.security
            if exposure.market_value <= 0 or restriction_reasons(security, constraints):
                continue
            low = security.esg_score is not None and security.esg_score < threshold
            flagged = sorted(c.value for c in security.controversies)
            if focus not in self.flag_controversies:
                flagged = []
            if not low and not flagged:
                continue
            alternative = best_alternative(
                context.master,
                context.client,
                security.asset_class,
                exclude=[security.security_id],
                admit=partial(_better, held=security, threshold=threshold),
            )
            if alternative is not None:
                found.append(
                    self._candidate(
                        context, exposure, alternative, focus, threshold, flagged, total
                    )
                )
        return found

    def _candidate(
        self,
        context: SignalContext,
        exposure: Exposure,
        alternative: Security,
        focus: EsgFocus,
        threshold: Decimal,
        flagged: list[str],
        total: Decimal,
    ) -> Candidate:
        security = exposure.security
        score = security.esg_score
        value = money(exposure.market_value)
        weight = fraction(value, total)
        shortfall = Decimal(0)
        if score is not None and score < threshold and threshold > 0:
            shortfall = (threshold - score) / threshold
        level = urgency(
            _BASE_URGENCY + _SHORTFALL_URGENCY * shortfall + _CONTROVERSY_URGENCY * len(flagged)
        )
        reasons = (["LOW_ESG_SCORE"] if shortfall > 0 else []) + [
            f"CONTROVERSY:{c}" for c in flagged
        ]
        currency = context.portfolio.base_currency if context.portfolio else ""
        scored = "unscored" if score is None else f"scored {score}/100"
        trades = switch_trades(exposure, alternative)
        return Candidate(
            key=f"{SignalType.PREFERENCE_MISMATCH.value}:{security.security_id}",
            signal=SignalType.PREFERENCE_MISMATCH,
            action_type=ActionType.SWITCH_TO_ESG_ALTERNATIVE,
            category=Category.ESG,
            urgency=level,
            regulated=True,
            benefit=Benefit(
                description=(
                    f"Switching {value} {currency} ({percent_label(weight)} of the portfolio) from "
                    f"{security.name} ({scored} on ESG) to {alternative.name} (scored "
                    f"{alternative.esg_score}/100) brings it in line with your ESG focus."
                ),
                amount=value,
                percentage=percent(weight),
            ),
            evidence={
                **security_evidence(security),
                "esg_focus": focus.value,
                "min_esg_score": text(threshold),
                "controversies": sorted(c.value for c in security.controversies),
                "flag_controversies": focus in self.flag_controversies,
                "reasons": reasons,
                "esg_shortfall": text(shortfall.quantize(Decimal("0.0001"))),
                "alternative_esg_score": text(alternative.esg_score or Decimal(0)),
                "holdings": [p.evidence() for p in exposure.positions],
                "market_value": text(value),
                "portfolio_value": text(money(total)),
                "weight": text(weight),
            },
            security_ids=(security.security_id, alternative.security_id),
            trades=tuple(trades),
            detail={"alternative": security_evidence(alternative)},
        )


def _better(candidate: Security, held: Security, threshold: Decimal) -> bool:
    """An alternative must be scored, meet the threshold and beat the holding's score."""
    score = candidate.esg_score
    if score is None or score < threshold:
        return False
    return held.esg_score is None or score > held.esg_score
