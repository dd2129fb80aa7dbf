"""Rendering reproduces, byte for byte, every variant recorded before it was made fast.

The yardstick (``data/render_digests.txt``) was recorded with the per-fragment renderer on the
frozen demo inputs; see ``golden.py`` for what is covered and how to record it again.
"""

from __future__ import annotations

from nextbest.presentation import Presenter

from . import golden


def test_every_variant_renders_exactly_as_recorded() -> None:
    recorded = golden.read_digests()
    found = golden.digests(Presenter())
    assert sorted(found) == sorted(recorded)
    changed = [group for group in recorded if found[group] != recorded[group]]
    assert changed == []
