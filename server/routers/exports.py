"""GET /api/runs/{id}/export: a run taken elsewhere: spec, PyTorch, weights, ONNX, report."""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from models.checkpoint import read_weights
from models.export import ExportError, network_onnx, spec_export, weights_export
from models.presets import PRESETS
from models.pytorch_export import pytorch_export
from models.report import lesson_of, render_report
from server.access import GUARDED, guard_run
from server.deps import PreviewsDep, SettingsDep, StoreDep
from server.lifecycle import RunNotFoundError

router = APIRouter(
    prefix="/api/runs", tags=["runs"], dependencies=[Depends(guard_run)], responses=GUARDED
)

ExportFormat = Literal["spec", "pytorch", "safetensors", "report", "onnx"]


def _filename(name: str, run_id: str, suffix: str) -> str:
    """A download name from the run's name: letters, digits, dashes."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "run"
    return f"{stem}-{run_id[:8]}{suffix}"


@router.get(
    "/{run_id}/export",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/x-python": {},
                "application/octet-stream": {},
                "text/html": {},
            }
        },
        404: {"description": "No such run."},
        409: {"description": "The run has no saved weights yet."},
        422: {"description": "The format is unknown, or the network cannot be written in it."},
    },
)
def export_run(
    run_id: str,
    store: StoreDep,
    settings: SettingsDep,
    previews: PreviewsDep,
    format: Annotated[
        ExportFormat,
        Query(
            description="spec: the run body, which POST /api/runs re-creates; pytorch: one "
            "standalone Python file (the network as an nn.Module layer by layer, its data, the "
            "training loop with the run's optimizer, the loading of its weights); "
            "safetensors: the model's weights at its last checkpoint; report: one "
            "self-contained HTML page (network, curves, final metrics, config, lesson); onnx: "
            "the network with its last checkpoint's weights as an ONNX model."
        ),
    ] = "spec",
) -> Response:
    """The run as a file: its body as JSON or a PyTorch script, its weights, ONNX, a report."""
    record = store.get_run(run_id)
    if record is None:
        raise HTTPException(404, str(RunNotFoundError(run_id)))
    if format == "spec":
        body = json.dumps(spec_export(record.config), indent=2)
        name = _filename(record.config.name, run_id, ".json")
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "pytorch":
        name = _filename(record.config.name, run_id, ".py")
        try:
            # A script holds the whole dataset in memory while it is written: a few at a
            # time, as previews are made, so that many at once queue instead.
            with previews:
                script = pytorch_export(
                    record.config, run_id=run_id, filename=name, data_dir=settings.data_dir
                )
        except ExportError as exc:
            raise HTTPException(422, f"this run cannot be exported as PyTorch: {exc}") from exc
        return Response(
            script,
            media_type="text/x-python; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "report":
        page = render_report(
            record.config,
            store.metrics(run_id),
            status=record.status,
            run_id=run_id,
            lesson=lesson_of(record.config, PRESETS),
            data_dir=settings.data_dir,
        )
        name = _filename(record.config.name, run_id, ".html")
        return Response(
            page,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    checkpoint = None if record.checkpoint is None else settings.data_dir / record.checkpoint
    if checkpoint is None or not checkpoint.exists():
        raise HTTPException(409, "the run has no saved weights yet; start it, then export them")
    if format == "onnx":
        weights, step = read_weights(checkpoint)
        plain = {key[len("model.") :]: value for key, value in weights.items()}
        try:
            data = network_onnx(record.config, plain, settings.data_dir)
        except ExportError as exc:
            raise HTTPException(422, f"this run cannot be exported to ONNX: {exc}") from exc
        name = _filename(record.config.name, run_id, ".onnx")
        return Response(
            data,
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Weights-Step": str(step),
            },
        )
    data, step = weights_export(checkpoint, run_id)
    name = _filename(record.config.name, run_id, ".safetensors")
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Weights-Step": str(step),
        },
    )
