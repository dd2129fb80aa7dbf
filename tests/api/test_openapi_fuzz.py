"""Schemathesis against our own OpenAPI: no 500s and no response that breaks the schema.

Bounded in examples so the suite stays fast; a longer run is one environment variable away
(``NEXTBEST_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from nextbest.api.app import create_app
from nextbest.storage.database import make_engine
from nextbest.storage.migrate import upgrade
from tests import factories as f
from tests.conftest import make_settings

EXAMPLES = int(os.environ.get("NEXTBEST_FUZZ_EXAMPLES", "25"))

# The schema is read at collection time, so the app exists at import; its database is made and
# filled by the module fixture below, and removed after.
_DIRECTORY = Path(tempfile.mkdtemp(prefix="nextbest-fuzz-"))
_URL = f"sqlite:///{_DIRECTORY / 'fuzz.db'}"
app = create_app(make_settings(_URL))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _database() -> Iterator[None]:
    engine = make_engine(_URL)
    upgrade(engine)
    engine.dispose()
    with TestClient(app) as client:  # so that some requests find data
        client.put("/v1/securities", json={"securities": [f.security()]})
        client.put("/v1/clients/c-1", json=f.client_body())
        client.put("/v1/clients/c-1/portfolio", json=f.portfolio_body())
    yield
    shutil.rmtree(_DIRECTORY, ignore_errors=True)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_responses_match_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
