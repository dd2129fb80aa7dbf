"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["ExactDecimal", "Json", "Quantity", "UtcDateTime", "canonical", "money"]

Json = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere; JSONB on PostgreSQL so the profile can be indexed and queried later."""


class ExactDecimal(TypeDecorator[Decimal]):
    """A ``Decimal`` stored exactly: NUMERIC on PostgreSQL, text on SQLite (which has no decimal).

    SQLite would otherwise store NUMERIC as a binary float and hand back 0.1000000000000000055.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = 4) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def __repr__(self) -> str:  # how Alembic writes the type into a migration
        return f"{type(self).__name__}({self.precision}, {self.scale})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return str(value)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return canonical(value if isinstance(value, Decimal) else Decimal(value))


def canonical(value: Decimal) -> Decimal:
    """The same number with no trailing zeros, and never in exponent form.

    PostgreSQL hands back NUMERIC(20, 4) as ``500.0000`` and SQLite the text as sent; both
    become ``500``, so a value reads the same from either database.

    >>> canonical(Decimal("500.0000")), canonical(Decimal("4210.1230"))
    (Decimal('500'), Decimal('4210.123'))
    """
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def money() -> ExactDecimal:
    """An amount of money, to four decimal places."""
    return ExactDecimal(20, 4)


Quantity = ExactDecimal(28, 8)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes in, UTC-aware datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
