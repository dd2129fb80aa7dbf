"""``nextbest``: migrate, serve, load files and build the demo book."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nextbest.settings import Settings

app = typer.Typer(
    help="nextbest: next-best-action engine for financial services.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest version."""
    from nextbest.storage.database import make_engine
    from nextbest.storage.migrate import current_revision, upgrade

    settings = _settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    console.print(f"database at revision [bold]{current_revision(engine)}[/bold]")
    engine.dispose()


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default from settings)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes")] = None,
) -> None:
    """Run the HTTP API (migrates the database first)."""
    migrate()
    _serve(_settings(), host=host, port=port, workers=workers)


def _serve(settings: Settings, *, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    from nextbest.cli.profiles import start_folder

    folder = start_folder(settings)  # folds queued events into profiles beside the API
    try:
        uvicorn.run(
            "nextbest.api.asgi:app",
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            access_log=False,
            log_level="warning",
        )
    finally:
        if folder is not None:
            folder.terminate()
            folder.join(timeout=10)


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    kind: Annotated[
        str | None,
        typer.Option(help="clients, portfolios, securities or events; guessed from the file name"),
    ] = None,
) -> None:
    """Load clients, portfolios, securities or events from a JSONL or CSV file."""
    from nextbest.cli.loading import load_file
    from nextbest.cli.security import audit_operator

    settings = _settings()
    code = load_file(file, kind=kind, settings=settings, console=console)
    if code != 2:  # something was written (2: nothing was read)
        audit_operator(settings, action="cli.load", detail={"kind": kind or "guessed"})
    raise typer.Exit(code)


@app.command()
def signals(
    client_id: Annotated[
        str | None, typer.Argument(help="The client; leave out with --all")
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Recompute even if cached")] = False,
    all_clients: Annotated[
        bool, typer.Option("--all", help="Recompute every client's signals")
    ] = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for --all")] = None,
) -> None:
    """Print a client's financial signals, or recompute the whole book's with --all."""
    from nextbest.cli.security import audit_operator
    from nextbest.cli.signals import print_client_signals, recompute_book
    from nextbest.errors import NotFound

    migrate()
    settings = _settings()
    if all_clients:
        started = time.perf_counter()
        clients, candidates = recompute_book(settings=settings, console=console, workers=workers)
        console.print(
            f"recomputed {clients:,} clients ({candidates:,} candidates) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        return
    if client_id is None:
        console.print("give a CLIENT_ID, or --all")
        raise typer.Exit(2)
    try:
        print_client_signals(client_id, settings=settings, console=console, refresh=refresh)
        audit_operator(settings, action="cli.signals", client_id=client_id)
    except NotFound as error:
        console.print(str(error))
        raise typer.Exit(1) from error


profiles_app = typer.Typer(help="Behaviour profiles.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")


@profiles_app.command("rebuild")
def profiles_rebuild() -> None:
    """Recompute every profile from the stored events (after changing the decay settings)."""
    from nextbest.cli.profiles import rebuild

    migrate()
    started = time.perf_counter()
    report = rebuild(settings=_settings(), console=console)
    console.print(
        f"rebuilt {report.clients - report.kept:,} profiles from {report.events:,} events "
        f"in {time.perf_counter() - started:.1f} s"
        + (
            f"; {report.kept:,} kept as they were (privacy mode: no raw events to rebuild from)"
            if report.kept
            else ""
        )
    )


@profiles_app.command("fold")
def profiles_fold(
    watch: Annotated[
        bool, typer.Option(help="Keep folding as events arrive (for an API run without serve)")
    ] = False,
) -> None:
    """Fold every queued event into its profile (`nextbest serve` does this in the background)."""
    from nextbest.cli.profiles import fold, run_folder

    migrate()
    if watch:
        settings = _settings()
        behaviour = settings.behaviour
        interval = behaviour.fold_interval_seconds or 1.0
        console.print("folding queued events as they arrive; Ctrl-C stops")
        run_folder(
            settings.database_url,
            behaviour.half_life_days,
            behaviour.fast_half_life_days,
            interval,
        )
        return
    started = time.perf_counter()
    folded = fold(settings=_settings())
    console.print(f"folded {folded:,} queued events in {time.perf_counter() - started:.1f} s")


@app.command()
def segments(
    seed: Annotated[int, typer.Option(help="Seed of the clustering")] = 7,
    if_erased: Annotated[
        bool,
        typer.Option(
            "--if-erased",
            help="Refit only if a client was erased since the newest fit (for a frequent job)",
        ),
    ] = False,
) -> None:
    """Refit the client segments and print their sizes and profiles."""
    from nextbest.cli.profiles import print_segments, refit, refit_due

    migrate()
    if if_erased:
        erased = refit_due(settings=_settings())
        if erased is None:
            console.print("no client was erased since the newest segment fit: nothing to refit")
            return
        console.print(f"a client was erased at {erased:%Y-%m-%d %H:%M} UTC: refitting")
    try:
        model = refit(settings=_settings(), seed=seed)
    except ValueError as error:
        console.print(str(error))
        raise typer.Exit(1) from error
    print_segments(model, console)


recommendations_app = typer.Typer(help="The decision log's recommendations.", no_args_is_help=True)
app.add_typer(recommendations_app, name="recommendations")


@recommendations_app.command("expire")
def recommendations_expire() -> None:
    """Close recommendations whose time ran out (IGNORED if never viewed, EXPIRED if viewed),
    so the models learn them as not accepted; run it daily (a late outcome also finds them)."""
    from datetime import UTC, datetime

    from nextbest.decision.catalog import load_catalog
    from nextbest.services.engine_setup import build_signal_engine
    from nextbest.services.profiles import ProfileConfig
    from nextbest.services.recommendations import build_recommender
    from nextbest.storage.database import make_engine, make_session_factory
    from nextbest.storage.unit_of_work import UnitOfWork

    settings = _settings()
    migrate()
    engine = make_engine(settings.database_url)
    try:
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
        uow = UnitOfWork(make_session_factory(engine))
        total = 0
        while closed := recommender.learning.expire_due(uow=uow, now=datetime.now(UTC)):
            total += closed
        console.print(f"closed {total:,} expired recommendations")
    finally:
        engine.dispose()


def _register_security() -> None:
    from nextbest.cli.security import audit_app, decisions_app, keys_app, retention_app

    app.add_typer(keys_app, name="keys")
    app.add_typer(decisions_app, name="decisions")
    app.add_typer(audit_app, name="audit")
    app.add_typer(retention_app, name="retention")


_register_security()


def _register_render() -> None:
    from nextbest.cli.render import render_command

    app.command("render")(render_command)


_register_render()


@app.command()
def simulate(
    clients: Annotated[int, typer.Option(min=10, help="Simulated clients")] = 5_000,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Weeks to simulate")] = 12,
    seed: Annotated[int, typer.Option(help="Seed of the book, hidden tastes and visits")] = 11,
    workers: Annotated[int, typer.Option(min=1, help="Policies run in parallel")] = 2,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="Policies to run (default: engine standard baseline random oracle)"),
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="Save the weekly curve as this PNG")] = None,
    experiment: Annotated[
        str | None,
        typer.Option(help="Run this seed 002 experiment instead (BENEFIT_EMPHASIS)"),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=90, help="Days the experiment runs")] = 14,
    true_lift: Annotated[
        float,
        typer.Option(min=0, max=5, help="Hidden: how much likelier money framing makes accepting"),
    ] = 0.4,
    world: Annotated[
        str, typer.Option(help="Hidden tastes: calibrated (from real offer data) or hand-set")
    ] = "calibrated",
) -> None:
    """Run the decision loop against simulated clients whose tastes it cannot see, and print
    the weekly acceptance of the engine beside the standard, baseline, random and oracle
    policies. Each policy runs on its own temporary SQLite copy of the same book. With
    --experiment, run that A/B test on the book instead and print its results (read as the
    API reads them) beside the hidden true lift; --plot then saves its lift over time."""
    from nextbest.cli.simulate import run_experiment_simulation, run_simulation
    from nextbest.decision.engine import Policy
    from nextbest.sim.simulator import POLICIES
    from nextbest.sim.world import WORLDS

    if experiment is not None:
        try:
            run_experiment_simulation(
                experiment=experiment,
                clients=clients,
                days=days,
                seed=seed,
                true_lift=true_lift,
                plot=plot,
                console=console,
            )
        except ValueError as error:
            console.print(str(error))
            raise typer.Exit(2) from error
        return

    try:
        chosen = POLICIES if not policy else tuple(Policy(name) for name in policy)
    except ValueError as error:
        console.print(f"{error}; choose from {', '.join(p.value for p in POLICIES)}")
        raise typer.Exit(2) from error
    if world not in WORLDS:
        console.print(f"unknown world {world!r}; choose from {', '.join(WORLDS)}")
        raise typer.Exit(2)
    run_simulation(
        clients=clients,
        weeks=weeks,
        seed=seed,
        workers=workers,
        policies=chosen,
        plot=plot,
        console=console,
        world=WORLDS[world],
    )


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the API after loading")
    ] = True,
    clients: Annotated[int, typer.Option(min=1, help="How many clients")] = 1_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same book")] = 7,
    days: Annotated[int, typer.Option(min=1, help="Days of behaviour events")] = 90,
) -> None:
    """Build the synthetic demo book into the database, then serve it."""
    from nextbest.cli.demo import load_demo
    from nextbest.cli.security import create_key
    from nextbest.storage.database import make_engine, make_session_factory
    from nextbest.storage.unit_of_work import UnitOfWork

    settings = _settings()
    migrate()
    load_demo(settings=settings, clients=clients, seed=seed, days=days, console=console)
    engine = make_engine(settings.database_url)
    try:
        key, _ = create_key(
            settings,
            name="demo (development)",
            roles="app,advisor,admin,compliance",
            days=30,
            uow=UnitOfWork(make_session_factory(engine)),
        )
    finally:
        engine.dispose()
    console.print(
        f"\ndevelopment API key (all four roles, 30 days; shown once):\n  {key}\n"
        "Create role keys for real use with `nextbest keys create`.",
        soft_wrap=True,
        markup=False,
    )
    if serve_after:
        base = f"http://{settings.host}:{settings.port}"
        auth = f"-H 'Authorization: Bearer {key}'"
        console.print(
            "\nnextbest is starting at "
            f"{base}  (API docs: {base}/docs, metrics: {base}/metrics)\n"
            "Try:\n"
            f"  curl -s {base}/healthz\n"
            f"  curl -s {auth} {base}/v1/clients/demo-00001\n"
            f"  curl -s {auth} {base}/v1/clients/demo-00001/portfolio\n"
            f"  curl -s {auth} {base}/v1/clients/demo-00001/recommendations\n"
            f"  curl -s {auth} {base}/v1/clients/demo-00001/insights\n"
            f"  curl -s {auth} {base}/v1/reviews\n"
            f"  curl -s {auth} '{base}/v1/securities?limit=3'\n"
            f"  curl -s {auth} -X POST {base}/v1/events -H 'content-type: application/json' \\\n"
            '    -d \'{"event_id": "try-1", "client_id": "demo-00001", "type": "LOGIN", '
            '"occurred_at": "2026-01-05T09:00:00Z"}\'\n'
            f"  curl -s {auth} -X POST {base}/v1/clients/demo-00001/messages "
            "-H 'content-type: application/json' \\\n"
            '    -d \'{"text": "I am worried about the markets", "conversation_id": "try-1"}\'\n'
            "Press Ctrl+C to stop.\n",
            soft_wrap=True,
            markup=False,
        )
        _serve(settings, host=None, port=None, workers=None)


def _register_nlp() -> None:
    from nextbest.cli.nlp import message_command, nlp_app

    app.add_typer(nlp_app, name="nlp")
    app.command("message")(message_command)


_register_nlp()


def _register_experiments() -> None:
    from nextbest.cli.experiments import experiments_app

    app.add_typer(experiments_app, name="experiments")


_register_experiments()


if __name__ == "__main__":
    app()
