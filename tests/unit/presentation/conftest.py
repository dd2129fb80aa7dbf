"""Demo data for the presentation tests: the preview's demo book, built once per session."""

from __future__ import annotations

import pytest

from nextbest.cli.render import DemoExample, demo_examples
from nextbest.presentation import Presenter, default_presenter


@pytest.fixture(scope="session")
def examples() -> dict[str, DemoExample]:
    return demo_examples()


@pytest.fixture(scope="session")
def presenter() -> Presenter:
    return default_presenter()
