"""Identifier types. They are plain strings at run time and distinct types for mypy."""

from typing import NewType

__all__ = ["AccountId", "ClientId", "EventId", "GoalId", "SecurityId"]

ClientId = NewType("ClientId", str)
AccountId = NewType("AccountId", str)
GoalId = NewType("GoalId", str)
SecurityId = NewType("SecurityId", str)
EventId = NewType("EventId", str)
