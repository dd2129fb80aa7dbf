"""What every detector receives and returns, and the registry detectors join.

A detector is a pure function of (client, portfolio, security master, assumptions, as-of date):
no I/O, no clock. Built-in detectors register exactly as a user's extension would::

    registry = DetectorRegistry()
    registry.register(MyDetector(threshold=0.2))

>>> registry = DetectorRegistry()
>>> class Quiet:
...     name = "quiet"
...     def detect(self, context: SignalContext) -> list[Candidate]:
...         return []
>>> _ = registry.register(Quiet())
>>> [d.name for d in registry]
['quiet']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from nextbest.domain.candidate import Candidate
from nextbest.domain.client import Client
from nextbest.domain.enums import AssetClass
from nextbest.domain.ids import SecurityId
from nextbest.domain.portfolio import Portfolio
from nextbest.domain.security import Security
from nextbest.finance.assumptions import CapitalMarketAssumptions

__all__ = ["Detector", "DetectorRegistry", "SecurityMaster", "SignalContext"]


class SecurityMaster:
    """The security master indexed for detectors: by id and by asset class."""

    def __init__(self, securities: Mapping[SecurityId, Security] | Iterable[Security]) -> None:
        values = list(securities.values() if isinstance(securities, Mapping) else securities)
        self.by_id: dict[SecurityId, Security] = {s.security_id: s for s in values}
        self.by_asset_class: dict[AssetClass, list[Security]] = {}
        for security in sorted(values, key=lambda s: s.security_id):
            self.by_asset_class.setdefault(security.asset_class, []).append(security)

    def __getitem__(self, security_id: SecurityId) -> Security:
        return self.by_id[security_id]

    def get(self, security_id: SecurityId) -> Security | None:
        return self.by_id.get(security_id)

    def __len__(self) -> int:
        return len(self.by_id)


@dataclass(frozen=True, slots=True)
class SignalContext:
    """Everything a detector may look at for one client."""

    client: Client
    portfolio: Portfolio | None
    master: SecurityMaster
    assumptions: CapitalMarketAssumptions
    as_of: date
    seed: int = 0
    """Seed for any simulation, so the same inputs always give the same candidates."""


class Detector(Protocol):
    """Finds one kind of signal. Hyper-parameters (thresholds) go in ``__init__``."""

    @property
    def name(self) -> str:
        """Unique name, e.g. ``goal_progress``; a detector may emit more than one signal type."""
        ...

    def detect(self, context: SignalContext) -> list[Candidate]: ...


D = TypeVar("D", bound=Detector)


class DetectorRegistry:
    """The detectors that run, in registration order; registering a name again replaces it."""

    def __init__(self) -> None:
        self._detectors: dict[str, Detector] = {}

    def register(self, detector: D) -> D:
        self._detectors[detector.name] = detector
        return detector

    def __iter__(self) -> Iterator[Detector]:
        return iter(list(self._detectors.values()))

    def __len__(self) -> int:
        return len(self._detectors)
