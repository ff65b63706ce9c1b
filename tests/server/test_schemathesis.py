"""schemathesis against a real `layerlab serve`: every operation, then chains of calls.

Cases come from the server's own OpenAPI document, first operation by operation, then
as stateful sequences along the links schemathesis infers (create a run, then start,
patch, step, probe, delete it). Every answer must be free of server errors and match
the document (status codes, headers, bodies), and every refusal must carry the
contract's error list. Schema-valid bodies may still be refused: a network's graph
rules (no cycles, shapes that fit) are not expressible in JSON Schema, so the check
that every schema-valid request is accepted is left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.server.servers import Server, ServerPool

CASES_PER_OPERATION = 150
SEQUENCES = 150
ERROR_FIELDS = {"node", "field", "message"}


@schemathesis.check
def error_list(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """A 4xx answer is the contract's `{"detail", "errors": [{node, field, message}]}`."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict), f"a refusal that is not an object: {body!r}"
    assert isinstance(body.get("detail"), str), f"a refusal without a detail: {body!r}"
    errors = body.get("errors")
    assert isinstance(errors, list), f"a refusal without an errors list: {body!r}"
    for error in errors:
        assert isinstance(error, dict) and set(error) == ERROR_FIELDS, f"bad error: {error!r}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server; few runs and cheap steps, so that what the fuzzer starts stays light."""
    base: Path = tmp_path_factory.mktemp("schemathesis")
    env = {"LAYERLAB_LIMIT_MAX_RUNS": "4", "LAYERLAB_LIMIT_MAX_STEP_S": "0.5"}
    with ServerPool(base, **env) as pool:
        yield pool.start()


@pytest.fixture(scope="module")
def api(served: Server) -> OpenApiSchema:
    """The server's OpenAPI document, as schemathesis loads it."""
    return schemathesis.openapi.from_url(f"{served.url}/openapi.json")


@pytest.fixture(scope="module")
def counted() -> dict[str, int]:
    """Calls made, by kind (the closing figures)."""
    return {"operations": 0, "sequences": 0}


FUZZ = settings(
    max_examples=CASES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
)


def test_every_operation_answers_by_its_document(
    api: OpenApiSchema, counted: dict[str, int]
) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def answers(case: schemathesis.Case) -> None:
            counted["operations"] += 1
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        answers()
    assert counted["operations"] >= len(operations) * 5, counted


def test_chains_of_calls_answer_by_the_document(
    api: OpenApiSchema, served: Server, counted: dict[str, int]
) -> None:
    workflow = api.as_state_machine()

    class Workflow(workflow):  # type: ignore[misc, valid-type]
        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            counted["sequences"] += 1
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs
            )

    Workflow.run(settings=settings(FUZZ, max_examples=SEQUENCES, stateful_step_count=8))
    assert counted["sequences"] >= SEQUENCES, counted
    print(f"schemathesis: {counted['operations']} single calls, {counted['sequences']} in chains")
    assert "Traceback" not in served.log(), served.log()[-4000:]
