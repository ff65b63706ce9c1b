"""A run as one self-contained HTML page: its network drawn, its curves, final metrics, config.

Everything is inline (SVG drawings, CSS, no script, nothing fetched), so the page opens
anywhere, offline, and can be handed in or mailed as one file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from models.datasets import DatasetError, describe_dataset
from models.run import RunConfig
from models.shapes import infer_shapes
from models.spec import NetworkSpec
from models.train import MetricsRow

CURVE_POINTS = 400  # points per curve at most: a long run is thinned evenly
PLOT_W, PLOT_H, PAD = 560, 220, 40
NODE_W, NODE_H, GAP_X, GAP_Y = 120, 46, 40, 16
TRAIN, TEST = "#0072B2", "#D55E00"  # Okabe-Ito blue and vermillion: colour-blind safe

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 62rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.muted { color: #666; } table { border-collapse: collapse; } td, th { padding: 0.2rem 0.8rem;
text-align: left; border-bottom: 1px solid #ddd; } pre { background: #f6f6f6; padding: 0.8rem;
overflow-x: auto; font-size: 12px; } .card dt { font-weight: 600; margin-top: 0.4rem; }
.card dd { margin: 0 0 0 1rem; } svg text { font: 11px system-ui, sans-serif; }
"""


def _thin(rows: Sequence[MetricsRow], field: str) -> list[tuple[int, float]]:
    """(step, value) of one metric where it is known and finite, at most CURVE_POINTS."""
    points = [
        (row.step, float(value))
        for row in rows
        if (value := getattr(row, field)) is not None and math.isfinite(value)
    ]
    if len(points) <= CURVE_POINTS:
        return points
    every = len(points) / CURVE_POINTS
    return [points[int(i * every)] for i in range(CURVE_POINTS)] + [points[-1]]


def _plot(title: str, series: Sequence[tuple[str, str, list[tuple[int, float]]]]) -> str:
    """One SVG chart of steps against values, a polyline per series, with its legend."""
    drawn = [(name, colour, pts) for name, colour, pts in series if pts]
    if not drawn:
        return f"<p class='muted'>{escape(title)}: no values yet.</p>"
    steps = [s for _, _, pts in drawn for s, _ in pts]
    values = [v for _, _, pts in drawn for _, v in pts]
    x0, x1 = min(steps), max(steps) or 1
    y0, y1 = min(values), max(values)
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 0.5, y1 + 0.5

    def at(step: int, value: float) -> str:
        x = PAD + (step - x0) / max(1, x1 - x0) * (PLOT_W - 2 * PAD)
        y = PLOT_H - PAD - (value - y0) / (y1 - y0) * (PLOT_H - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    lines = [
        f"<polyline data-series='{escape(name)}' fill='none' stroke='{colour}' stroke-width='1.8' "
        f"points='{' '.join(at(s, v) for s, v in pts)}'/>"
        for name, colour, pts in drawn
    ]
    legend = [
        f"<text x='{PLOT_W - PAD - 90}' y='{PAD - 14 + 14 * i}' fill='{colour}'>"
        f"{escape(name)}</text>"
        for i, (name, colour, _) in enumerate(drawn)
    ]
    axes = (
        f"<line x1='{PAD}' y1='{PLOT_H - PAD}' x2='{PLOT_W - PAD}' y2='{PLOT_H - PAD}' "
        "stroke='#999'/>"
        f"<line x1='{PAD}' y1='{PAD}' x2='{PAD}' y2='{PLOT_H - PAD}' stroke='#999'/>"
        f"<text x='{PAD}' y='{PLOT_H - PAD + 16}'>step {x0}</text>"
        f"<text x='{PLOT_W - PAD - 60}' y='{PLOT_H - PAD + 16}'>step {x1}</text>"
        f"<text x='2' y='{PAD + 4}'>{y1:.3g}</text>"
        f"<text x='2' y='{PLOT_H - PAD}'>{y0:.3g}</text>"
    )
    slug = escape(title.lower().replace(" ", "-"))
    return (
        f"<figure><svg data-chart='{slug}' role='img' aria-label='{escape(title)}' "
        f"width='{PLOT_W}' height='{PLOT_H}' viewBox='0 0 {PLOT_W} {PLOT_H}'>"
        f"{axes}{''.join(lines)}{''.join(legend)}</svg>"
        f"<figcaption>{escape(title)}</figcaption></figure>"
    )


def _network(config: RunConfig, data_dir: Path | None) -> str:
    """The network as an SVG: nodes in columns by depth, each with its type, id and shape."""
    try:
        info = describe_dataset(config.dataset.name, config.dataset.params, data_dir)
    except DatasetError as exc:  # an upload since deleted, files not in the data directory
        return f"<p class='muted'>The network could not be drawn: {escape(exc.message)}</p>"
    report = infer_shapes(config.network.model_dump(mode="json"), info.input_shape)
    graph = report.graph
    if graph is None:
        return "<p class='muted'>The network could not be drawn.</p>"
    depth: dict[str, int] = {}
    for node in graph.order:
        depth[node] = 1 + max((depth[p] for p in graph.inputs.get(node, ())), default=-1)
    columns: dict[int, list[str]] = {}
    for node in graph.order:
        columns.setdefault(depth[node], []).append(node)
    place: dict[str, tuple[float, float]] = {}
    for col, nodes in columns.items():
        for row, node in enumerate(nodes):
            place[node] = (10 + col * (NODE_W + GAP_X), 10 + row * (NODE_H + GAP_Y))
    width = 20 + len(columns) * (NODE_W + GAP_X)
    height = 20 + max(len(n) for n in columns.values()) * (NODE_H + GAP_Y)
    edges = []
    for node, sources in graph.inputs.items():
        for source in sources:
            (ax, ay), (bx, by) = place[source], place[node]
            edges.append(
                f"<line x1='{ax + NODE_W:.0f}' y1='{ay + NODE_H / 2:.0f}' x2='{bx:.0f}' "
                f"y2='{by + NODE_H / 2:.0f}' stroke='#888'/>"
            )
    boxes = []
    for node in graph.order:
        x, y = place[node]
        shape = report.shapes.get(node)
        shown = "?" if shape is None else "×".join(str(d) for d in shape)
        boxes.append(
            f"<g data-node='{escape(node)}'><rect x='{x:.0f}' y='{y:.0f}' width='{NODE_W}' "
            f"height='{NODE_H}' rx='6' fill='#f2f6fb' stroke='#4a6fa5'/>"
            f"<text x='{x + 8:.0f}' y='{y + 18:.0f}'>{escape(graph.types[node])} "
            f"<tspan class='muted'>{escape(node)}</tspan></text>"
            f"<text x='{x + 8:.0f}' y='{y + 35:.0f}' fill='#555'>{escape(shown)}</text></g>"
        )
    total = sum(report.params.values())
    return (
        f"<svg data-network role='img' aria-label='The network' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}'>{''.join(edges)}{''.join(boxes)}</svg>"
        f"<p class='muted'>{total:,} trainable parameters.</p>"
    )


def _metrics_table(rows: Sequence[MetricsRow]) -> str:
    """The last row's figures and the best test accuracy."""
    if not rows:
        return "<p class='muted'>No steps taken yet.</p>"
    last = rows[-1]
    best = max((r.test_acc for r in rows if r.test_acc is not None), default=None)
    cells = [
        ("step", f"{last.step:,}"),
        ("epoch", f"{last.epoch:.2f}"),
        ("train loss", last.train_loss),
        ("test loss", last.test_loss),
        ("train accuracy", last.train_acc),
        ("test accuracy", last.test_acc),
        ("best test accuracy", best),
        ("training time", f"{last.wall_s:.1f} s"),
    ]

    def shown(value: Any) -> str:
        if value is None:
            return "–"
        return value if isinstance(value, str) else f"{value:.4g}"

    body = "".join(f"<tr><th>{k}</th><td>{escape(shown(v))}</td></tr>" for k, v in cells)
    return f"<table data-metrics>{body}</table>"


def _lesson(lesson: Mapping[str, Any] | None) -> str:
    """The lesson the run comes from, with its card, if it does."""
    if not lesson:
        return ""
    card = lesson.get("card", {})
    parts = "".join(
        f"<dt>{label}</dt><dd>{escape(str(card[key]))}</dd>"
        for key, label in (
            ("do", "Do"),
            ("watch", "Watch"),
            ("takeaway", "Takeaway"),
            ("question", "Ask the class"),
        )
        if key in card
    )
    return (
        f"<h2>The lesson: {escape(str(lesson.get('concept', '')))}</h2>"
        f"<dl class='card'>{parts}</dl>"
    )


def render_report(
    config: RunConfig,
    rows: Sequence[MetricsRow],
    *,
    status: str,
    run_id: str,
    lesson: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
) -> str:
    """The whole page (data_dir: where datasets that need files, or uploads, are)."""
    loss = _plot(
        "Loss",
        [("train", TRAIN, _thin(rows, "train_loss")), ("test", TEST, _thin(rows, "test_loss"))],
    )
    accuracy = _plot(
        "Accuracy",
        [("train", TRAIN, _thin(rows, "train_acc")), ("test", TEST, _thin(rows, "test_acc"))],
    )
    training = config.training
    summary = (
        f"{escape(config.dataset.name)} · {escape(training.optimizer)}, lr {training.lr:g}, "
        f"batch {training.batch_size}, seed {training.seed} · {escape(status)}"
    )
    spec = escape(json.dumps(config.model_dump(mode="json"), indent=2))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(config.name)} · LayerLab run {escape(run_id)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(config.name)}</h1><p class='muted'>{summary}</p>"
        f"{_lesson(lesson)}"
        f"<h2>The network</h2>{_network(config, data_dir)}"
        f"<h2>Curves</h2>{loss}{accuracy}"
        f"<h2>Final metrics</h2>{_metrics_table(rows)}"
        f"<h2>The run</h2><details><summary>Its network, dataset and training as JSON</summary>"
        f"<pre data-config>{spec}</pre></details>"
        f"<p class='muted'>LayerLab run {escape(run_id)}; POST the JSON above to /api/runs "
        "to train it again.</p></body></html>"
    )


def _shape(network: Mapping[str, Any]) -> Any:
    """A network without its canvas positions: what makes two networks the same one."""
    nodes = [{k: v for k, v in n.items() if k != "position"} for n in network.get("nodes", [])]
    return {"nodes": nodes, "edges": network.get("edges", [])}


def lesson_of(
    config: RunConfig, presets: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The lesson one of whose runs has this run's network and dataset, if one does."""
    network = _shape(config.network.model_dump(mode="json", exclude_none=True))
    for preset in presets.values():
        for body in preset.get("runs") or [preset.get("run")]:
            if (
                body
                and body.get("dataset", {}).get("name") == config.dataset.name
                and _shape(
                    NetworkSpec.model_validate(body["network"]).model_dump(
                        mode="json", exclude_none=True
                    )
                )
                == network
            ):
                lesson: Mapping[str, Any] = preset["lesson"]
                return lesson
    return None
