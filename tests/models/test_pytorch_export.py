"""PyTorch exports against the networks and runs they write out: every layer type, whole
networks, and the script itself run in a fresh interpreter."""

from __future__ import annotations

import ast
import inspect
import io
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from models import pytorch_export as px
from models.build import build_network
from models.datasets import DatasetInfo
from models.datasets.uploads import UploadLimits, parse_upload, save_upload
from models.datasets.uploads.parse import UploadOptions
from models.export import ExportError
from models.layers import LAYERS, Example
from models.layers.init import InitParams
from models.objectives import (
    BinaryCrossEntropy,
    CrossEntropy,
    MeanSquared,
    Objective,
    OneHotSquared,
    SignSquared,
)
from models.run import RunConfig
from models.shapes import infer_shapes
from models.train import Trainer
from tests.models import upload_files
from tests.models.helpers import chain
from tests.models.lesson_runs import run_of

CASES = [
    pytest.param(name, example, id=f"{name}-{i}")
    for name, layer in LAYERS.items()
    for i, example in enumerate(layer.examples)
]
SCHEMES = ["default", "kaiming", "xavier", "normal", "uniform", "zeros", "ones", "constant"]
WEIGHTED = [name for name, layer in LAYERS.items() if issubclass(layer.Params, InitParams)]
# Plain names the script may use; a LayerLab import would make it not standalone.
STANDALONE = {"argparse", "base64", "math", "zlib", "typing", "collections", "torch", "safetensors"}
LESSONS = ["spiral-mlp", "normalization-axes", "residual-vs-plain", "segmentation-fcn"]


def _custom_modules() -> dict[str, Any]:
    """Digits through a locally connected branch with a straight-through step and a conv
    branch, concatenated: LayerLab's own modules, carried in the script as source."""
    nodes = [
        {"id": "in", "type": "input", "params": {}},
        {"id": "local", "type": "locally_connected2d", "params": {"out_channels": 3}},
        {"id": "step", "type": "step", "params": {"gradient": "straight_through"}},
        {"id": "conv", "type": "conv2d", "params": {"out_channels": 3, "init": "xavier"}},
        {"id": "cat", "type": "concat", "params": {}},
        {"id": "flat", "type": "flatten", "params": {}},
        {"id": "fc", "type": "linear", "params": {"out_features": 10, "bias_init": 0.1}},
        {"id": "out", "type": "output", "params": {}},
    ]
    pairs = [("in", "local"), ("local", "step"), ("in", "conv"), ("step", "cat"), ("conv", "cat")]
    pairs += [("cat", "flat"), ("flat", "fc"), ("fc", "out")]
    network = {
        "version": 1,
        "name": "custom",
        "nodes": nodes,
        "edges": [{"source": a, "target": b} for a, b in pairs],
    }
    training = {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}
    return {"network": network, "dataset": {"name": "digits", "params": {}}, "training": training}


def _two_class(loss: str, dataset: str, training: dict[str, Any]) -> dict[str, Any]:
    """A small MLP with one output on a two-class set: bce, or mse against -1/+1."""
    network = chain(
        ("linear", {"out_features": 8}),
        ("prelu", {}),
        ("dropout", {"p": 0.3}),
        ("linear", {"out_features": 1}),
        loss=loss,
    )
    return {"network": network, "dataset": {"name": dataset, "params": {}}, "training": training}


RUNS: dict[str, Any] = {
    **{lesson: lambda lesson=lesson: run_of(lesson) for lesson in [*LESSONS, "learning-rate"]},
    "bce-rmsprop": lambda: _two_class("bce", "circle", {"optimizer": "rmsprop", "momentum": 0.5}),
    "sign-adamw": lambda: _two_class(
        "mse", "xor", {"optimizer": "adamw", "weight_decay": 0.01, "batch_size": 16}
    ),
    "custom-modules": _custom_modules,
}


def _namespace(needs: list[Any] | tuple[Any, ...]) -> dict[str, Any]:
    """What an exported file's code sees: torch, nn, F, and the definitions it carries."""
    ns: dict[str, Any] = {"torch": torch, "nn": nn, "F": F, "math": math, "Any": Any}
    for need in needs:
        exec(inspect.getsource(need), ns)
    return ns


def _same_state(a: nn.Module, b: nn.Module) -> None:
    """Both modules hold the very same tensors under the very same names."""
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def _from_code(name: str, params: dict[str, Any], inputs: tuple[Any, ...], seed: int) -> nn.Module:
    """The module a layer's code makes, drawn from this seed."""
    layer = LAYERS[name]
    code = layer.code(layer.parse(params), list(inputs))
    ns = _namespace(code.needs)
    torch.manual_seed(seed)
    module: nn.Module = eval(code.expr, ns)
    for line in code.init:
        exec(line.replace("{m}", "m"), {**ns, "m": module})
    return module


@pytest.mark.parametrize(("name", "example"), CASES)
def test_every_layer_type_s_code_makes_the_module_its_builder_makes(
    name: str, example: Example
) -> None:
    layer = LAYERS[name]
    torch.manual_seed(3)
    built = layer.build(layer.parse(example.params), list(example.inputs))
    written = _from_code(name, example.params, example.inputs, 3)
    assert type(written).__name__ == type(built).__name__
    _same_state(written, built)
    inputs = [torch.randn(4, *shape) for shape in example.inputs]
    with torch.no_grad():
        assert torch.equal(written.eval()(*inputs), built.eval()(*inputs))


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", WEIGHTED)
def test_every_way_of_starting_weights_is_written_as_it_is_done(name: str, scheme: str) -> None:
    example = LAYERS[name].examples[0]
    params = {**example.params, "init": scheme, "value": 0.3, "bias_init": -0.1}
    layer = LAYERS[name]
    torch.manual_seed(5)
    built = layer.build(layer.parse(params), list(example.inputs))
    _same_state(_from_code(name, params, example.inputs, 5), built)


def _network_around(name: str, example: Example) -> dict[str, Any]:
    """A spec that feeds one layer its example's inputs: branches from one input, if several."""
    first = example.inputs[0]
    if name in ("input", "output"):  # every network has them: one with nothing between
        return chain(input_shape=list(first), loss="mse")
    if len(example.inputs) == 1:
        return chain((name, example.params), input_shape=list(first), loss="mse")
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "input", "params": {"shape": list(first)}}]
    edges = []
    for i, shape in enumerate(example.inputs):
        kind, params = (
            ("identity", {})
            if shape == first
            else ("linear", {"out_features": shape[0]})
            if len(shape) == 1
            else ("conv2d", {"out_channels": shape[0], "kernel_size": 1})
        )
        nodes.append({"id": f"b{i}", "type": kind, "params": params})
        edges += [{"source": "in", "target": f"b{i}"}, {"source": f"b{i}", "target": "merge"}]
    nodes += [
        {"id": "merge", "type": name, "params": example.params},
        {"id": "out", "type": "output", "params": {"loss": "mse"}},
    ]
    edges.append({"source": "merge", "target": "out"})
    return {"version": 1, "name": name, "nodes": nodes, "edges": edges}


def _written_net(spec: dict[str, Any], seed: int) -> nn.Module:
    """The `Net` a spec's exported source defines, built from this seed."""
    report = infer_shapes(spec)
    assert report.graph is not None and not report.errors, report.errors
    shapes = {n: s for n, s in report.shapes.items() if s is not None}
    source, needs = px.network_source(report.graph, shapes)
    ns = _namespace(needs)
    exec(source, ns)
    torch.manual_seed(seed)
    net: nn.Module = ns["Net"]()
    return net


@pytest.mark.parametrize(("name", "example"), CASES)
def test_every_layer_type_in_a_network_exports_as_a_net_equal_to_the_network(
    name: str, example: Example
) -> None:
    spec = _network_around(name, example)
    written = _written_net(spec, 11)
    network = build_network(spec, seed=11)
    _same_state(written, network)
    x = torch.randn(5, *example.inputs[0])
    with torch.no_grad():
        assert torch.equal(written.eval()(x), network.eval()(x))


def test_odd_node_ids_become_plain_variables_and_comments() -> None:
    spec = chain(("linear", {"out_features": 3}), ("relu", {}), input_shape=[2], loss="mse")
    spec["nodes"][1]["id"] = 'class"\\\n'  # a keyword, quotes, a backslash, a newline
    spec["nodes"][2]["id"] = "x"  # the forward pass's own argument
    spec["edges"] = [
        {"source": "in", "target": 'class"\\\n'},
        {"source": 'class"\\\n', "target": "x"},
        {"source": "x", "target": "out"},
    ]
    _same_state(_written_net(spec, 0), build_network(spec, seed=0))


def test_ids_python_reads_as_one_name_stay_two_variables() -> None:
    nodes = [
        {"id": "in", "type": "input", "params": {"shape": [3]}},
        {"id": "fi", "type": "linear", "params": {"out_features": 3}},
        {"id": "\ufb01", "type": "relu", "params": {}},  # "ﬁ", which Python reads as "fi"
        {"id": "sum", "type": "add", "params": {}},
        {"id": "out", "type": "output", "params": {"loss": "mse"}},
    ]
    pairs = [("in", "fi"), ("fi", "\ufb01"), ("\ufb01", "sum"), ("fi", "sum"), ("sum", "out")]
    edges = [{"source": a, "target": b} for a, b in pairs]
    spec = {"version": 1, "name": "ligature", "nodes": nodes, "edges": edges}
    written = _written_net(spec, 0)
    network = build_network(spec, seed=0)
    x = torch.randn(4, 3)
    with torch.no_grad():
        assert torch.equal(written(x), network(x))


@pytest.mark.parametrize(
    "tensor",
    [
        torch.arange(12, dtype=torch.float32).reshape(3, 4) / 255.0,
        torch.tensor([0.0, -0.0, 1.0]),  # -0.0 is kept as it is, not made 0.0
        torch.randn(7, 2),
        torch.tensor([3, 0, 2, 1]),
        torch.tensor([-4, 1000]),
        torch.zeros(0, 2),
        torch.randint(0, 17, (5, 1, 8, 8)).float() / 16.0,
    ],
    ids=["pixels", "signed-zero", "normal", "labels", "wide-ints", "empty", "digits"],
)
def test_data_packs_and_unpacks_bit_for_bit(tensor: torch.Tensor) -> None:
    packed = px.pack(tensor)
    ns: dict[str, Any] = {"torch": torch}
    exec("import base64\nimport zlib\n" + px.SCRIPT.split("\n\n\ndef load_data")[0], ns)
    back = ns["unpack"](packed.stored, packed.dtype, packed.shape, packed.scale, packed.text)
    assert back.dtype == tensor.dtype and back.shape == tensor.shape
    if tensor.dtype == torch.float32:
        assert torch.equal(back.view(torch.int32), tensor.view(torch.int32))
    else:
        assert torch.equal(back, tensor)


INFO = DatasetInfo(
    name="t",
    task="classification",
    input_shape=(2,),
    target_shape=(),
    n_classes=3,
    class_names=["a", "b", "c"],
    n_train=1,
    n_test=1,
    description="",
)


@pytest.mark.parametrize(
    ("objective", "classes"),
    [
        (CrossEntropy(), 3),
        (BinaryCrossEntropy(), 2),
        (MeanSquared(), 0),
        (OneHotSquared(3), 3),
        (SignSquared(), 2),
    ],
    ids=lambda o: type(o).__name__ if isinstance(o, Objective) else str(o),
)
def test_an_objective_s_code_computes_what_it_computes(objective: Objective, classes: int) -> None:
    torch.manual_seed(2)
    width = {2: 1}.get(classes, 3)
    out = torch.randn(16, width)
    labels = torch.randn(16, width) if classes == 0 else torch.randint(0, classes, (16,))
    ns: dict[str, Any] = {"torch": torch, "F": F, "labels": labels, "out": out}
    target = eval(objective.targets_code(), ns)
    assert torch.equal(target, objective.targets(labels))
    loss = eval(objective.loss_code(), {**ns, "target": target})
    assert torch.equal(loss, objective.loss(out, target))
    code = objective.correct_code()
    if code is None:
        assert not objective.has_accuracy
    else:
        assert torch.equal(eval(code, ns), objective.correct(out, labels))


def _script(which: str, tmp_path: Path) -> Path:
    """One of RUNS exported as a file."""
    config = RunConfig.model_validate(RUNS[which]())
    path = tmp_path / f"{which}.py"
    path.write_text(px.pytorch_export(config, run_id="r1", filename=path.name))
    return path


DRIVER = """
import json, runpy, sys
import torch
torch.set_num_threads(1)  # as the tests train: sums taken in the same order, to the last bit
ns = runpy.run_path(sys.argv[1])
data = ns["load_data"]()
model = ns["build_model"]()
losses = list(ns["train"](model, data, int(sys.argv[2])))
torch.save({"losses": losses, "state": model.state_dict(), "data": data}, sys.argv[3])
"""


@pytest.mark.parametrize("which", list(RUNS))
def test_the_script_trains_in_a_fresh_interpreter_exactly_as_the_run_trains(
    which: str, tmp_path: Path
) -> None:
    script = _script(which, tmp_path)
    result = tmp_path / "result.pt"
    subprocess.run(
        [sys.executable, "-I", "-c", DRIVER, str(script), "50", str(result)],
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    got = torch.load(result)
    run = RUNS[which]()
    trainer = Trainer(
        run["network"],
        run["dataset"]["name"],
        run["training"],
        dataset_params=run["dataset"]["params"],
    )
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(got["data"][name], getattr(trainer.data, name)), name
    losses = [trainer.step(1, evaluate=False).metrics.train_loss for _ in range(50)]
    assert got["losses"] == losses  # the same steps, bit for bit
    _same_state_dicts(got["state"], trainer.model.state_dict())


def _same_state_dicts(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    """The script's weights are the run's, every one (names as the safetensors export has)."""
    assert set(a) == set(b)
    for key, value in a.items():
        assert torch.equal(value, b[key]), key


@pytest.mark.parametrize("which", list(RUNS))
def test_the_script_is_plain_standalone_python(which: str, tmp_path: Path) -> None:
    script = _script(which, tmp_path)
    tree = ast.parse(script.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported - {"__future__"} <= STANDALONE
    lint = subprocess.run(
        [Path(sys.executable).with_name("ruff"), "check", "--isolated", "--select", "E9,F", script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout  # no undefined or unused names, no syntax error


def test_the_script_s_command_line_trains_saves_and_evaluates_weights(tmp_path: Path) -> None:
    script = _script("spiral-mlp", tmp_path)
    weights = tmp_path / "w.safetensors"
    trained = subprocess.run(
        [sys.executable, "-I", str(script), "--steps", "30", "--device", "cpu", "--save", weights],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "step 30: train loss" in trained and "test: loss" in trained and weights.exists()
    evaluated = subprocess.run(
        [sys.executable, "-I", str(script), "--weights", weights, "--device", "cpu"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "step" not in evaluated  # loading weights trains nothing
    last = [line for line in trained.splitlines() if line.startswith(("train:", "test:"))]
    assert [line for line in evaluated.splitlines() if line.startswith(("train:", "test:"))] == last


def test_data_too_big_to_carry_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(px, "EMBED_BYTES", 1000)
    config = RunConfig.model_validate(run_of("spiral-mlp"))
    with pytest.raises(ExportError, match=r"more than the .* MB it may carry.*sample caps"):
        px.pytorch_export(config)


def test_the_script_says_what_run_it_is(tmp_path: Path) -> None:
    text = _script("spiral-mlp", tmp_path).read_text()
    doc = ast.get_docstring(ast.parse(text)) or ""
    run = run_of("spiral-mlp")
    assert "LayerLab run r1" in doc and f"from seed {run['training'].get('seed', 0)}" in doc
    assert f"lr={run['training']['lr']!r}" in doc and json.dumps(run["name"])[1:-1] in doc


def test_a_run_whose_dataset_is_gone_cannot_be_exported_and_says_so(tmp_path: Path) -> None:
    body = {**run_of("digits-cnn"), "dataset": {"name": "mnist", "params": {}}}
    config = RunConfig.model_validate(body)
    with pytest.raises(ExportError, match=r"dataset cannot be loaded: .*never downloads"):
        px.pytorch_export(config, data_dir=tmp_path)  # no MNIST files there


def test_a_run_on_an_uploaded_table_exports_as_a_script_that_trains_as_it(tmp_path: Path) -> None:
    parsed = parse_upload(
        io.BytesIO(upload_files.blobs_csv()),
        "iris.csv",
        UploadOptions(label="species", features=["sepal_length", "sepal_width", "petal_width"]),
        UploadLimits(),
    )
    name = save_upload(tmp_path, parsed, "iris.csv").name
    network = chain(("linear", {"out_features": 8}), ("tanh", {}), ("linear", {"out_features": 3}))
    body = {"network": network, "dataset": {"name": name, "params": {}}}
    config = RunConfig.model_validate(body)
    script = tmp_path / "iris.py"
    script.write_text(px.pytorch_export(config, data_dir=tmp_path))
    result = tmp_path / "result.pt"
    subprocess.run(
        [sys.executable, "-I", "-c", DRIVER, str(script), "50", str(result)],
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    got = torch.load(result)
    trainer = Trainer(network, name, data_dir=tmp_path)
    assert torch.equal(got["data"]["x_train"], trainer.data.x_train)
    assert got["losses"] == [trainer.step(1, evaluate=False).metrics.train_loss for _ in range(50)]


def test_data_is_measured_as_it_is_carried_bytes_for_pixels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Digits as float32 take 460 KB, as the bytes they are carried in (sixteenths) 115 KB.
    monkeypatch.setattr(px, "RAW_BYTES", 200_000)
    config = RunConfig.model_validate(run_of("digits-cnn"))
    assert "class Net(nn.Module):" in px.pytorch_export(config)
    monkeypatch.setattr(px, "RAW_BYTES", 100_000)
    with pytest.raises(ExportError, match="more than"):
        px.pytorch_export(config)
