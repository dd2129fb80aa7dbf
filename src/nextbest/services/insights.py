"""The insight report of a client: a planner's short narrative on the portfolio, goals and values.

The report is written from the client's current signals (from the cache when fresh, so its
numbers match ``GET /v1/clients/{id}/signals``) and portfolio, in the client's tone, detail level
and literacy (``presentation.insights``). A client without a portfolio gets a short report
saying so.
"""

from __future__ import annotations

from datetime import datetime

from nextbest.domain.ids import ClientId
from nextbest.errors import NotFound
from nextbest.presentation import Presenter, insight_report, reader_for
from nextbest.presentation.insights import Format
from nextbest.services.profiles import ProfileConfig, profile_for, segment_model
from nextbest.services.signals import SignalEngine, signals_in
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["client_insights"]


def client_insights(
    client_id: ClientId,
    *,
    fmt: Format,
    uow: UnitOfWork,
    config: ProfileConfig,
    engine: SignalEngine,
    presenter: Presenter,
    now: datetime,
) -> str:
    """The client's insight report as Markdown (``md``) or an HTML fragment (``html``)."""
    with uow:
        client = uow.clients.get(client_id)
        if client is None:
            raise NotFound("client", client_id)
        stored = uow.profiles.get(client_id, decay=config.decay)
        profile = profile_for(client, stored, model=segment_model(uow), config=config, now=now)
        portfolio = uow.portfolios.get(client_id)
        signals = signals_in(uow, client_id, engine=engine, now=now)
        master = engine.master(uow, uow.signals.securities_version())
        if not signals.from_cache:
            uow.commit()  # the signals just computed are cached, as GET .../signals would
    return insight_report(
        client,
        portfolio,
        signals.candidates,
        reader_for(client, profile),
        fmt,
        securities=master.by_id,
        presenter=presenter,
    )
