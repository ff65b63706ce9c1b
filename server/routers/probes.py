"""One probe of a run, now, as JSON (the same data the stream sends as frames)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from models.probes.dispatch import TOPICS
from server.deps import ManagerDep
from server.manager import ProbeFailedError, RunStateError

router = APIRouter(prefix="/api/runs", tags=["probes"])


@router.get(
    "/{run_id}/probes/{topic}",
    responses={
        404: {"description": "No such run."},
        409: {"description": "The run is not loaded (created, completed, stopped or failed)."},
        422: {"description": "The probe does not apply to this run or node."},
    },
)
async def probe(
    run_id: str,
    topic: str,
    manager: ManagerDep,
    *,
    node: Annotated[str | None, Query(description="The node, for per-node probes.")] = None,
    sample: Annotated[int, Query(ge=0, description="Test sample for feature maps.")] = 0,
    reduction: Annotated[
        str, Query(pattern="^(abs|square)$", description="ERF: |g| or g^2.")
    ] = "abs",
) -> dict[str, Any]:
    """One probe now: activations, feature maps, weights, gradients, ERF, decision boundary, ..."""
    if topic.partition(":")[0] not in TOPICS:
        raise HTTPException(404, f"no probe '{topic}'; probes: {', '.join(TOPICS)}")
    try:
        return await manager.probe(run_id, topic, node, {"sample": sample, "reduction": reduction})
    except KeyError as exc:
        raise HTTPException(404, f"no run with id '{run_id}'") from exc
    except RunStateError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ProbeFailedError as exc:
        raise HTTPException(422, str(exc)) from exc
    except TimeoutError as exc:
        raise HTTPException(504, "the training worker did not answer in time") from exc
