"""Behaviour: events to profile aggregates, learned preferences, segments."""
