"""Reasons by country, goal, values and life stage; readers built from client and profile; two
demo clients read the same action differently; framing; the preview; the insight report."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from nextbest.cli.render import DemoExample, render_preview
from nextbest.decision.catalog import load_catalog
from nextbest.domain.candidate import SignalType
from nextbest.domain.client import ClientProfile, Goal, Preferences
from nextbest.domain.enums import CommentaryTone, DetailLevel, GoalType
from nextbest.domain.ids import GoalId
from nextbest.presentation import (
    BenefitEmphasis,
    Framing,
    Presenter,
    UrgencyFraming,
    build_insight,
    insight_report,
    reader_for,
    reasons_for,
)
from nextbest.presentation.reasons import country_lines

from .test_variants import reader_for_example

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("country", "goal_type", "expected"),
    [
        ("GB", GoalType.RETIREMENT, "SIPP"),
        ("ZA", GoalType.RETIREMENT, "Retirement annuity"),
        ("US", GoalType.RETIREMENT, "401(k)"),
        ("US", GoalType.EDUCATION, "529"),
        ("ZA", GoalType.EDUCATION, "TFSA"),
    ],
)
def test_country_reasons_name_the_local_tax_wrapper(
    examples: dict[str, DemoExample], country: str, goal_type: GoalType, expected: str
) -> None:
    client = replace(examples["increase-contribution"].client, country=country)
    (line,) = country_lines(client, "increase-contribution", goal_type)
    assert expected in line


def test_country_reasons_appear_only_where_relevant(examples: dict[str, DemoExample]) -> None:
    client = examples["sell-restricted-holding"].client
    assert country_lines(client, "sell-restricted-holding", None) == ()
    assert "ISA" in country_lines(replace(client, country="GB"), "invest-idle-cash", None)[0]


def test_reasons_name_the_goal_and_the_clients_values(examples: dict[str, DemoExample]) -> None:
    example = examples["increase-contribution"]
    assert example.candidate is not None
    assert example.candidate.goal_id is not None
    goal = example.client.profile.goal(example.candidate.goal_id)
    assert goal is not None
    reasons = reasons_for(example.action, example.candidate, example.client, example.profile)
    assert f"your {goal.target_year}" in reasons[0]
    restricted = examples["sell-restricted-holding"]
    lines = reasons_for(
        restricted.action, restricted.candidate, restricted.client, restricted.profile
    )
    assert any(line.startswith("This respects your preference to avoid") for line in lines)


def test_past_success_is_mentioned_only_with_enough_outcomes(
    examples: dict[str, DemoExample],
) -> None:
    from nextbest.behavior.profile import CategoryPreference

    example = examples["rebalance"]
    profile = example.profile
    good = CategoryPreference("REBALANCING", 0.9, 9.0, 1.0, 5, 0)
    few = CategoryPreference("REBALANCING", 0.9, 3.0, 1.0, 2, 0)
    with_success = replace(profile, categories=(good,), default_category_mean=0.5)
    too_few = replace(profile, categories=(few,), default_category_mean=0.5)
    line = "Similar suggestions have worked well for you in the past."
    assert line in reasons_for(example.action, example.candidate, example.client, with_success)
    assert line not in reasons_for(example.action, example.candidate, example.client, too_few)
    switched_off = replace(with_success, personalization=False)
    assert line not in reasons_for(example.action, example.candidate, example.client, switched_off)


def test_two_demo_clients_with_different_preferences_read_the_same_action_differently(
    presenter: Presenter, examples: dict[str, DemoExample]
) -> None:
    example = examples["increase-contribution"]
    prefs_a = Preferences(
        commentary_tone=CommentaryTone.EMPATHETIC, detail_level=DetailLevel.CONCISE
    )
    prefs_b = Preferences(
        commentary_tone=CommentaryTone.ANALYTICAL, detail_level=DetailLevel.DETAILED
    )
    client_a = replace(example.client, profile=replace(example.client.profile, preferences=prefs_a))
    client_b = replace(example.client, profile=replace(example.client.profile, preferences=prefs_b))
    literacy = example.profile.financial_literacy
    profile_a = replace(
        example.profile,
        detail_level=replace(example.profile.detail_level, value=DetailLevel.CONCISE),
        financial_literacy=replace(literacy, value=2),
    )
    profile_b = replace(
        example.profile,
        detail_level=replace(example.profile.detail_level, value=DetailLevel.DETAILED),
        financial_literacy=replace(literacy, value=9),
    )
    a = presenter.render(
        example.action, example.candidate, client_a, reader_for(client_a, profile_a)
    )
    b = presenter.render(
        example.action, example.candidate, client_b, reader_for(client_b, profile_b)
    )
    assert a.title != b.title
    assert a.text != b.text
    assert len(a.text) < len(b.text)
    assert "The choice is always yours." in a.text
    assert "Monte Carlo" in b.text


def test_framing_changes_the_text_and_respects_the_social_proof_floor(
    presenter: Presenter, examples: dict[str, DemoExample]
) -> None:
    example = examples["harvest-tax-loss"]
    reader = reader_for_example(example, DetailLevel.MODERATE, 5, CommentaryTone.CONCISE)

    def text(framing: Framing) -> str:
        return presenter.render(
            example.action, example.candidate, example.client, reader, framing=framing
        ).text

    control = text(Framing())
    assert text(Framing(emphasis=BenefitEmphasis.MONETARY)) != control
    assert text(Framing(emphasis=BenefitEmphasis.PERCENTAGE)) != control
    urgent = text(Framing(urgency=UrgencyFraming.HIGH_URGENCY))
    assert "before" in urgent
    assert urgent != control
    assert "no rush" in text(Framing(urgency=UrgencyFraming.LOW_PRESSURE))
    assert text(Framing(social_proof=24)) == control
    assert "clients like you acted on this" in text(Framing(social_proof=25))


def test_a_mandatory_action_is_never_told_there_is_no_rush(
    presenter: Presenter, examples: dict[str, DemoExample]
) -> None:
    example = examples["sell-restricted-holding"]
    reader = reader_for_example(example, DetailLevel.MODERATE, 5, CommentaryTone.CONCISE)
    presented = presenter.render(
        example.action,
        example.candidate,
        example.client,
        reader,
        framing=Framing(urgency=UrgencyFraming.LOW_PRESSURE),
    )
    assert "no rush" not in presented.text
    assert presented.disclosure is not None
    assert "not an order" not in presented.disclosure


@pytest.mark.parametrize("action_id", [a.action_id for a in CATALOG.actions])
def test_the_cli_preview_shows_every_action(action_id: str) -> None:
    text = render_preview(action_id, "detailed", 3, "empathetic")
    assert action_id in text
    assert "literacy 3 (LOW)" in text


def test_the_cli_preview_refuses_an_unknown_action() -> None:
    with pytest.raises(KeyError, match="catalog actions"):
        render_preview("no-such-action", "CONCISE", 5, "CONCISE")


def test_the_insight_report_numbers_match_the_signals(
    presenter: Presenter, examples: dict[str, DemoExample]
) -> None:
    example = examples["increase-contribution"]
    client, portfolio = example.client, example.portfolio
    assert portfolio is not None
    from nextbest.cli.render import _demo

    _, master = _demo()
    from nextbest.finance.assumptions import DEFAULT_ASSUMPTIONS
    from nextbest.signals.base import SignalContext
    from nextbest.signals.builtin import builtin_registry
    from nextbest.signals.engine import detect_all

    context = SignalContext(
        client, portfolio, master, DEFAULT_ASSUMPTIONS, example.profile.as_of.date(), seed=7
    )
    candidates = detect_all(context, builtin_registry(paths=1_000)).candidates
    reader = reader_for_example(example, DetailLevel.DETAILED, 5, CommentaryTone.ENCOURAGING)
    insight = build_insight(client, portfolio, candidates, reader, securities=master.by_id)
    formatter = presenter.formatter(reader.locale, reader.currency)
    assert insight.numbers["value"].text == formatter.show("", "money", portfolio.market_value).text
    for candidate in candidates:
        if candidate.signal is SignalType.GOAL_PROGRESS and candidate.goal_id:
            shown = insight.numbers[f"goal.{candidate.goal_id}.probability_real"]
            assert shown.exact == Decimal(candidate.evidence["probability_real"])
    mix = [v.value for k, v in insight.numbers.items() if k.startswith("mix.")]
    assert abs(sum(mix, Decimal(0)) - 100) <= Decimal("0.5")
    report = insight_report(client, portfolio, candidates, reader, "md", securities=master.by_id)
    assert report.startswith("# ")
    for shown in insight.numbers.values():
        assert shown.text in report


def test_the_insight_report_escapes_client_text_in_html(examples: dict[str, DemoExample]) -> None:
    example = examples["goal-on-track"]
    goal = Goal(GoalId("g-x"), GoalType.CUSTOM, 2040, Decimal(1000), name="<b>boat</b>")
    client = replace(example.client, profile=ClientProfile(goals=(goal,)))
    reader = reader_for_example(example, DetailLevel.MODERATE, 5, CommentaryTone.CONCISE)
    html = insight_report(client, example.portfolio, [], reader, "html")
    assert "&lt;b&gt;boat&lt;/b&gt;" in html
    assert "<b>" not in html
