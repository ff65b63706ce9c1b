"""The decision boundary of a network on 2-D points, and what each hidden neuron computes there.

As TensorFlow Playground draws it: the output over a grid of the input plane
[-6, 6]^2, plus one small map per hidden unit.
"""

from __future__ import annotations

import torch

from models.build import Network
from models.errors import ShapeError
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult

EXTENT = 6.0
MAX_NEURONS = 64


def grid_points(resolution: int, extent: float = EXTENT) -> torch.Tensor:
    """[R*R, 2] points, row by row from the top (y = +extent) to the bottom, x left to right."""
    xs = torch.linspace(-extent, extent, resolution)
    ys = torch.linspace(extent, -extent, resolution)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)


def _hidden_nodes(net: Network) -> list[str]:
    """Nodes a student sees as neurons: activations (else linears) with vector outputs."""
    graph = net.graph
    inner = [n for n in graph.order if n not in (graph.input_id, graph.output_id)]
    vectors = [n for n in inner if len(net.shapes[n]) == 1]
    acts = [n for n in vectors if graph.layer(n).category == "activation"]
    return acts or [n for n in vectors if graph.types[n] == "linear"]


@torch.no_grad()
def decision_boundary(net: Network, resolution: int = 48, neurons: bool = True) -> ProbeResult:
    """Output over the input plane (class-1 probability, or the value) and per-neuron maps."""
    if net.input_shape != (2,):
        raise ShapeError(None, "the decision boundary needs 2-D points as input")
    device = next((p.device for p in net.parameters()), torch.device("cpu"))
    points = grid_points(resolution).to(device)
    loss = net.graph.loss
    hidden = _hidden_nodes(net) if neurons else []
    with inspection(net), capture_outputs(net, hidden) as inside:
        out = net(points)
    r = resolution
    arrays: dict[str, torch.Tensor] = {}
    if loss == "cross_entropy":
        probs = out.softmax(dim=1)
        arrays["classes"] = probs.argmax(dim=1).reshape(r, r).to(torch.uint8).cpu()
        value = probs[:, 1] if out.shape[1] == 2 else probs.max(dim=1).values
    elif loss == "bce":
        value = out[:, 0].sigmoid()
    else:
        value = out[:, 0]
    arrays["output"] = value.reshape(r, r).float().cpu()
    units: dict[str, int] = {}
    for node in hidden:
        maps = inside[node][:, :MAX_NEURONS].T.reshape(-1, r, r)
        arrays[f"neurons:{node}"] = maps.float().cpu()
        units[node] = int(net.shapes[node][0])
    meta = {"extent": EXTENT, "resolution": r, "loss": loss, "hidden": units}
    return ProbeResult("decision_boundary", None, meta, arrays)
