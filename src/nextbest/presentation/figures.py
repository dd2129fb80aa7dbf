"""Numbers as a planner writes them: rounded for the reader, formatted in the client's locale.

A rendered text never computes a number of its own. Each number comes from one source value
(evidence, benefit, detail, a framing count) and is only *rounded and formatted* here, by the
rule of its kind, so anyone can check it against the evidence the engine saw:

==========  =============================================================  ===================
kind        rounding (``planner_round``)                                   e.g. (en_GB, GBP)
==========  =============================================================  ===================
money       half-up: under 10 to the penny, under 1,000 to the unit,       £7.25, £437,
            under 100,000 to the nearest 10, then to the nearest 100       £12,350, £1,234,600
money_up    the same steps, rounded *up*: an amount the client is asked    £40 for 39.01
            to find must not be understated
share       a fraction (0.6234) shown as a percentage to one place         62.3%
percent     already in percent (12.34) shown to one place                  12.3%
months      to one place                                                   1.4
count       to the unit, with grouping                                     1,204
year        to the unit, no grouping                                       2045
score       to the unit (ESG scores 0-100)                                 72
date        an ISO date shown in the locale's long form                    5 April 2026
==========  =============================================================  ===================

Trailing zeros after the point are dropped (85%, not 85.0%). Babel writes the result in the
client's locale: ``R12 350`` and ``62,3%`` in South Africa, ``$12,350`` in the US.

>>> from decimal import Decimal as D
>>> planner_round("money", D("12345.67")), planner_round("money_up", D("39.01"))
(Decimal('12350'), Decimal('40'))
>>> Formatter("en_GB", "GBP").show("evidence.probability_real", "share", D("0.6234")).text
'62.3%'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_pattern,
)

__all__ = ["KINDS", "Formatter", "Kind", "Shown", "planner_round"]

Kind = Literal["money", "money_up", "share", "percent", "months", "count", "year", "score", "date"]
KINDS: frozenset[str] = frozenset(get_args(Kind))

_UNIT = Decimal(1)
_TENTH = Decimal("0.1")
_CENT = Decimal("0.01")
_STEPS = ((Decimal(10), _CENT), (Decimal(1_000), _UNIT), (Decimal(100_000), Decimal(10)))
_HUNDRED = Decimal(100)


def _money_step(value: Decimal) -> Decimal:
    size = abs(value)
    return next((step for limit, step in _STEPS if size < limit), _HUNDRED)


def planner_round(kind: Kind, value: Decimal) -> Decimal:
    """``value`` rounded as the text shows it (for ``share``, in percent)."""
    if kind in ("money", "money_up"):
        step = _money_step(value)
        mode = ROUND_CEILING if kind == "money_up" else ROUND_HALF_UP
        rounded = (value / step).quantize(_UNIT, rounding=mode) * step
        return rounded.quantize(step) if step < 1 else rounded.quantize(_UNIT)
    if kind == "share":
        return (value * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    if kind in ("percent", "months"):
        return value.quantize(_TENTH, rounding=ROUND_HALF_UP)
    if kind in ("count", "year", "score"):
        return value.quantize(_UNIT, rounding=ROUND_HALF_UP)
    raise ValueError(f"{kind!r} is not a numeric kind")


@dataclass(frozen=True, slots=True)
class Shown:
    """One number as it appears in a text, with where it came from.

    ``exact`` is the source value as the evidence holds it; ``value`` is ``exact`` after the
    kind's rounding (for a share: in percent); ``text`` is how the reader sees it.
    """

    source: str
    kind: Kind
    exact: Decimal | date
    value: Decimal | date
    text: str


class Formatter:
    """Formats numbers for one locale and currency.

    Babel is the source of truth for the locale's symbols and where the currency sign and the
    percent sign go: both are read from Babel once, here. The digits are then written with
    Python's own grouping and the locale's symbols swapped in, because rendering calls this for
    every number and ``NumberPattern.apply`` costs tens of microseconds a call. A test checks the
    result against Babel's ``format_currency`` and ``format_percent`` for every supported locale.
    """

    def __init__(self, locale: str, currency: str) -> None:
        self.locale = Locale.parse(locale)
        self.currency = currency
        symbols = {",": get_group_symbol(self.locale), ".": get_decimal_symbol(self.locale)}
        self._symbols = str.maketrans(symbols)
        money = parse_pattern("¤#,##0").apply(
            Decimal(1), self.locale, currency=currency, currency_digits=False
        )
        percent = parse_pattern("#,##0%").apply(Decimal("0.01"), self.locale)
        self._money = tuple(str(money).split("1", 1))
        self._percent = tuple(str(percent).split("1", 1))
        self._minus = get_minus_sign_symbol(self.locale)
        self._dates: dict[date, str] = {}

    def _digits(self, value: Decimal, *, places: int | None = None) -> str:
        if places is None:  # one optional place: 62.3, 85 (never 85.0)
            places = 0 if value == value.to_integral_value() else 1
        return f"{value:,.{places}f}".translate(self._symbols)

    def show(self, source: str, kind: Kind, exact: Decimal | date) -> Shown:
        """The number ``exact`` from ``source``, rounded and formatted by ``kind``."""
        if isinstance(exact, date):
            if kind != "date":
                raise ValueError(f"{source}: a date cannot be shown as {kind}")
            text = self._dates.get(exact)
            if text is None:
                text = self._dates[exact] = format_date(exact, "long", self.locale)
            return Shown(source, kind, exact, exact, text)
        value = planner_round(kind, exact)
        return Shown(source, kind, exact, value, self.format(kind, value))

    def format(self, kind: Kind, value: Decimal) -> str:
        """An already rounded ``value`` written for the reader."""
        sign = self._minus if value < 0 else ""
        if kind in ("money", "money_up"):
            whole = value == value.to_integral_value()
            prefix, suffix = self._money
            return f"{sign}{prefix}{self._digits(abs(value), places=0 if whole else 2)}{suffix}"
        if kind in ("share", "percent"):
            prefix, suffix = self._percent
            return f"{sign}{prefix}{self._digits(abs(value))}{suffix}"
        if kind in ("months", "count"):
            return self._digits(value)
        if kind in ("year", "score"):
            return str(int(value))
        raise ValueError(f"{kind!r} cannot be formatted as a number")
