"""A run written out as one standalone PyTorch script: its network as an `nn.Module` layer by
layer, its data, its optimizer and training loop, and the loading of its exported weights.

The script needs only torch (and safetensors to load weights). Built from the same seed, it
starts from the same weights, draws the same batches and dropout masks, and so takes the
same steps as the run did on the same device.
"""

from __future__ import annotations

import base64
import inspect
import keyword
import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from models.build import module_keys
from models.datasets import Dataset, DatasetError, load_dataset
from models.errors import InvalidSpecError
from models.export import ExportError
from models.layers import Shape
from models.objectives import Objective, make_objective
from models.optim import TrainingConfig
from models.run import RunConfig
from models.shapes import infer_shapes
from models.spec import Graph

EMBED_BYTES = 48 * 1024 * 1024  # the data a script may carry, compressed
RAW_BYTES = 160 * 1024 * 1024  # larger data is refused before it is compressed
LINE = 96  # characters per line of the data's text
# Whole-number scales at which float data may be held as bytes: pixels, digits' 0..16, counts.
SCALES = (255.0, 16.0, 1.0)
RESERVED = {"x", "self", "torch", "nn", "F", "math", "Any"}


@dataclass(frozen=True)
class Packed:
    """One tensor as text: the dtype it is held in, the one it is, its shape, its scale."""

    stored: str
    dtype: str
    shape: tuple[int, ...]
    scale: float | None
    text: str


def _bits_equal(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether two float32 tensors hold the very same bits (so -0.0 differs from 0.0)."""
    return torch.equal(a.view(torch.int32), b.view(torch.int32))


def _as_bytes(t: torch.Tensor) -> tuple[torch.Tensor, float | None]:
    """The tensor as uint8 and the scale that gives it back exactly, or itself and None."""
    if t.numel() == 0:
        return t, None
    if t.dtype == torch.int64 and int(t.min()) >= 0 and int(t.max()) <= 255:
        return t.to(torch.uint8), None
    if t.dtype == torch.float32:
        for scale in SCALES:
            q = torch.round(t * scale)
            if float(q.min()) >= 0 and float(q.max()) <= 255:
                held = q.to(torch.uint8)
                if _bits_equal(held.to(torch.float32) / scale, t):
                    return held, scale
    return t, None


def pack(t: torch.Tensor) -> Packed:
    """A tensor as zlib-compressed base64 text, as bytes where that loses nothing."""
    t = t.detach().cpu().contiguous()
    return _packed(t, *_as_bytes(t))


def _packed(t: torch.Tensor, held: torch.Tensor, scale: float | None) -> Packed:
    """A tensor, held as `held` (itself, or bytes with a scale), as compressed text."""
    raw = held.numpy().tobytes()
    text = base64.b64encode(zlib.compress(raw, 6)).decode("ascii")
    return Packed(
        str(held.dtype).removeprefix("torch."),
        str(t.dtype).removeprefix("torch."),
        tuple(t.shape),
        scale,
        text,
    )


def _plain(text: str) -> str:
    """User text (a run's name, a node's id) safe inside a comment or a docstring."""
    return "".join(c if c.isprintable() and c not in '\\"' else "?" for c in text)


def _dims(shape: Shape) -> str:
    """A batch's shape in a comment: [B, C, H, W]."""
    return "[" + ", ".join(["B", *map(str, shape)]) + "]"


def _variables(keys: Mapping[str, str], input_id: str) -> dict[str, str]:
    """A Python variable per node for the forward pass: its key, unless that is taken."""
    names = {input_id: "x"}
    taken = set(RESERVED)
    for node, key in keys.items():
        if node == input_id:
            continue
        name = key
        # Python reads identifiers in NFKC form: "ﬁ" and "fi" are one variable to it.
        while keyword.iskeyword(name) or unicodedata.normalize("NFKC", name) in taken:
            name += "_"
        taken.add(unicodedata.normalize("NFKC", name))
        names[node] = name
    return names


def network_source(graph: Graph, shapes: Mapping[str, Shape]) -> tuple[str, list[Any]]:
    """The `Net` class of a graph as source, and the LayerLab definitions it needs.

    Modules are made in the graph's order, each started as its layer starts it, so that a
    seeded `Net()` holds the weights a seeded Network does, under the same state-dict names.
    """
    keys = module_keys(graph.order)
    names = _variables(keys, graph.input_id)
    build: list[str] = []
    forward: list[str] = []
    needs: list[Any] = []
    result = "x"
    for node in graph.order:
        if node == graph.input_id:
            continue
        sources = graph.inputs[node]
        if node == graph.output_id:  # the output is the identity the loss is taken after
            result = names[sources[0]]
            continue
        kind = graph.types[node]
        ins = [shapes[s] for s in sources]
        code = graph.layer(node).code(graph.params[node], ins)
        needs += [n for n in code.needs if n not in needs]
        ref = f'self.layers["{keys[node]}"]'
        arrow = ", ".join(str(list(s)) for s in ins)
        build.append(f"        # {_plain(node)} ({kind}): {arrow} -> {list(shapes[node])}")
        build.append(f"        {ref} = {code.expr}")
        build += [f"        {line.replace('{m}', ref)}" for line in code.init]
        args = ", ".join(names[s] for s in sources)
        forward.append(f"        {names[node]} = {ref}({args})  # {_dims(shapes[node])}")
    lines = [
        "class Net(nn.Module):",
        '    """The run\'s network: one module per node, run in the order of its graph."""',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        "        self.layers = nn.ModuleDict()",
        *build,
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        f'        """{_dims(shapes[graph.input_id])} -> {_dims(shapes[graph.output_id])}, '
        'the scores the loss takes."""',
        *forward,
        f"        return {result}",
    ]
    return "\n".join(lines), needs


def optimizer_source(config: TrainingConfig) -> str:
    """The torch optimizer of these settings as a call on `model.parameters()`."""
    cls = config.entry.cls
    if getattr(torch.optim, cls.__name__, None) is not cls:
        raise ExportError(f"the optimizer {config.optimizer} is not one of torch.optim's")
    options = config.entry.options(config)
    args = ", ".join(["model.parameters()", *(f"{k}={v!r}" for k, v in options.items())])
    return f"torch.optim.{cls.__name__}({args})"


def _objective_source(objective: Objective) -> str:
    """The functions `targets`, `loss_fn` and `correct` of an objective, as source."""
    correct = objective.correct_code()
    accuracy = (
        [
            '    """Right predictions in a batch (per pixel for dense outputs)."""',
            f"    return {correct}",
        ]
        if correct is not None
        else [
            '    """Regression has no accuracy."""',
            '    raise TypeError("regression has no accuracy")',
        ]
    )
    return "\n".join(
        [
            f"HAS_ACCURACY = {correct is not None}",
            "",
            "",
            "def targets(labels: torch.Tensor) -> torch.Tensor:",
            '    """The labels as the loss takes them."""',
            f"    return {objective.targets_code()}",
            "",
            "",
            "def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:",
            '    """Mean loss of a batch."""',
            f"    return {objective.loss_code()}",
            "",
            "",
            "def correct(out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:",
            *accuracy,
        ]
    )


def data_source(data: Dataset) -> str:
    """The dataset's four tensors as a DATA table of packed text (ExportError when too big)."""
    tensors = {
        "x_train": data.x_train,
        "y_train": data.y_train,
        "x_test": data.x_test,
        "y_test": data.y_test,
    }
    plain = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    held = {name: _as_bytes(t) for name, t in plain.items()}  # MNIST's pixels: a byte each
    raw = sum(h.numel() * h.element_size() for h, _ in held.values())
    if raw > RAW_BYTES:
        raise ExportError(_too_big(data, raw))
    packed = {name: _packed(plain[name], *held[name]) for name in tensors}
    carried = sum(len(p.text) for p in packed.values())
    if carried > EMBED_BYTES:
        raise ExportError(_too_big(data, carried))
    lines = ["DATA = {"]
    for name, p in packed.items():
        chunks = [p.text[i : i + LINE] for i in range(0, len(p.text), LINE)]
        body = "\n".join(chunks)
        lines.append(f'    "{name}": ({p.stored!r}, {p.dtype!r}, {p.shape!r}, {p.scale!r}, """')
        lines.append(f'{body}\n"""),')
    lines.append("}")
    return "\n".join(lines)


def _too_big(data: Dataset, size: int) -> str:
    """Why a dataset does not fit in a script."""
    return (
        f"the data of '{data.info.name}' would take {size / 2**20:.0f} MB in the script, more "
        f"than the {EMBED_BYTES / 2**20:.3g} MB it may carry; train a run on fewer samples (the "
        "dataset's sample caps) to export it as PyTorch, or export its weights or ONNX model"
    )


def _signature(config: RunConfig, n_params: int, data: Dataset) -> str:
    """The run's settings in words, for the script's docstring."""
    t = config.training
    options = ", ".join(f"{k}={v!r}" for k, v in t.entry.options(t).items())
    params = ", ".join(f"{k}={v!r}" for k, v in config.dataset.params.items())
    dataset = f"{config.dataset.name} ({params or 'its default settings'})"
    return (
        f"A network of {n_params:,} parameters on {_plain(dataset)}: {data.info.n_train} "
        f"training and {data.info.n_test} test samples. Trained with {t.optimizer} "
        f"({options}), batches of {t.batch_size}, {t.max_steps} steps from seed {t.seed}."
    )


def pytorch_export(
    config: RunConfig,
    *,
    run_id: str = "",
    filename: str = "model.py",
    data_dir: Path | None = None,
) -> str:
    """The run as one Python file that builds, trains and loads its network in plain PyTorch.

    ExportError when the network does not fit its data or the data is too big to carry.
    """
    try:
        data = load_dataset(config.dataset.name, config.dataset.params, data_dir)
    except DatasetError as exc:  # its files are gone, or an upload was deleted since
        raise ExportError(f"the run's dataset cannot be loaded: {exc.message}") from exc
    report = infer_shapes(config.network.model_dump(mode="json"), data.info.input_shape)
    if report.graph is None or report.errors:
        raise ExportError("the network is not valid, so it has no model to export")
    graph = report.graph
    shapes = {n: s for n, s in report.shapes.items() if s is not None}
    try:
        objective = make_objective(graph.loss, data.info, shapes[graph.output_id], graph.output_id)
    except InvalidSpecError as exc:
        raise ExportError(exc.errors[0].message) from exc
    net, needs = network_source(graph, shapes)
    # LayerLab's own checker's notes mean nothing to the script's reader.
    helpers = [
        re.sub(r"  # type: ignore\[[^\]]*\]", "", inspect.getsource(n)).rstrip() for n in needs
    ]
    n_params = sum(
        graph.layer(n).param_count(graph.params[n], _ins(graph, shapes, n)) for n in graph.order
    )
    training = config.training
    header = _header(config, run_id, filename, _signature(config, n_params, data))
    imports = ["import argparse", "import base64"]
    if any("math." in h for h in helpers):
        imports.append("import math")
    imports += ["import zlib", "from collections.abc import Iterator"]
    if any("Any" in h for h in helpers):
        imports.append("from typing import Any")
    body = [
        header,
        "from __future__ import annotations",
        "",
        *imports,
        "",
        "import torch",
        "from torch import nn",
        "from torch.nn import functional as F",
        "",
        f"SEED = {training.seed}",
        f"BATCH_SIZE = {min(training.batch_size, data.info.n_train)}",
        f"MAX_STEPS = {training.max_steps}",
        f"CLASSES = {list(data.info.class_names)!r}",
        "EVAL_CHUNK = 1024",
        "",
        *[part for h in helpers for part in ("", h, "")],
        "",
        net,
        "",
        "",
        "def make_optimizer(model: nn.Module) -> torch.optim.Optimizer:",
        '    """The run\'s optimizer with its hyperparameters."""',
        f"    return {optimizer_source(training)}",
        "",
        "",
        _objective_source(objective),
        "",
        "",
        SCRIPT,
        "",
        "",
        "# The run's data as LayerLab made it: zlib-compressed bytes in base64 (see unpack).",
        data_source(data),
        "",
        "",
        'if __name__ == "__main__":',
        "    main()",
        "",
    ]
    return "\n".join(body)


def _ins(graph: Graph, shapes: Mapping[str, Shape], node: str) -> Sequence[Shape]:
    """The input shapes of a node (the sample's for the input node)."""
    return [shapes[node]] if node == graph.input_id else [shapes[s] for s in graph.inputs[node]]


def _header(config: RunConfig, run_id: str, filename: str, signature: str) -> str:
    """The script's docstring: what run it is, and how to use it."""
    name = _plain(config.name)
    source = f" (LayerLab run {_plain(run_id)})" if run_id else ""
    wrapped = _wrap(signature, 88)
    return "\n".join(
        [
            f'"""{name}{source}, written out as plain PyTorch.',
            "",
            *wrapped,
            "",
            f"    python {filename}                         train as the run did",
            f"    python {filename} --steps 50              the run's first 50 steps only",
            f"    python {filename} --weights W.safetensors evaluate the run's exported weights",
            f"    python {filename} --save W.safetensors    keep the weights training ends with",
            "",
            "Needs torch, and safetensors for --weights and --save. On the CPU, training from",
            "the seed takes the run's very steps; the data is held at the end of this file.",
            '"""',
        ]
    )


def _wrap(text: str, width: int) -> list[str]:
    """Words in lines of at most `width` characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


SCRIPT = '''def unpack(
    stored: str, dtype: str, shape: tuple[int, ...], scale: float | None, text: str
) -> torch.Tensor:
    """One tensor of DATA: decompressed, as its dtype, divided by its scale if it has one."""
    raw = bytearray(zlib.decompress(base64.b64decode(text)))
    if not raw:
        return torch.zeros(shape, dtype=getattr(torch, dtype))
    values = torch.frombuffer(raw, dtype=getattr(torch, stored)).reshape(shape)
    values = values.to(getattr(torch, dtype))
    return values / scale if scale is not None else values


def load_data(device: str = "cpu") -> dict[str, torch.Tensor]:
    """The run's training and test sets: x_train, y_train, x_test, y_test."""
    return {name: unpack(*packed).to(device) for name, packed in DATA.items()}


def build_model(device: str = "cpu") -> Net:
    """The network with the weights the run started from (drawn from SEED)."""
    torch.manual_seed(SEED)
    return Net().to(device)


def load_weights(model: nn.Module, path: str) -> None:
    """Load weights exported from the run (its safetensors export) into the model."""
    from safetensors.torch import load_file

    model.load_state_dict(load_file(path))


def save_weights(model: nn.Module, path: str) -> None:
    """Write the model's weights as safetensors, under the names the run uses."""
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, path)


def train(model: nn.Module, data: dict[str, torch.Tensor], steps: int) -> Iterator[float]:
    """Take `steps` optimizer steps as the run did, yielding each minibatch's loss.

    Each epoch visits the training set in a new order drawn from a generator seeded with
    SEED; a last batch smaller than BATCH_SIZE is left out, as the run leaves it out.
    """
    optimizer = make_optimizer(model)
    x, t = data["x_train"], targets(data["y_train"])
    order = torch.Generator().manual_seed(SEED)
    model.train()
    taken = 0
    while taken < steps:
        perm = torch.randperm(len(x), generator=order).to(x.device)
        xs, ts = x[perm], t[perm]
        for start in range(0, len(x) - BATCH_SIZE + 1, BATCH_SIZE):
            if taken == steps:
                return
            loss = loss_fn(model(xs[start : start + BATCH_SIZE]), ts[start : start + BATCH_SIZE])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            taken += 1
            yield loss.item()


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> tuple[float, float | None]:
    """Mean loss and accuracy over a set, in eval mode (accuracy None for regression)."""
    was_training = model.training
    model.eval()
    total, right = 0.0, 0.0
    for i in range(0, len(x), EVAL_CHUNK):
        out = model(x[i : i + EVAL_CHUNK])
        part = labels[i : i + EVAL_CHUNK]
        total += float(loss_fn(out, targets(part))) * len(out)
        if HAS_ACCURACY:
            right += float(correct(out, part))
    model.train(was_training)
    n = max(len(x), 1)
    per_sample = labels[0].numel() if len(labels) else 1
    return total / n, (right / (n * per_sample) if HAS_ACCURACY else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=MAX_STEPS, help="steps to train")
    parser.add_argument("--weights", help="evaluate these weights (the run's safetensors export)")
    parser.add_argument("--save", help="write the trained weights here (safetensors)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    data = load_data(args.device)
    model = build_model(args.device)
    if args.weights:
        load_weights(model, args.weights)
    else:
        every = max(1, args.steps // 20)
        for step, loss in enumerate(train(model, data, args.steps), start=1):
            if step % every == 0 or step == args.steps:
                print(f"step {step}: train loss {loss:.4f}")
    for split in ("train", "test"):
        loss, accuracy = evaluate(model, data[f"x_{split}"], data[f"y_{split}"])
        shown = f", accuracy {accuracy:.1%}" if accuracy is not None else ""
        print(f"{split}: loss {loss:.4f}{shown}")
    if args.save:
        save_weights(model, args.save)
        print(f"weights written to {args.save}")'''
