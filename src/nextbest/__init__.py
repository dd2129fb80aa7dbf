"""nextbest: a self-hostable personalization and next-best-action engine for financial services."""

__version__ = "0.1.0"
