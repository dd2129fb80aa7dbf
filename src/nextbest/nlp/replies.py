"""Replies from reviewed templates, one per intent family and tone: no free text generation.

In a regulated business every sentence the engine can say must have been read by a person
first, so replies are chosen, not generated. Each family has a CONCISE, an EMPATHETIC and an
ANALYTICAL wording; ENCOURAGING uses the EMPATHETIC one. Templates may name ``{goal}``,
``{year}``, ``{amount}`` and ``{current_year}``/``{current_amount}``; a placeholder with no value
is filled with a neutral phrase, so a reply never shows braces.

>>> from nextbest.domain.enums import CommentaryTone
>>> render_reply("speak_to_advisor", CommentaryTone.CONCISE)
"Sure - I've asked an advisor to contact you."
>>> render_reply("ask_target_year", CommentaryTone.CONCISE, goal="retirement")
'By which year should your retirement goal be reached?'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType

from nextbest.domain.enums import CommentaryTone

__all__ = ["REPLY_TEMPLATES", "render_reply"]

_C, _E, _A = CommentaryTone.CONCISE, CommentaryTone.EMPATHETIC, CommentaryTone.ANALYTICAL

REPLY_TEMPLATES: MappingProxyType[str, Mapping[CommentaryTone, str]] = MappingProxyType({
    "goal_progress": {
        _C: "Here is where your goals stand today.",
        _E: "Good question - let's look at how your goals are doing together.",
        _A: "Here is each goal's projected funding against its target, with the assumptions used.",
    },
    "market_worry": {
        _C: "Markets move; here is how your plan is positioned for it.",
        _E: "It's natural to feel uneasy when markets fall. Your plan was built with falls like "
            "this in mind - let's look at what it means for you.",
        _A: "Here is how a fall like this affects your goals, and how much of each goal's money "
            "is in growth assets.",
    },
    "retirement": {
        _C: "Here is your retirement outlook.",
        _E: "Planning for retirement matters - let's look at where you stand, step by step.",
        _A: "Here is your projected retirement income against your target, and what changes it.",
    },
    "tax": {
        _C: "Here are the tax points for your accounts.",
        _E: "Tax can feel complicated - here is what applies to you, in plain terms.",
        _A: "Here are your allowances used and left, and any gains or losses you could realise.",
    },
    "esg_values": {
        _C: "Here is how your portfolio matches your values.",
        _E: "Thank you for telling us what matters to you - here is how your investments line up.",
        _A: "Here are your holdings' ESG scores and any that conflict with your exclusions.",
    },
    "complaint": {
        _C: "I'm sorry. I've passed this to our team, who will contact you.",
        _E: "I'm really sorry this happened. I've passed your message to a person on our team, "
            "who will get in touch with you.",
        _A: "I've logged your complaint and passed it to our team; you'll hear from them with a "
            "reference and the next steps.",
    },
    "speak_to_advisor": {
        _C: "Sure - I've asked an advisor to contact you.",
        _E: "Of course - I've asked an advisor to get in touch with you soon.",
        _A: "I've asked an advisor to contact you and shared this conversation with them.",
    },
    "update_goal": {
        _C: "Let's update your goal.",
        _E: "Happy to help you change your goal.",
        _A: "Let's update your goal's target year and amount.",
    },
    "create_goal": {
        _C: "Let's set up a new goal.",
        _E: "That's a great thing to plan for - let's set up a goal for it.",
        _A: "Let's set up a goal: a target amount, a target year, and what it would take.",
    },
    "contribution": {
        _C: "Here are your contribution options.",
        _E: "Thanks for thinking about your savings - here are your options.",
        _A: "Here are your current contributions and what a change would do to your goals.",
    },
    "portfolio_performance": {
        _C: "Here is your portfolio's performance.",
        _E: "Here's how your investments have been doing.",
        _A: "Here are your returns by period and holding, against their benchmarks.",
    },
    "investment_fees": {
        _C: "Here is a breakdown of your fees.",
        _E: "It's right to ask what you pay - here is a clear breakdown.",
        _A: "Here are your platform, advice and fund charges, in percent and in money.",
    },
    "account_balance": {
        _C: "Here are your balances.",
        _E: "Of course - here is what you hold with us today.",
        _A: "Here is each account's value today, and the total across them.",
    },
    "notification_preferences": {
        _C: "You choose how often we contact you: here are your notification settings.",
        _E: "Thanks for telling us - you decide how often and where we contact you. Here are "
            "your notification settings.",
        _A: "Here are your notification settings: how often we contact you, on which channels, "
            "and at what time of day.",
    },
    "emergency_cash": {
        _C: "Here is how your cash and emergency fund look.",
        _E: "A safety net brings peace of mind - here is how yours looks.",
        _A: "Here is your cash against your monthly spending, and what idle cash could earn.",
    },
    "rebalance_risk": {
        _C: "Here is your current mix and risk level.",
        _E: "Let's check your investments still feel right for you.",
        _A: "Here is your allocation against its target, and the drift in each asset class.",
    },
    "life_event": {
        _C: "Thanks for letting us know - an advisor will help you review your plan.",
        _E: "Thank you for telling us. Changes like this matter - an advisor will help you "
            "review your plan.",
        _A: "Life changes like this often change goals and cash needs; an advisor will review "
            "your plan with you.",
    },
    "banking_cards": {
        _C: "Here is help with your card.",
        _E: "Let's sort out your card together.",
        _A: "Here are your card's status and the steps for this request.",
    },
    "banking_payments": {
        _C: "Here is help with your payment or transfer.",
        _E: "Let's get your payment sorted out.",
        _A: "Here are the payment's status, its timing, and the next steps.",
    },
    "banking_top_up": {
        _C: "Here is help with topping up.",
        _E: "Let's get your top-up sorted.",
        _A: "Here are the top-up's status, limits and charges.",
    },
    "banking_cash": {
        _C: "Here is help with your cash withdrawal.",
        _E: "Let's look into your cash withdrawal together.",
        _A: "Here are the withdrawal's details, charges and status.",
    },
    "banking_fees_and_rates": {
        _C: "Here are the charges and rates that apply.",
        _E: "Let's go through the charges, clearly.",
        _A: "Here are the exchange rates and charges applied, line by line.",
    },
    "banking_security": {
        _C: "Let's secure your account now.",
        _E: "That sounds worrying - let's make your account safe straight away.",
        _A: "Here are the steps to secure your account, in order.",
    },
    "banking_account": {
        _C: "Here is help with your account.",
        _E: "Happy to help with your account.",
        _A: "Here are your account's details and what this request needs.",
    },
    "unknown": {
        _C: "Sorry, I didn't catch that. Could you rephrase?",
        _E: "I'm sorry, I'm not sure I understood. Could you tell me a bit more?",
        _A: "I couldn't match that to a request with enough confidence. Could you rephrase it?",
    },
    "ask_goal": {
        _C: "Which goal would you like to change: {goals}?",
        _E: "Happy to help. Which goal would you like to change: {goals}?",
        _A: "Which goal should be updated? Your goals: {goals}.",
    },
    "ask_target_year": {
        _C: "By which year should your {goal} goal be reached?",
        _E: "Let's update your {goal} goal. By which year would you like to reach it?",
        _A: "Your {goal} goal's target year is {current_year}. What should the new year be?",
    },
    "ask_target_amount": {
        _C: "How much should your {goal} goal be for?",
        _E: "Great. And how much would you like to have for your {goal} goal?",
        _A: "Your {goal} goal's target is {current_amount}. What should the new amount be?",
    },
    "goal_update_completed": {
        _C: "Done: your {goal} goal would be {amount} by {year}. Please confirm.",
        _E: "Lovely - your {goal} goal would become {amount} by {year}. Please confirm it.",
        _A: "Proposed change: {goal} goal, target {amount} in {year}. Confirm to apply it.",
    },
    "goal_update_cancelled": {
        _C: "OK, I've left your goal as it was.",
        _E: "No problem - your goal stays as it was.",
        _A: "Cancelled: no change was made to your goal.",
    },
})  # fmt: skip
"""Template per family (or flow prompt) and tone."""

_FALLBACKS = {
    "goal": "your",
    "goals": "your goals",
    "year": "the year you choose",
    "amount": "the amount you choose",
    "current_year": "not set",
    "current_amount": "not set",
}


class _Filled(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return _FALLBACKS.get(key, "")


def render_reply(key: str, tone: CommentaryTone, **values: str | None) -> str:
    """The reply for ``key`` in ``tone``; unknown keys answer as ``unknown``."""
    templates = REPLY_TEMPLATES.get(key, REPLY_TEMPLATES["unknown"])
    template = templates.get(tone) or templates[CommentaryTone.EMPATHETIC]
    filled = _Filled({name: value for name, value in values.items() if value})
    return string.Formatter().vformat(template, (), filled).replace("your your", "your")
