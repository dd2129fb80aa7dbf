"""The ``nextbest`` command."""
