"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from nextbest import __version__
from nextbest.api.errors import install_error_handlers
from nextbest.api.logging import configure_logging
from nextbest.api.middleware import EdgeMiddleware
from nextbest.api.routes import (
    actions,
    clients,
    events,
    experiments,
    explanations,
    health,
    messages,
    privacy,
    profiles,
    recommendations,
    reviews,
    securities,
    signals,
)
from nextbest.api.schemas.actions import CatalogOut
from nextbest.api.schemas.events import EventBatchIn, EventIn
from nextbest.api.security import AuditMiddleware, Authenticator
from nextbest.decision.catalog import load_catalog
from nextbest.security.pseudonym import Pseudonymiser
from nextbest.services.audit import AuditTrail, AuditWriter
from nextbest.services.engine_setup import build_signal_engine, warm_up
from nextbest.services.experiment_treatments import ExperimentTreatments
from nextbest.services.messages import build_message_service
from nextbest.services.profiles import ProfileConfig
from nextbest.services.recommendations import build_recommender
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import SchemaBehind, require_current_schema

__all__ = ["create_app"]

log = structlog.get_logger("nextbest.api")

DESCRIPTION = """\
nextbest answers "what should this client do next, and why". This version ingests clients,
portfolios, the security master and behaviour events, and finds each client's financial signals
(goal progress, constraint breaches, ESG mismatches, drift, tax losses, cash, concentration,
savings rate) with the evidence behind them, learns each client's behaviour profile, which the
client can see and overrule, and answers with the client's next best actions, learning from every
outcome. Errors are JSON:
`{"error": CODE, "detail": ..., "request_id": ..., "problems": [...]}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(level=settings.log.level, json_output=settings.log.json_output)
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_check_schema, engine)
        if settings.signals.warm_up:
            await run_in_threadpool(warm_up, app.state.signal_engine, paths=settings.signals.paths)
        # Imports and the warm-up leave ~200,000 long-lived objects; frozen, a full garbage
        # collection skips them (measured: 65-70 ms before, under 0.1 ms after), which would
        # otherwise land on some unlucky request's latency.
        gc.freeze()
        yield
        await run_in_threadpool(_give_back, app.state.authenticator)
        engine.dispose()

    app = FastAPI(
        title="nextbest",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.profile_config = ProfileConfig.from_settings(settings.behaviour)
    app.state.catalog = load_catalog(settings.catalog_file)  # a bad catalog stops start-up
    app.state.catalog_out = CatalogOut.from_domain(app.state.catalog)
    app.state.signal_engine = build_signal_engine(
        assumptions_file=settings.assumptions_file,
        paths=settings.signals.paths,
        seed=settings.signals.seed,
    )
    app.state.recommender = build_recommender(
        app.state.catalog,
        settings.decision,
        profiles=app.state.profile_config,
        signals=app.state.signal_engine,
        experiments=ExperimentTreatments.from_settings(settings.experiments, settings.environment),
    )
    app.state.messages, app.state.messages_unavailable = build_message_service(
        settings.nlp, app.state.recommender
    )  # the language models, loaded once per process
    app.state.audit = AuditTrail(Pseudonymiser(settings.security.pseudonym_key.get_secret_value()))
    app.state.authenticator = Authenticator(
        app.state.session_factory,
        cache_seconds=settings.security.key_cache_seconds,
        rate_per_second=settings.security.rate_limit_per_second,
        burst=settings.security.rate_limit_burst,
    )
    install_error_handlers(app)
    # Matched in this order, one router after another: the busiest paths first.
    for router in (
        recommendations.router,
        events.router,
        clients.router,
        signals.router,
        profiles.router,
        explanations.router,
        experiments.router,
        messages.router,
        reviews.router,
        privacy.router,
        actions.router,
        securities.router,
        health.router,
    ):
        app.include_router(router)
    # Added first, so it runs inside the edge: the edge's log and metrics see its 503.
    app.add_middleware(
        AuditMiddleware, trail=app.state.audit, writer=AuditWriter(app.state.session_factory)
    )
    if settings.security.cors_origins:  # off unless origins are configured
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.security.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        )
    app.add_middleware(EdgeMiddleware, max_body_bytes=settings.ingest.max_body_bytes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _check_schema(engine: Engine) -> None:
    """Refuse to start on a database older than this code (every guarded request would fail on
    a missing table); an unreachable database is left to ``/healthz``, which reports it."""
    try:
        require_current_schema(engine)
    except SchemaBehind as error:
        log.error("schema_behind", current=error.current, needed=error.head)
        raise
    except SQLAlchemyError as error:
        log.warning("schema_not_checked", error_type=type(error).__name__)


def _give_back(authenticator: Authenticator) -> None:
    """The rate-limit tokens this process leased and did not spend go back to their keys; a
    database that cannot take them costs the keys a lease each, never the shutdown."""
    try:
        authenticator.give_back()
    except SQLAlchemyError as error:
        log.warning("rate_tokens_not_returned", error_type=type(error).__name__)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema plus the event shapes the hand-parsed events route accepts."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (EventIn, EventBatchIn):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        app.openapi_schema = schema
    return app.openapi_schema
