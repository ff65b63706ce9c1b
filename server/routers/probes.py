"""One probe of a run, now, as JSON (the same data the stream sends as frames)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from models.probes.dispatch import PROBES, is_probe_topic
from server.access import GUARDED, guard_run
from server.deps import ManagerDep
from server.lifecycle import RunNotFoundError, RunStateError
from server.manager import ProbeBusyError, ProbeFailedError
from server.protocol import ProbeOptions

router = APIRouter(
    prefix="/api/runs", tags=["probes"], dependencies=[Depends(guard_run)], responses=GUARDED
)


class ArrayJson(BaseModel):
    """One array of a probe, as nested lists."""

    shape: list[int]
    dtype: str = Field(description="float32, float16 or uint8.")
    data: list[Any] = Field(description="The values, nested as the shape says.")


class ProbeReading(BaseModel):
    """One probe now: its topic, node and step, the probe's own metadata, its arrays."""

    model_config = ConfigDict(extra="allow")

    step: int
    topic: str
    node: str | None
    arrays: dict[str, ArrayJson]


@router.get(
    "/{run_id}/probes/{topic}",
    responses={
        404: {"description": "No such run."},
        409: {"description": "The run has no weights yet (created, never started)."},
        422: {"description": "The probe does not apply to this run or node."},
        429: {"description": "Probes have used the trainer's probe time; see Retry-After."},
    },
)
async def probe(
    run_id: str,
    topic: str,
    manager: ManagerDep,
    request: Request,
    *,
    node: Annotated[str | None, Query(description="The node, for per-node probes.")] = None,
    sample: Annotated[
        int, Query(ge=0, le=1_000_000, description="Test sample for feature maps.")
    ] = 0,
    reduction: Annotated[Literal["abs", "square"], Query(description="ERF: |g| or g^2.")] = "abs",
) -> ProbeReading:
    """One probe now: activations, feature maps, weights, gradients, ERF, decision boundary, ..."""
    if not is_probe_topic(topic):
        raise HTTPException(404, f"no probe '{topic}'; probes: {', '.join(PROBES)}")
    # Every other query parameter is an option of the probe (GET /api/probes lists them);
    # the probe's own options model checks them, as text the way a query gives them.
    options: ProbeOptions = {
        name: value for name, value in request.query_params.items() if name != "node"
    }
    options |= {"sample": sample, "reduction": reduction}
    try:
        reading = await manager.probe(run_id, topic, node, options)
    except RunNotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except RunStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ProbeFailedError as exc:
        raise HTTPException(422, str(exc)) from exc
    except ProbeBusyError as exc:
        retry = str(max(1, math.ceil(exc.retry_after_s)))
        raise HTTPException(429, str(exc), headers={"Retry-After": retry}) from exc
    except TimeoutError as exc:
        raise HTTPException(504, "the training worker did not answer in time") from exc
    return ProbeReading.model_validate(reading.as_json())
