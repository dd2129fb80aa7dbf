"""The declarative base every row derives from, its naming convention, and ``table_of``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase

__all__ = ["NAMING", "Base", "BigId", "table_of"]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(row: type[Base]) -> Table:
    """A mapped class's table, typed as one. Statements on the table skip the ORM's
    compilation, which costs more CPU than the query itself on the hot paths."""
    table = row.__table__
    assert isinstance(table, Table)
    return table
