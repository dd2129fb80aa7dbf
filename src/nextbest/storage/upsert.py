"""``INSERT ... ON CONFLICT`` for the two databases nextbest runs on, which spell it alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["dialect_insert"]


def dialect_insert(session: Session, table: Any) -> Any:
    """The dialect's own ``insert`` for ``table``, which has ``on_conflict_do_*``."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"nextbest does not support the {name} database")
