"""Experiments: define, start, stop and conclude A/B tests, look a client's variant up, read
the results as JSON or as a plot."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from nextbest.api.deps import NowDep, ProfileConfigDep, RecommenderDep, SettingsDep, UowDep
from nextbest.api.errors import ERROR_RESPONSES
from nextbest.api.schemas.common import ID_PATTERN
from nextbest.api.schemas.experiments import (
    ExperimentIn,
    ExperimentOut,
    ExperimentPatch,
    ExperimentResultOut,
    ExperimentsOut,
    VariantAnswerOut,
)
from nextbest.api.security import note_client, requires
from nextbest.domain.ids import ClientId
from nextbest.experiments.assignment import Environment
from nextbest.experiments.lifecycle import ExperimentStatus
from nextbest.security.roles import Role
from nextbest.services.experiments import (
    change_status,
    create_experiment,
    experiment_results,
    get_experiment,
    list_experiments,
    results_png,
    variant_for,
)

router = APIRouter(prefix="/v1/experiments", tags=["experiments"], responses=ERROR_RESPONSES)

NamePath = Annotated[str, Path(pattern=ID_PATTERN, description="The experiment's name")]
EnvironmentQuery = Annotated[
    Environment | None,
    Query(description="Whose statistics to analyse; this server's environment by default"),
]
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The cumulative lift over time"}
}


@router.post("", dependencies=[requires(Role.ADMIN)], response_model=ExperimentOut, status_code=201)
def post_experiment_route(body: ExperimentIn, uow: UowDep, now: NowDep) -> ExperimentOut:
    """Define an experiment (stored as a DRAFT); the minimum sample size is planned from the
    minimum detectable effect and power when not given."""
    return ExperimentOut.from_domain(create_experiment(body.to_domain(), uow=uow, now=now))


@router.get("", dependencies=[requires(Role.ADMIN)], response_model=ExperimentsOut)
def list_experiments_route(
    uow: UowDep,
    status: Annotated[ExperimentStatus | None, Query(description="Only these")] = None,
) -> ExperimentsOut:
    """Every experiment, oldest first."""
    found = list_experiments(uow=uow, status=status)
    return ExperimentsOut(experiments=[ExperimentOut.from_domain(e) for e in found])


@router.get("/{name}", dependencies=[requires(Role.ADMIN)], response_model=ExperimentOut)
def get_experiment_route(name: NamePath, uow: UowDep) -> ExperimentOut:
    """One experiment's definition and status."""
    return ExperimentOut.from_domain(get_experiment(name, uow=uow))


@router.patch("/{name}", dependencies=[requires(Role.ADMIN)], response_model=ExperimentOut)
def patch_experiment_route(
    name: NamePath,
    body: ExperimentPatch,
    uow: UowDep,
    now: NowDep,
    settings: SettingsDep,
    recommender: RecommenderDep,
) -> ExperimentOut:
    """Start, stop (a pause) or conclude; a move the status does not allow is 409."""
    changed = change_status(
        name,
        body.action,
        uow=uow,
        now=now,
        environment=Environment(settings.environment.value),
        conclusion=body.conclusion,
        treatments=recommender.experiments,
    )
    return ExperimentOut.from_domain(changed)


@router.get(
    "/{name}/variant",
    dependencies=[requires(Role.APP, Role.ADMIN)],
    response_model=VariantAnswerOut,
)
def get_variant_route(
    request: Request,
    name: NamePath,
    client_id: Annotated[str, Query(pattern=ID_PATTERN, description="The client")],
    uow: UowDep,
    now: NowDep,
    settings: SettingsDep,
    profiles: ProfileConfigDep,
) -> VariantAnswerOut:
    """The client's variant: sticky once assigned, the control when the client is not in the
    experiment (and then not counted). Looking it up records no exposure."""
    note_client(request, client_id)
    answer = variant_for(
        name,
        ClientId(client_id),
        uow=uow,
        environment=Environment(settings.environment.value),
        profiles=profiles,
        now=now,
    )
    return VariantAnswerOut.from_domain(answer)


@router.get(
    "/{name}/results",
    dependencies=[requires(Role.ADMIN)],
    response_model=ExperimentResultOut,
    responses=PNG,
)
def get_results_route(
    name: NamePath,
    uow: UowDep,
    settings: SettingsDep,
    environment: EnvironmentQuery = None,
    format: Annotated[
        Literal["json", "png"], Query(description="png: the plot of the lift over time")
    ] = "json",
) -> ExperimentResultOut | Response:
    """Per variant: units, rates, lift with intervals, p-values (fixed, always-valid,
    corrected), chance to beat control, expected loss; the sample-ratio check; the verdict."""
    report = experiment_results(
        name, uow=uow, environment=environment or Environment(settings.environment.value)
    )
    if format == "png":
        return Response(results_png(report), media_type="image/png")
    return ExperimentResultOut.from_domain(report)


@router.get(
    "/{name}/results.png",
    dependencies=[requires(Role.ADMIN)],
    response_class=Response,
    responses=PNG,
)
def get_results_png_route(
    name: NamePath, uow: UowDep, settings: SettingsDep, environment: EnvironmentQuery = None
) -> Response:
    """Each treatment's cumulative lift on the success metric over time, with its fixed and
    always-valid intervals, as a PNG."""
    report = experiment_results(
        name, uow=uow, environment=environment or Environment(settings.environment.value)
    )
    return Response(results_png(report), media_type="image/png")
