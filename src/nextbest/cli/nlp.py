"""``nextbest nlp train`` and ``nextbest message``: the client-message models from the shell.

``nlp train`` rebuilds the encoder and the heads from ``data/nlp`` (it needs the ``nlp-train``
extra) and prints their versions and held-out figures as JSON. ``message`` answers one message
as ``POST /v1/clients/{id}/messages`` would, through the same service and database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from nextbest.domain.enums import Channel

__all__ = ["message_command", "nlp_app"]

nlp_app = typer.Typer(help="The client-message language models.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


@nlp_app.command("train")
def train_command(
    data_dir: Annotated[
        Path | None, typer.Option(help="Banking77, Twitter sentiment and planning intents")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Where the artifacts go (default: the package's own)")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Keep the embeddings here between runs")
    ] = None,
    rebuild_encoder: Annotated[
        bool, typer.Option(help="Rebuild the encoder even if it exists")
    ] = False,
) -> None:
    """Train the intent and sentiment heads (about ten minutes on one core); prints the
    versions and the held-out figures as JSON."""
    try:
        from nextbest.nlp.artifacts import ARTIFACTS_DIR
        from nextbest.nlp.datasets import DEFAULT_DATA_DIR
        from nextbest.nlp.training import train_models
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        console.print(
            f"training needs the nlp-train extra: pip install 'nextbest[nlp-train]' ({error})"
        )
        raise typer.Exit(2) from error
    data = data_dir or DEFAULT_DATA_DIR
    if not data.is_dir():
        console.print(f"no training data at {data}: give --data-dir (a source checkout's data/nlp)")
        raise typer.Exit(2)
    report = train_models(data_dir=data, out_dir=out_dir or ARTIFACTS_DIR, cache_dir=cache_dir,
                          rebuild_encoder=rebuild_encoder)  # fmt: skip
    out.print_json(json.dumps(report))


def message_command(
    client_id: Annotated[str, typer.Argument(help="The client who wrote")],
    text: Annotated[str, typer.Argument(help="What the client wrote")],
    conversation: Annotated[
        str, typer.Option(help="Conversation id (reuse it for the next turn)")
    ] = "cli",
    channel: Annotated[Channel, typer.Option(help="Where the client wrote")] = Channel.IN_APP,
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON answer")] = False,
) -> None:
    """Answer one client message as the API would: intent, sentiment, entities, suggestions,
    the reply and the conversation's next step."""
    from nextbest.api.logging import configure_logging
    from nextbest.api.schemas.messages import MessageOut
    from nextbest.decision.catalog import load_catalog
    from nextbest.domain.ids import ClientId
    from nextbest.errors import NextBestError
    from nextbest.services.engine_setup import build_signal_engine
    from nextbest.services.messages import build_message_service
    from nextbest.services.profiles import ProfileConfig
    from nextbest.services.recommendations import build_recommender
    from nextbest.settings import Settings
    from nextbest.storage.database import make_engine, make_session_factory
    from nextbest.storage.migrate import upgrade
    from nextbest.storage.unit_of_work import UnitOfWork

    settings = Settings()
    configure_logging(level=settings.log.level, json_output=settings.log.json_output)  # stderr
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        recommender = build_recommender(
            load_catalog(settings.catalog_file),
            settings.decision,
            profiles=ProfileConfig.from_settings(settings.behaviour),
            signals=build_signal_engine(
                assumptions_file=settings.assumptions_file,
                paths=settings.signals.paths,
                seed=settings.signals.seed,
            ),
        )
        service, unavailable = build_message_service(settings.nlp, recommender)
        if service is None:
            console.print(f"client messages are unavailable: {unavailable}")
            raise typer.Exit(2)
        try:
            answer = service.handle(
                ClientId(client_id),
                text,
                conversation_id=conversation,
                channel=channel,
                uow=UnitOfWork(make_session_factory(engine)),
                now=datetime.now(UTC),
            )
        except NextBestError as error:
            console.print(str(error))
            raise typer.Exit(1) from error
    finally:
        engine.dispose()
    from nextbest.cli.security import audit_operator

    audit_operator(settings, action="cli.message", client_id=client_id)
    answer_out = MessageOut.from_domain(answer)
    if as_json:
        out.print_json(answer_out.model_dump_json())
        return
    _print(answer_out)


def _print(answer: object) -> None:
    from nextbest.api.schemas.messages import MessageOut

    assert isinstance(answer, MessageOut)
    intent = answer.intent
    out.print(f"[bold]intent[/bold]     {intent.name} ({intent.confidence:.2f}, {intent.family})")
    sentiment = answer.sentiment
    out.print(
        f"[bold]sentiment[/bold]  {sentiment.label} ({sentiment.confidence:.2f}); "
        f"satisfaction {answer.satisfaction:+.2f}"
    )
    if answer.pii:
        out.print(f"[bold]masked[/bold]     {escape(answer.masked_text)}")
    if answer.topics:
        out.print(f"[bold]topics[/bold]     {', '.join(t.name for t in answer.topics)}")
    if answer.key_phrases:
        out.print(f"[bold]phrases[/bold]    {', '.join(answer.key_phrases)}")
    entities = [
        *(f"{m.amount} {m.currency or ''}".strip() + (f"/{m.per}" if m.per else "")
          for m in answer.entities.money),
        *(f"{t.kind.lower()} {_when(t.kind, t.on, t.year, t.age) or t.text}"
          for t in answer.entities.times),
        *(f"security {s.security_id}" for s in answer.entities.securities),
        *(f"goal {g}" for g in answer.entities.goal_types),
    ]  # fmt: skip
    if entities:
        out.print(f"[bold]entities[/bold]   {'; '.join(entities)}")
    if answer.alert:
        out.print(f"[bold]alert[/bold]      advisor alerted ({answer.alert})")
    out.print(f"[bold]reply[/bold]      {escape(answer.reply)}")
    if answer.flow is not None:
        flow = answer.flow
        detail = f"awaiting {flow.awaiting}" if flow.awaiting else ""
        if flow.proposal is not None:
            p = flow.proposal
            detail = (
                f"proposal: {p.goal_type or p.goal_id} by {p.target_year}, "
                f"{p.target_amount} {p.currency or ''}".strip()
            )
        out.print(f"[bold]flow[/bold]       {flow.status} {detail}".rstrip())
    if answer.suggestions is not None:
        for item in answer.suggestions.recommendations:
            out.print(f"[bold]suggests[/bold]   {escape(item.title)} ({item.action_id})")


def _when(kind: str, on: object, year: int | None, age: int | None) -> str | None:
    if kind == "AGE":
        return None if age is None else f"age {age}"
    if kind in ("YEAR", "HORIZON"):
        return None if year is None else str(year)
    return None if on is None else str(on)
