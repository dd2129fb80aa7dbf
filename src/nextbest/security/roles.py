"""The roles an API key can hold, one per kind of caller.

* ``app``: the host application — ingestion, recommendations, outcomes, the client's own views;
* ``advisor``: reads clients, approves or rejects regulated suggestions, sees alerts;
* ``admin``: the catalog, experiments, models and keys;
* ``compliance``: the audit log and privacy requests (export, erasure).

A key may hold several roles (a development key holds all four).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_ROLES", "Role", "parse_roles"]


class Role(StrEnum):
    APP = "app"
    ADVISOR = "advisor"
    ADMIN = "admin"
    COMPLIANCE = "compliance"


ALL_ROLES = frozenset(Role)


def parse_roles(text: str) -> frozenset[Role]:
    """``"app,advisor"`` as roles; an unknown name is a ``ValueError`` naming the known ones."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError("give at least one role: " + ", ".join(r.value for r in Role))
    unknown = [name for name in names if name not in Role._value2member_map_]
    if unknown:
        raise ValueError(
            f"unknown role {unknown[0]!r}: the roles are " + ", ".join(r.value for r in Role)
        )
    return frozenset(Role(name) for name in names)
