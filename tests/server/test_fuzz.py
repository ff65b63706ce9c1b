"""Fuzzing: whatever a client sends, the server answers with a 2xx or 4xx, never a 5xx.

Bodies are arbitrary JSON (NaN and infinities included: the server's parser accepts
them), raw bytes, and valid bodies with a few mutations: keys dropped, values replaced
by garbage of the wrong type, huge or negative numbers, numbers as strings, unknown
fields. Refusals must carry the contract's error list.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

from models.datasets import DATASETS
from tests.server.conftest import spiral_run, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

EXTREMES: list[Any] = [
    0,
    -1,
    1,
    -(10**9),
    10**9,
    2**31,
    2**63,
    -(2**63) - 1,
    10**30,
    1e308,
    -1e308,
    5e-324,
    math.inf,
    -math.inf,
    math.nan,
    True,
    "",
    "5",
    "0.01",
    "NaN",
    "x" * 300,
    [],
    {},
    None,
]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(EXTREMES),
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
any_body = st.one_of(json_values, st.binary(max_size=64))


PARAM_NAMES = sorted({name for d in DATASETS.values() for name in d.Params.model_fields})
dataset_refs = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(sorted(DATASETS)), leaves)},
    optional={
        "params": st.one_of(
            st.dictionaries(
                st.sampled_from(PARAM_NAMES),
                st.one_of(
                    st.sampled_from(EXTREMES),
                    st.integers(-10, 100_000),
                    st.floats(-1, 2),
                    st.booleans(),
                ),
                max_size=4,
            ),
            json_values,
        )
    },
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON value (the root included)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """A valid body with one to three mutations somewhere inside it."""
    body: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(body))))
        value = draw(st.one_of(st.sampled_from(EXTREMES), json_values))
        if not path:
            body = value
            continue
        parent = body
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "unknown field"]))
        if action == "replace":
            parent[last] = value
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = value
        else:
            parent.append(value)
    return body


def send(client: TestClient, method: str, url: str, body: Any) -> Response:
    """The request with this body: bytes as they are, anything else as (lenient) JSON."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response: Response = client.request(
        method, url, content=content, headers={"content-type": "application/json"}
    )
    return response


def check_answer(response: Response) -> Any:
    """No 5xx; a refusal carries the contract's errors (or a detail); the JSON body."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    event(f"HTTP {response.status_code}")
    payload = response.json() if response.content else None
    if response.status_code == 422:
        assert isinstance(payload, dict) and isinstance(payload.get("detail"), str | list)
        if "errors" in payload:
            check_errors(payload["errors"])
    elif response.status_code >= 400:
        assert isinstance(payload, dict) and payload.get("detail"), payload
    return payload


def check_errors(errors: Any) -> None:
    """The contract's error list: [{"node", "field", "message"}], each with a message."""
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) >= {"node", "field", "message"}, error
        assert isinstance(error["message"], str) and error["message"]
        assert error["node"] is None or isinstance(error["node"], str)
        assert error["field"] is None or isinstance(error["field"], str)


@pytest.fixture(scope="module")
def runs(client: TestClient) -> Iterator[dict[str, str]]:
    """Runs to aim controls at: one created, one held paused by the worker, one finished."""
    made = {}
    for name in ("created", "held", "controls"):
        response = client.post("/api/runs", json=spiral_run(max_steps=300))
        assert response.status_code == 201
        made[name] = response.json()["id"]
    client.post(f"/api/runs/{made['held']}/step", json={"n": 1})
    wait_until(
        lambda: client.get(f"/api/runs/{made['held']}").json()["status"] == "paused",
        what="the held run to pause",
    )
    yield made
    for run_id in made.values():
        client.delete(f"/api/runs/{run_id}")


def assert_worker_unharmed(client: TestClient) -> None:
    """No fuzzed input killed the training worker."""
    assert client.get("/api/health").json()["worker_restarts"] == 0


@FUZZ
@given(body=st.one_of(any_body, mutated(spiral_run()["network"])))
def test_validate_spec(client: TestClient, body: Any) -> None:
    payload = check_answer(send(client, "POST", "/api/networks/validate", body))
    if isinstance(payload, dict) and "valid" in payload:
        assert isinstance(payload["nodes"], dict) and isinstance(payload["total_params"], int)
        if payload["valid"]:
            assert payload["errors"] == []
        else:
            check_errors(payload["errors"])


@FUZZ
@given(
    body=st.one_of(
        mutated({"network": spiral_run()["network"], "dataset": {"name": "spiral", "params": {}}}),
        st.builds(lambda d: {"network": spiral_run()["network"], "dataset": d}, dataset_refs),
    )
)
def test_validate_with_dataset(client: TestClient, body: Any) -> None:
    payload = check_answer(send(client, "POST", "/api/networks/validate", body))
    if isinstance(payload, dict) and "valid" in payload and not payload["valid"]:
        check_errors(payload["errors"])


@FUZZ
@given(
    body=st.one_of(
        any_body,
        mutated(spiral_run(max_steps=300)),
        st.builds(lambda d: {**spiral_run(max_steps=300), "dataset": d}, dataset_refs),
    )
)
def test_create_run(client: TestClient, body: Any) -> None:
    response = send(client, "POST", "/api/runs", body)
    payload = check_answer(response)
    if response.status_code == 201:
        assert payload["status"] == "created" and payload["step"] == 0
        assert client.delete(f"/api/runs/{payload['id']}").status_code == 204
    elif response.status_code == 422:
        check_errors(payload["errors"])
    else:  # bytes that are not even text: FastAPI's own 400
        assert response.status_code == 400 and isinstance(body, bytes), response.text


@FUZZ
@given(
    body=st.one_of(any_body, mutated({"n": 3})),
    which=st.sampled_from(["created", "held", "nope"]),
)
def test_step(client: TestClient, runs: dict[str, str], body: Any, which: str) -> None:
    response = send(client, "POST", f"/api/runs/{runs.get(which, which)}/step", body)
    check_answer(response)
    valid = isinstance(body, dict) and set(body) <= {"n"}
    if response.status_code == 422:
        assert not (valid and type(body.get("n", 1)) is int and 1 <= body.get("n", 1) <= 100_000)


PATCH = {
    "lr": 0.005,
    "momentum": 0.5,
    "nesterov": False,
    "weight_decay": 0.0001,
    "batch_size": 16,
    "max_steps": 300,
}


@FUZZ
@given(
    body=st.one_of(any_body, mutated(PATCH)),
    which=st.sampled_from(["created", "held", "nope"]),
)
def test_patch_training(client: TestClient, runs: dict[str, str], body: Any, which: str) -> None:
    response = send(client, "PATCH", f"/api/runs/{runs.get(which, which)}/training", body)
    payload = check_answer(response)
    if response.status_code == 200:
        training = payload["config"]["training"]
        cap = client.app.state.settings.limits.max_batch_size  # type: ignore[attr-defined]
        assert 0 < training["lr"] <= 10 and 1 <= training["batch_size"] <= cap
    if response.status_code == 422:
        check_errors(payload["errors"])


@FUZZ
@given(
    body=any_body,
    action=st.sampled_from(["start", "pause", "resume", "stop"]),
    which=st.sampled_from(["controls", "controls", "nope"]),
)
def test_controls_ignore_garbage_bodies(
    client: TestClient, runs: dict[str, str], body: Any, action: str, which: str
) -> None:
    response = send(client, "POST", f"/api/runs/{runs.get(which, which)}/{action}", body)
    check_answer(response)
    assert response.status_code in (200, 404, 409), response.text
    assert (response.status_code == 404) == (which == "nope")


def test_the_worker_survived_the_fuzzing(client: TestClient, runs: dict[str, str]) -> None:
    """Whatever the fuzzers sent, the worker lives (never restarted) and still trains."""
    assert_worker_unharmed(client)
    assert runs  # after the fuzzers that used them
    run_id = client.post("/api/runs", json=spiral_run(max_steps=300)).json()["id"]
    assert client.post(f"/api/runs/{run_id}/step", json={"n": 5}).status_code == 200
    wait_until(
        lambda: (
            (r := client.get(f"/api/runs/{run_id}").json())["step"] == 5 and r["status"] == "paused"
        ),
        what="five steps",
    )
    assert_worker_unharmed(client)
    client.delete(f"/api/runs/{run_id}")


# --- the stream's client messages -------------------------------------------------------

# Out-of-range numbers are tested on their own (test_stream_refuses_out_of_range_numbers).
small_ints = st.integers(min_value=-(2**31), max_value=2**31)
safe_values = st.recursive(
    st.one_of(st.none(), st.booleans(), small_ints, st.floats(-1e6, 1e6), st.text(max_size=12)),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
messages = st.one_of(
    safe_values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["subscribe", "unsubscribe"])},
        optional={
            "topics": st.one_of(
                safe_values,
                st.lists(st.sampled_from(["metrics", "status", "bogus", "", "erf:h1"]), max_size=3),
            ),
            "max_hz": st.one_of(safe_values, st.sampled_from([math.nan, math.inf, -1, 0, 1e9])),
            "since": st.one_of(safe_values, st.just(-1)),
        },
    ),
    st.fixed_dictionaries(
        {"type": st.just("control")},
        optional={
            "action": st.one_of(
                safe_values, st.sampled_from(["pause", "resume", "step", "start", "nope"])
            ),
            "n": st.one_of(st.integers(-5, 50), st.text(max_size=4), st.none()),
        },
    ),
)


def still_answers(ws: Any) -> None:
    """The connection is alive: an unknown message type comes back as an error frame."""
    ws.send_text('{"type": "ping?"}')
    while True:
        frame = ws.receive()
        if "text" in frame and frame["text"] and "ping?" in frame["text"]:
            assert json.loads(frame["text"])["type"] == "error"
            return
        assert frame.get("type") != "websocket.close", frame


@settings(FUZZ, max_examples=100)
@given(batch=st.lists(st.one_of(messages, st.text(max_size=20)), min_size=1, max_size=5))
def test_stream_survives_any_client_message(
    client: TestClient, runs: dict[str, str], batch: list[Any]
) -> None:
    with client.websocket_connect(f"/api/runs/{runs['created']}/stream") as ws:
        assert ws.receive_json()["type"] == "status"
        for message in batch:
            ws.send_text(message if isinstance(message, str) else json.dumps(message))
        still_answers(ws)


@pytest.mark.parametrize(
    "message",
    [
        '{"type": "subscribe", "topics": ["metrics"], "since": 1e999}',
        '{"type": "subscribe", "topics": ["metrics"], "since": 100000000000000000000000}',
        '{"type": "control", "action": "step", "n": 1e999}',
    ],
)
def test_stream_refuses_out_of_range_numbers(
    client: TestClient, runs: dict[str, str], message: str
) -> None:
    with client.websocket_connect(f"/api/runs/{runs['created']}/stream") as ws:
        ws.receive_json()
        ws.send_text(message)
        try:
            answer = ws.receive_json()  # nothing else is on its way to a created run's viewer
            still_answers(ws)
        except WebSocketDisconnect as exc:
            pytest.fail(f"the stream closed ({exc.code}) on {message}")
        field = "since" if "since" in message else "n"
        assert answer["type"] == "error" and answer["message"].startswith(f"{field}:"), answer


@pytest.mark.parametrize("since", [2**63, 10**30])
def test_metrics_since_out_of_range_is_not_a_server_error(
    client: TestClient, runs: dict[str, str], since: int
) -> None:
    response = client.get(f"/api/runs/{runs['created']}/metrics", params={"since": since})
    assert response.status_code in (200, 422), response.status_code
