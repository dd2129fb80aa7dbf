"""Use cases: plain functions that receive their dependencies (unit of work, clock) by keyword."""
