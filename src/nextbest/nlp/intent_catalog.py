"""What each intent means to the engine: its family, and the signals and actions it points at.

Two label sets share one classifier: the 77 Banking77 service intents (cards, transfers,
top-ups…) and 17 financial-planning intents written for nextbest. A planning intent points at the
signal detectors and catalog actions worth looking at next (a market worry → the goal-funding
derisking signal); a banking intent points at a service family, which picks the reply.

The mapping is plain data so a product owner can read and change it in review.

>>> route = INTENT_ROUTES["market_worry"]
>>> route.family, [s.value for s in route.signals]
('market_worry', ['GOAL_FUNDING_DERISK', 'CONCENTRATION', 'REBALANCING_DRIFT'])
>>> INTENT_ROUTES["card_arrival"].family
'banking_cards'
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from nextbest.domain.candidate import ActionType, SignalType

__all__ = [
    "BANKING_FAMILIES",
    "INTENT_ROUTES",
    "PLANNING_INTENTS",
    "UNKNOWN_INTENT",
    "IntentRoute",
    "route_for",
]

UNKNOWN_INTENT = "unknown"
"""The answer below the confidence threshold; its family is ``unknown`` too."""


@dataclass(frozen=True, slots=True)
class IntentRoute:
    """Where an intent leads: a reply family, signals to re-check, catalog actions to consider."""

    family: str
    signals: tuple[SignalType, ...] = ()
    actions: tuple[ActionType, ...] = ()
    advisor_handoff: bool = False


_S = SignalType
_A = ActionType

_PLANNING: dict[str, IntentRoute] = {
    "goal_progress": IntentRoute(
        "goal_progress",
        (_S.GOAL_PROGRESS, _S.SAVINGS_RATE),
        (_A.INCREASE_CONTRIBUTION, _A.GOAL_ON_TRACK),
    ),
    "market_worry": IntentRoute(
        "market_worry",
        (_S.GOAL_FUNDING_DERISK, _S.CONCENTRATION, _S.REBALANCING_DRIFT),
        (_A.DERISK_GOAL_ASSETS, _A.REDUCE_CONCENTRATION, _A.REBALANCE),
    ),
    "retirement": IntentRoute(
        "retirement",
        (_S.GOAL_PROGRESS, _S.SAVINGS_RATE, _S.GOAL_FUNDING_DERISK),
        (_A.INCREASE_CONTRIBUTION, _A.INCREASE_SAVINGS_RATE, _A.DERISK_GOAL_ASSETS),
    ),
    "tax": IntentRoute("tax", (_S.TAX_LOSS_HARVEST,), (_A.HARVEST_TAX_LOSS,)),
    "esg_values": IntentRoute(
        "esg_values",
        (_S.PREFERENCE_MISMATCH, _S.CONSTRAINT_VIOLATION),
        (_A.SWITCH_TO_ESG_ALTERNATIVE, _A.SELL_RESTRICTED_HOLDING),
    ),
    "complaint": IntentRoute("complaint", advisor_handoff=True),
    "speak_to_advisor": IntentRoute("speak_to_advisor", advisor_handoff=True),
    "update_goal": IntentRoute("update_goal", (_S.GOAL_PROGRESS,), (_A.INCREASE_CONTRIBUTION,)),
    "create_goal": IntentRoute("create_goal", (_S.GOAL_PROGRESS, _S.SAVINGS_RATE)),
    "contribution": IntentRoute(
        "contribution",
        (_S.SAVINGS_RATE, _S.GOAL_PROGRESS),
        (_A.INCREASE_CONTRIBUTION, _A.INCREASE_SAVINGS_RATE),
    ),
    "portfolio_performance": IntentRoute(
        "portfolio_performance",
        (_S.REBALANCING_DRIFT, _S.CONCENTRATION, _S.GOAL_PROGRESS),
        (_A.REBALANCE, _A.REDUCE_CONCENTRATION),
    ),
    "investment_fees": IntentRoute("investment_fees"),
    "account_balance": IntentRoute("account_balance"),
    "notification_preferences": IntentRoute("notification_preferences"),
    "emergency_cash": IntentRoute(
        "emergency_cash",
        (_S.EMERGENCY_FUND, _S.IDLE_CASH),
        (_A.BUILD_EMERGENCY_FUND, _A.INVEST_IDLE_CASH),
    ),
    "rebalance_risk": IntentRoute(
        "rebalance_risk",
        (_S.REBALANCING_DRIFT, _S.CONCENTRATION, _S.GOAL_FUNDING_DERISK),
        (_A.REBALANCE, _A.REDUCE_CONCENTRATION, _A.DERISK_GOAL_ASSETS),
    ),
    "life_event": IntentRoute(
        "life_event",
        (_S.EMERGENCY_FUND, _S.SAVINGS_RATE, _S.GOAL_PROGRESS),
        (_A.BUILD_EMERGENCY_FUND, _A.INCREASE_SAVINGS_RATE),
        advisor_handoff=True,
    ),
}
PLANNING_INTENTS: tuple[str, ...] = tuple(sorted(_PLANNING))

BANKING_FAMILIES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "banking_cards": (
            "activate_my_card", "apple_pay_or_google_pay", "card_about_to_expire",
            "card_acceptance", "card_arrival", "card_delivery_estimate", "card_linking",
            "card_not_working", "card_swallowed", "change_pin", "contactless_not_working",
            "disposable_card_limits", "get_disposable_virtual_card", "get_physical_card",
            "getting_spare_card", "getting_virtual_card", "order_physical_card", "pin_blocked",
            "supported_cards_and_currencies", "virtual_card_not_working", "visa_or_mastercard",
        ),
        "banking_payments": (
            "Refund_not_showing_up", "balance_not_updated_after_bank_transfer",
            "beneficiary_not_allowed", "cancel_transfer", "declined_card_payment",
            "declined_transfer", "direct_debit_payment_not_recognised", "failed_transfer",
            "pending_card_payment", "pending_transfer", "receiving_money", "request_refund",
            "reverted_card_payment?", "transaction_charged_twice", "transfer_into_account",
            "transfer_not_received_by_recipient", "transfer_timing",
            "card_payment_not_recognised",
        ),
        "banking_top_up": (
            "automatic_top_up", "pending_top_up", "top_up_by_bank_transfer_charge",
            "top_up_by_card_charge", "top_up_by_cash_or_cheque", "top_up_failed",
            "top_up_limits", "top_up_reverted", "topping_up_by_card", "verify_top_up",
            "balance_not_updated_after_cheque_or_cash_deposit",
        ),
        "banking_cash": (
            "atm_support", "cash_withdrawal_charge", "cash_withdrawal_not_recognised",
            "declined_cash_withdrawal", "pending_cash_withdrawal",
            "wrong_amount_of_cash_received", "wrong_exchange_rate_for_cash_withdrawal",
        ),
        "banking_fees_and_rates": (
            "card_payment_fee_charged", "card_payment_wrong_exchange_rate", "exchange_charge",
            "exchange_rate", "exchange_via_app", "extra_charge_on_statement",
            "fiat_currency_support", "transfer_fee_charged",
        ),
        "banking_security": (
            "compromised_card", "lost_or_stolen_card", "lost_or_stolen_phone",
            "passcode_forgotten",
        ),
        "banking_account": (
            "age_limit", "country_support", "edit_personal_details", "terminate_account",
            "unable_to_verify_identity", "verify_my_identity", "verify_source_of_funds",
            "why_verify_identity",
        ),
    }
)  # fmt: skip
"""Banking77's intents grouped into the service families replies are written for."""

INTENT_ROUTES: MappingProxyType[str, IntentRoute] = MappingProxyType(
    {
        **_PLANNING,
        **{
            intent: IntentRoute(family)
            for family, intents in BANKING_FAMILIES.items()
            for intent in intents
        },
        UNKNOWN_INTENT: IntentRoute(UNKNOWN_INTENT),
    }
)
"""Every intent the classifier can answer, plus ``unknown``."""


def route_for(intent: str) -> IntentRoute:
    """The route of ``intent``; an intent the catalog lacks is routed as ``unknown``."""
    return INTENT_ROUTES.get(intent, INTENT_ROUTES[UNKNOWN_INTENT])
