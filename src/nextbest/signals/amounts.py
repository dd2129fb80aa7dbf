"""How detectors round and write the numbers they find: money, shares, percentages, urgency.

Conventions every detector here follows:

* money is a ``Decimal`` rounded half-up to the cent (``money``);
* a share of a whole (a weight, a rate) is a ``Decimal`` fraction to four places, 0.1234 being
  12.34% (``fraction``) — evidence keys for these end in ``_share``, ``_rate`` or ``weight``;
* ``Benefit.percentage`` is in percent to two places, 12.34 meaning 12.34% (``percent``);
* evidence is JSON-ready: decimals as strings (``text``), dates as ISO strings;
* urgency is an ``int`` clamped to 0-100 (``urgency``).

>>> money(Decimal("10.005")), fraction(Decimal(1), Decimal(3)), percent(Decimal("0.12345"))
(Decimal('10.01'), Decimal('0.3333'), Decimal('12.35'))
>>> urgency(104.2), urgency(-3), text(Decimal("1.50"))
(100, 0, '1.50')
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "fraction", "money", "percent", "percent_label", "split", "text", "urgency"]

CENT = Decimal("0.01")
_BASIS_POINT = Decimal("0.0001")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fraction(part: Decimal, whole: Decimal) -> Decimal:
    """``part / whole`` to four places; 0 when ``whole`` is not positive."""
    if whole <= 0:
        return Decimal(0).quantize(_BASIS_POINT)
    return (part / whole).quantize(_BASIS_POINT, rounding=ROUND_HALF_UP)


def percent(share: Decimal) -> Decimal:
    """A fraction written in percent to two places (0.1234 → 12.34)."""
    return (share * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_label(share: Decimal) -> str:
    """A fraction as a sentence writes it: 0.15 → ``15%``, 0.1319 → ``13.19%``.

    >>> percent_label(Decimal("0.15")), percent_label(Decimal("0.1319"))
    ('15%', '13.19%')
    """
    return f"{percent(share).normalize():f}%"


def text(value: Decimal) -> str:
    """A decimal as evidence writes it."""
    return str(value)


def urgency(value: float | Decimal) -> int:
    """A computed urgency, rounded and clamped to 0-100."""
    return max(0, min(100, round(value)))


def split(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` (money) shared in proportion to ``weights``, in cents that add up to ``total``.

    The rounding remainder goes to the largest weight, so the parts always sum exactly.

    >>> split(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1)])
    [Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
    """
    whole = sum(weights, Decimal(0))
    if not weights or whole <= 0:
        return [Decimal(0).quantize(CENT) for _ in weights]
    parts = [money(total * weight / whole) for weight in weights]
    largest = max(range(len(weights)), key=lambda i: (weights[i], -i))
    parts[largest] += money(total) - sum(parts, Decimal(0))
    return parts
