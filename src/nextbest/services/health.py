"""Readiness of what the service depends on."""

from __future__ import annotations

from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["database_reachable"]


def database_reachable(*, uow: UnitOfWork) -> None:
    """Returns when the database answers a query; raises the driver's error otherwise."""
    with uow:
        uow.ping()
