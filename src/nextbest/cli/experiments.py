"""``nextbest experiments``: define, start, stop, conclude and read experiments from the shell.

Each command calls the same service function as its API route, on the configured database
and environment, and prints the same JSON the route answers (``results --png`` writes the
plot). A definition is the ``POST /v1/experiments`` body, read from a JSON file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from nextbest.api.schemas.common import describe_problems, validation_problems
from nextbest.api.schemas.experiments import (
    ExperimentIn,
    ExperimentOut,
    ExperimentResultOut,
    ExperimentsOut,
    VariantAnswerOut,
)
from nextbest.domain.ids import ClientId
from nextbest.errors import NextBestError
from nextbest.experiments.assignment import Environment
from nextbest.experiments.lifecycle import ExperimentStatus, Transition
from nextbest.services.experiments import (
    change_status,
    create_experiment,
    experiment_results,
    get_experiment,
    list_experiments,
    results_png,
    variant_for,
)
from nextbest.services.profiles import ProfileConfig
from nextbest.settings import Settings
from nextbest.storage.database import make_engine, make_session_factory
from nextbest.storage.migrate import upgrade
from nextbest.storage.unit_of_work import UnitOfWork

__all__ = ["experiments_app"]

experiments_app = typer.Typer(help="A/B tests of how nextbest recommends.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


@contextmanager
def _database() -> Iterator[tuple[Settings, UnitOfWork]]:
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield settings, UnitOfWork(make_session_factory(engine))
    finally:
        engine.dispose()


def _environment(settings: Settings) -> Environment:
    return Environment(settings.environment.value)


def _print(model: BaseModel) -> None:
    out.print_json(model.model_dump_json())


def _fail(error: NextBestError) -> typer.Exit:
    console.print(f"{error.code}: {error}")
    return typer.Exit(1)


@experiments_app.command("create")
def create_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Define an experiment from a JSON file holding the POST /v1/experiments body."""
    try:
        body = ExperimentIn.model_validate(orjson.loads(file.read_bytes()))
    except orjson.JSONDecodeError as error:
        console.print(f"{file.name} is not valid JSON: {error}")
        raise typer.Exit(2) from error
    except ValidationError as error:
        problems = validation_problems(list(error.errors()))
        console.print(f"{file.name}: {describe_problems(problems)}")
        raise typer.Exit(2) from error
    with _database() as (_, uow):
        try:
            created = create_experiment(body.to_domain(), uow=uow, now=datetime.now(UTC))
        except NextBestError as error:
            raise _fail(error) from error
    _print(ExperimentOut.from_domain(created))


@experiments_app.command("list")
def list_command(
    status: Annotated[ExperimentStatus | None, typer.Option(help="Only these")] = None,
) -> None:
    """Every experiment, oldest first."""
    with _database() as (_, uow):
        found = list_experiments(uow=uow, status=status)
    _print(ExperimentsOut(experiments=[ExperimentOut.from_domain(e) for e in found]))


@experiments_app.command("show")
def show_command(name: str) -> None:
    """One experiment's definition and status."""
    with _database() as (_, uow):
        try:
            found = get_experiment(name, uow=uow)
        except NextBestError as error:
            raise _fail(error) from error
    _print(ExperimentOut.from_domain(found))


def _move(name: str, transition: Transition, conclusion: str | None = None) -> None:
    with _database() as (settings, uow):
        try:
            changed = change_status(
                name,
                transition,
                uow=uow,
                now=datetime.now(UTC),
                environment=_environment(settings),
                conclusion=conclusion,
            )
        except NextBestError as error:
            raise _fail(error) from error
    _print(ExperimentOut.from_domain(changed))


@experiments_app.command("start")
def start_command(name: str) -> None:
    """Start (or resume) an experiment; running servers pick it up within
    NEXTBEST_EXPERIMENTS__REFRESH_SECONDS."""
    _move(name, Transition.START)


@experiments_app.command("stop")
def stop_command(name: str) -> None:
    """Pause an experiment: no treatment is served and nothing is counted until it starts."""
    _move(name, Transition.STOP)


@experiments_app.command("conclude")
def conclude_command(
    name: str,
    conclusion: Annotated[
        str | None, typer.Option(help="What was decided; the verdict of the moment if left out")
    ] = None,
) -> None:
    """End an experiment for good, recording what was decided; its layer slot is freed."""
    _move(name, Transition.CONCLUDE, conclusion)


@experiments_app.command("variant")
def variant_command(name: str, client_id: str) -> None:
    """The client's variant (stored once the client is enrolled; no exposure is recorded)."""
    with _database() as (settings, uow):
        try:
            answer = variant_for(
                name,
                ClientId(client_id),
                uow=uow,
                environment=_environment(settings),
                profiles=ProfileConfig.from_settings(settings.behaviour),
                now=datetime.now(UTC),
            )
        except NextBestError as error:
            raise _fail(error) from error
    _print(VariantAnswerOut.from_domain(answer))


@experiments_app.command("results")
def results_command(
    name: str,
    png: Annotated[Path | None, typer.Option(help="Also save the lift over time here")] = None,
    environment: Annotated[
        Environment | None, typer.Option(help="Whose statistics (default: the configured one)")
    ] = None,
) -> None:
    """The analysis: per variant the units, rates, lifts with intervals, p-values, chance to
    beat control and expected loss; the sample-ratio check; the verdict."""
    with _database() as (settings, uow):
        try:
            report = experiment_results(
                name, uow=uow, environment=environment or _environment(settings)
            )
        except NextBestError as error:
            raise _fail(error) from error
    _print(ExperimentResultOut.from_domain(report))
    if png is not None:
        png.write_bytes(results_png(report))
        console.print(f"lift over time saved to {png}")
