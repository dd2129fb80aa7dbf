"""Realistic behaviour events for the benchmarks: the mix a wealth app's event stream has."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

__all__ = ["make_event"]

PAGES = ["/home", "/portfolio", "/goals", "/insights", "/settings", "/transfers", "/statements"]
FEATURES = ["goal_planner", "risk_quiz", "rebalance_preview", "tax_report", "auto_invest"]
TOPICS = ["retirement", "esg", "market_update", "tax", "saving", "education_funding"]
DEVICES = ["mobile", "mobile", "mobile", "desktop", "tablet"]
CHANNELS = ["IN_APP", "IN_APP", "WEB", "PUSH", "EMAIL"]
# The mix of event types a wealth app's behaviour stream has: mostly views and logins.
TYPES = ["LOGIN"] * 15 + ["PAGE_VIEW"] * 40 + ["FEATURE_USED"] * 15 + ["CONTENT_READ"] * 15
TYPES += ["TIME_SPENT"] * 15


def make_event(
    rng: random.Random, event_id: str, clients: list[str], now: datetime
) -> dict[str, Any]:
    """One realistic event of the mix, at a random moment in the last 30 days."""
    kind = rng.choice(TYPES)
    occurred = now - timedelta(seconds=rng.uniform(60, 30 * 86_400))
    event: dict[str, Any] = {
        "event_id": event_id,
        "client_id": rng.choice(clients),
        "type": kind,
        "occurred_at": occurred.isoformat(timespec="milliseconds"),
        "session_id": f"s-{rng.getrandbits(48):012x}",
        "device_type": rng.choice(DEVICES),
        "channel": rng.choice(CHANNELS),
    }
    if kind == "PAGE_VIEW":
        event["target_type"] = "page"
        event["target_id"] = rng.choice(PAGES)
    elif kind == "FEATURE_USED":
        event["context"] = {"feature": rng.choice(FEATURES)}
        event["action"] = "open"
    elif kind == "CONTENT_READ":
        topic = rng.choice(TOPICS)
        event["target_type"] = "article"
        event["target_id"] = f"art-{topic}-{rng.randint(1, 40)}"
        event["context"] = {"topic": topic, "read_fraction": round(rng.random(), 2)}
    elif kind == "TIME_SPENT":
        event["target_type"] = "page"
        event["target_id"] = rng.choice(PAGES)
        event["context"] = {"duration_seconds": rng.randint(3, 900)}
    return event
