"""The `layerlab` command: validate a spec, or train a run locally with a progress bar."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from tqdm import tqdm

from models.analysis import ValidationReport, validate_network
from models.datasets import DatasetError, describe_dataset
from models.errors import InvalidSpecError, SpecError
from models.run import parse_run
from models.train import MetricsRow, Trainer
from server.app import create_app
from server.client import ApiError, LayerLabClient
from server.datalock import DataDirBusyError, DataDirLock
from server.settings import Settings

CHUNK = 50


def _read_json(path: str) -> Any:
    """JSON from a file ('-' for stdin), or exit with a clear message."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"layerlab: cannot read {path}: {exc}") from exc


def print_report(report: ValidationReport, out: TextIO) -> None:
    """A table of nodes (shape, params, receptive field) and the problems found."""
    rows = [("node", "shape", "params", "receptive field")]
    for node, info in report.nodes.items():
        rf = info.receptive_field
        rf_text = (
            "" if rf is None else "x".join(str(v) for v in rf["size"]) + f" (jump {rf['jump'][0]})"
        )
        shape = "?" if info.shape is None else "x".join(str(d) for d in info.shape)
        rows.append((node, shape, f"{info.params:,}", rf_text))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    out.write(f"total parameters: {report.total_params:,}\n")
    for kind, items in (("error", report.errors), ("warning", report.warnings)):
        for e in items:
            where = ".".join(p for p in (e.node, e.field) if p) or "spec"
            out.write(f"{kind}: {where}: {e.message}\n")


def cmd_validate(args: argparse.Namespace) -> int:
    """`layerlab validate SPEC.json`: exit 0 when valid, 1 otherwise."""
    spec = _read_json(args.spec)
    if args.dataset:
        try:
            info = describe_dataset(args.dataset, data_dir=args.data_dir)
        except DatasetError as exc:
            raise SystemExit(f"layerlab: dataset {exc.field}: {exc.message}") from exc
        report = validate_network(spec, dataset=info)
    else:
        shape = [int(d) for d in args.input_shape.split(",")] if args.input_shape else None
        report = validate_network(spec, shape)
    if args.json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_report(report, sys.stdout)
    return 0 if report.valid else 1


def _where(e: SpecError) -> str:
    """node.field of a problem ('spec' for the whole spec)."""
    return ".".join(p for p in (e.node, e.field) if p) or "spec"


def _print_errors(exc: InvalidSpecError) -> None:
    """Each problem on a line of its own, named by node and field."""
    for e in exc.errors:
        sys.stderr.write(f"error: {_where(e)}: {e.message}\n")


def cmd_run(args: argparse.Namespace) -> int:
    """`layerlab run CONFIG.json`: train locally, show progress, write a metrics CSV."""
    try:
        config = parse_run(_read_json(args.config))
    except InvalidSpecError as exc:
        lines = "\n".join(_where(e) + f": {e.message}" for e in exc.errors)
        raise SystemExit(f"layerlab: {args.config} is not a valid run:\n{lines}") from exc
    try:
        trainer = Trainer(
            config.network,
            config.dataset.name,
            config.training,
            dataset_params=config.dataset.params,
            data_dir=args.data_dir,
            device=args.device or config.device,
        )
    except InvalidSpecError as exc:
        _print_errors(exc)
        return 1
    except (DatasetError, ValueError) as exc:
        raise SystemExit(f"layerlab: {exc}") from exc

    steps = args.steps or config.training.max_steps
    csv_path = Path(args.csv or f"{Path(args.config).stem}-metrics.csv")
    fields = list(MetricsRow.model_fields)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        with tqdm(total=steps, unit="step", disable=args.quiet) as bar:
            while trainer.step_count < steps and not trainer.done:
                n = min(CHUNK, steps - trainer.step_count)
                result = trainer.step(
                    n, evaluate=trainer.step_count + n >= steps or bar.n % 500 < CHUNK
                )
                writer.writerow(result.metrics.model_dump())
                bar.update(n)
                m = result.metrics
                if m.test_acc is not None:
                    bar.set_postfix(loss=f"{m.train_loss:.4f}", test_acc=f"{m.test_acc:.3f}")
                elif m.train_loss is not None:
                    bar.set_postfix(loss=f"{m.train_loss:.4f}")
    final = trainer.step(0)
    if final.diverged:
        sys.stderr.write(f"failed: {final.diverged.message}\n")
        return 1
    sys.stdout.write(f"{final}\nmetrics: {csv_path}\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """`layerlab serve`: the web app and API with uvicorn; flags override LAYERLAB_* settings."""
    overrides = {
        k: v
        for k, v in {
            "host": args.host,
            "port": args.port,
            "data_dir": args.data_dir,
            "device": args.device,
            "backend": args.backend,
            "ray_address": args.ray_address,
        }.items()
        if v is not None
    }
    settings = Settings(**overrides)
    try:  # a clear refusal now, rather than a traceback from the app's start-up
        DataDirLock(settings.data_dir).acquire_and_release()
    except DataDirBusyError as exc:
        raise SystemExit(f"layerlab: {exc}") from exc
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level=args.log_level
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`layerlab export RUN_ID --format F`: a run from a server, as a file."""
    client = LayerLabClient(args.url, token=args.token)
    try:
        data, name = client.export(args.run_id, args.format)
        out = args.out or Path(name)
        out.write_bytes(data)
    except (ApiError, OSError) as exc:
        raise SystemExit(f"layerlab export: {exc}") from exc
    print(f"wrote {out} ({len(data):,} bytes)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `layerlab` command."""
    parser = argparse.ArgumentParser(
        prog="layerlab", description="LayerLab, a neural-network playground."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser(
        "validate", help="check a network spec: shapes, sizes, receptive fields"
    )
    validate.add_argument("spec", help="spec JSON file, or - for stdin")
    validate.add_argument("--input-shape", help="sample shape, e.g. 2 or 1,28,28")
    validate.add_argument("--dataset", help="take the input shape from this dataset")
    validate.add_argument("--data-dir", type=Path, default=None)
    validate.add_argument("--json", action="store_true", help="print the contract's JSON report")
    validate.set_defaults(func=cmd_validate)

    run = sub.add_parser("run", help="train a run config locally, without a server")
    run.add_argument("config", help="run JSON: name, network, dataset, training, device")
    run.add_argument(
        "--steps", type=int, default=None, help="stop after this many (default max_steps)"
    )
    run.add_argument("--csv", help="metrics CSV path (default CONFIG-metrics.csv)")
    run.add_argument("--device", default=None, help="override the config's device")
    run.add_argument("--data-dir", type=Path, default=None)
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)

    export = sub.add_parser("export", help="save a run of a server as a file")
    export.add_argument("run_id")
    export.add_argument(
        "--format",
        choices=("spec", "pytorch", "safetensors", "report", "onnx"),
        default="spec",
        help="spec: the run body (POST it to /api/runs to re-create the run); pytorch: one "
        "Python file that builds, trains and loads the network in plain PyTorch; "
        "safetensors: the model's weights; report: one HTML page to hand in; onnx: the network "
        "as an ONNX model",
    )
    export.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
    export.add_argument("--token", default=None, help="a class member's token, if any")
    export.add_argument("--out", type=Path, default=None, help="default: the name it suggests")
    export.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve", help="serve the web app and the API")
    serve.add_argument("--host", default=None, help="default 127.0.0.1 (LAYERLAB_HOST)")
    serve.add_argument("--port", type=int, default=None, help="default 8000 (LAYERLAB_PORT)")
    serve.add_argument(
        "--data-dir", type=Path, default=None, help="default ./data (LAYERLAB_DATA_DIR)"
    )
    serve.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N (LAYERLAB_DEVICE)")
    serve.add_argument(
        "--backend",
        choices=("local", "ray"),
        default=None,
        help="local: one worker process (default); ray: workers as Ray actors (LAYERLAB_BACKEND)",
    )
    serve.add_argument(
        "--ray-address",
        default=None,
        help="with --backend ray: the cluster to join, e.g. ray://head:10001; default: start "
        "a local one (LAYERLAB_RAY_ADDRESS)",
    )
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `layerlab` console script."""
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
