"""The probe registry: one entry per probe topic, feeding the worker, REST, the stream and the page.

An entry says what the probe shows, whether it looks at one node or the whole
run, where it applies (rules the page evaluates to offer only probes that fit),
the options it takes (a pydantic model, served as JSON Schema) and the function
that computes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from models.build import Network
from models.datasets import Dataset, DatasetInfo
from models.landscape import Landscape, LandscapeOptions
from models.objectives import Objective
from models.probes.activations import activation_stats
from models.probes.boundary import decision_boundary
from models.probes.correlation import pixel_correlation
from models.probes.erf import effective_receptive_field
from models.probes.feature_maps import feature_maps
from models.probes.normalization import NORM_TYPES, normalization_axes
from models.probes.params import gradient_stats, weight_stats
from models.probes.predictions import confusion, predictions, segmentation_masks, tiled
from models.probes.result import ProbeResult
from models.probes.shift import shift_test
from models.probes.toeplitz import MatrixTooLargeError, NotLinearError, conv_matrix

BATCH = 64  # probe batch: the first samples of the test set, the same every time


class Probed(Protocol):
    """What a probe reads: the model, its data and how it is scored (a Trainer has these)."""

    @property
    def model(self) -> Network: ...

    @property
    def data(self) -> Dataset: ...

    @property
    def info(self) -> DatasetInfo: ...

    @property
    def objective(self) -> Objective: ...

    def landscape(self, options: LandscapeOptions) -> Landscape:
        """A loss slice around the weights now (computed row by row)."""
        ...


class ProbeError(ValueError):
    """A probe that does not apply (unknown topic or node, wrong kind of node or dataset)."""


class Applies(BaseModel):
    """Where a probe is worth showing; every rule given must hold (null: no rule)."""

    model_config = ConfigDict(frozen=True)

    skip_types: list[str] = Field(
        default_factory=list, description="Node types it is not offered for."
    )
    only_types: list[str] | None = Field(None, description="The node types it is offered for.")
    output_rank: int | None = Field(None, description="Rank the node's output shape must have.")
    needs_params: bool = Field(False, description="The node must have trainable parameters.")
    input_rank: int | None = Field(None, description="Rank the dataset's input shape must have.")
    input_shape: list[int] | None = Field(None, description="The dataset's exact input shape.")
    tasks: list[str] | None = Field(None, description="Dataset tasks it applies to.")

    def fits_dataset(self, info: DatasetInfo) -> bool:
        """Whether the dataset rules hold."""
        shape = list(info.input_shape)
        return (
            (self.input_rank is None or len(shape) == self.input_rank)
            and (self.input_shape is None or shape == self.input_shape)
            and (self.tasks is None or info.task in self.tasks)
        )

    def fits_node(self, node_type: str, shape: Sequence[int], params: int) -> bool:
        """Whether the node rules hold."""
        return (
            node_type not in self.skip_types
            and (self.only_types is None or node_type in self.only_types)
            and (self.output_rank is None or len(shape) == self.output_rank)
            and (params > 0 or not self.needs_params)
        )


class NoOptions(BaseModel):
    """This probe takes no options."""

    model_config = ConfigDict(extra="ignore")


class SampleOptions(BaseModel):
    """Which test sample to show."""

    model_config = ConfigDict(extra="ignore")

    sample: int = Field(0, ge=0, le=1_000_000, description="Index of the test sample shown.")


class ShiftOptions(SampleOptions):
    """Which test sample, and how far it is shifted."""

    pixels: int = Field(1, ge=1, le=16, description="Pixels the input moves right (wrapping).")


class SceneOptions(BaseModel):
    """Which scenes are labelled: the test set's, or larger ones made of them."""

    model_config = ConfigDict(extra="ignore")

    image_size: int = Field(
        0,
        ge=0,
        le=256,
        description="0: the test scenes; else scenes about this many pixels across, made of "
        "test scenes side by side (a fully convolutional network labels any size).",
    )


class ErfOptions(BaseModel):
    """How gradients are reduced to a map."""

    model_config = ConfigDict(extra="ignore")

    reduction: Literal["abs", "square"] = Field("abs", description="Mean |g| or mean g^2.")


class BoundaryOptions(BaseModel):
    """How finely the input plane is sampled."""

    model_config = ConfigDict(extra="ignore")

    resolution: int = Field(48, ge=8, le=128, description="Grid points per side.")


class MatrixOptions(BaseModel):
    """The input the layer's matrix is drawn for."""

    model_config = ConfigDict(extra="ignore")

    size: int = Field(
        6, ge=1, le=32, description="A convolution's input side (at most the node's own)."
    )


OptionsT = TypeVar("OptionsT", bound=BaseModel)


@dataclass(frozen=True)
class ProbeDef(Generic[OptionsT]):
    """One probe topic."""

    name: str
    doc: str
    scope: Literal["node", "run"]
    applies: Applies
    Options: type[OptionsT]
    compute: Callable[[Probed, str, OptionsT], ProbeResult]  # node is "" for run probes
    # Of the data alone, not the weights: one frame per viewer, not one per step.
    static: bool = False


_NODE_SKIP = ["input", "output"]


def _conv_matrix(on: Probed, node: str, o: MatrixOptions) -> ProbeResult:
    try:
        return conv_matrix(on.model, node, o.size)
    except (MatrixTooLargeError, NotLinearError) as exc:
        raise ProbeError(str(exc)) from exc


def _sample(on: Probed, node: str, o: SampleOptions) -> ProbeResult:
    n = len(on.data.x_test)
    if o.sample >= n:
        raise ProbeError(f"sample must be 0..{n - 1}")
    return feature_maps(on.model, node, on.data.x_test[o.sample])


def _shift(on: Probed, node: str, o: ShiftOptions) -> ProbeResult:
    n, width = len(on.data.x_test), on.info.input_shape[-1]
    if o.sample >= n:
        raise ProbeError(f"sample must be 0..{n - 1}")
    if o.pixels >= width:
        raise ProbeError(f"pixels must be less than the image's width, {width}")
    return shift_test(on.model, node, on.data.x_test[o.sample], o.pixels)


def _test_batch(on: Probed) -> tuple[Any, Any]:
    return on.data.x_test[:BATCH], on.data.y_test[:BATCH]


def _classes(on: Probed, name: str) -> None:
    """Refuse whole-image class probes on datasets without whole-image classes."""
    if on.info.task == "regression":
        raise ProbeError(f"{name} needs a classification dataset")
    if on.info.task == "segmentation":
        raise ProbeError(f"{name} is for whole-image classes; use the segmentation probe")


def _predictions(on: Probed, node: str, o: NoOptions) -> ProbeResult:
    _classes(on, "predictions")
    return predictions(on.model, *_test_batch(on))


def _confusion(on: Probed, node: str, o: NoOptions) -> ProbeResult:
    _classes(on, "confusion")
    return confusion(on.model, on.data.x_test, on.data.y_test, on.info.n_classes)


def _segmentation(on: Probed, node: str, o: SceneOptions) -> ProbeResult:
    if on.info.task != "segmentation":
        raise ProbeError("segmentation needs a segmentation dataset")
    x, y = _test_batch(on)
    tiles = max(1, round(o.image_size / x.shape[-1])) if o.image_size else 1
    if len(x) < tiles**2:
        raise ProbeError(f"image_size: {tiles}x{tiles} test scenes are needed, there are {len(x)}")
    try:
        return segmentation_masks(on.model, tiled(x, tiles), tiled(y, tiles), on.info.n_classes)
    except ValueError as exc:
        raise ProbeError(str(exc)) from exc


_ENTRIES: tuple[ProbeDef[Any], ...] = (
    ProbeDef(
        "activations",
        "Statistics and histogram of a node's outputs; dead or saturated units.",
        "node",
        Applies(skip_types=_NODE_SKIP),
        NoOptions,
        lambda on, node, o: activation_stats(on.model, node, _test_batch(on)[0]),
    ),
    ProbeDef(
        "feature_maps",
        "Every channel of an image-shaped node for one test sample.",
        "node",
        Applies(skip_types=_NODE_SKIP, output_rank=3),
        SampleOptions,
        _sample,
    ),
    ProbeDef(
        "normalization",
        "Which axes the layer normalizes: the mean and spread of what enters it and of the "
        "same normalized, per channel over the batch, per sample, per sample and channel.",
        "node",
        Applies(only_types=list(NORM_TYPES)),
        NoOptions,
        lambda on, node, o: normalization_axes(on.model, node, _test_batch(on)[0]),
    ),
    ProbeDef(
        "shift",
        "The node's maps for a test image and for it shifted sideways: how exactly they "
        "shift with it (equivariance) and how much they change (pooling's stability).",
        "node",
        Applies(skip_types=_NODE_SKIP, output_rank=3, input_rank=3),
        ShiftOptions,
        _shift,
    ),
    ProbeDef(
        "erf",
        "Effective receptive field: how much each input pixel moves the node's centre unit.",
        "node",
        Applies(skip_types=_NODE_SKIP, output_rank=3, input_rank=3),
        ErfOptions,
        lambda on, node, o: effective_receptive_field(
            on.model, node, _test_batch(on)[0], o.reduction
        ),
    ),
    ProbeDef(
        "weights",
        "Norm and histogram of a node's weights; a convolution's filters as images.",
        "node",
        Applies(skip_types=_NODE_SKIP, needs_params=True),
        NoOptions,
        lambda on, node, o: weight_stats(on.model, node),
    ),
    ProbeDef(
        "gradients",
        "Gradient norm of each layer with weights (vanishing gradients), this node's histogram.",
        "node",
        Applies(skip_types=_NODE_SKIP, needs_params=True),
        NoOptions,
        lambda on, node, o: gradient_stats(on.model, on.objective, *_test_batch(on), node),
    ),
    ProbeDef(
        "conv_matrix",
        "The layer unrolled into the dense matrix it equals on this input (a convolution's "
        "is block-Toeplitz: shared, shifted weights and mostly zeros).",
        "node",
        Applies(only_types=["conv2d", "locally_connected2d"]),
        MatrixOptions,
        _conv_matrix,
    ),
    ProbeDef(
        "decision_boundary",
        "The output over the input plane, and what each hidden neuron computes there.",
        "run",
        Applies(input_shape=[2]),
        BoundaryOptions,
        lambda on, node, o: decision_boundary(on.model, resolution=o.resolution),
    ),
    ProbeDef(
        "predictions",
        "Test images with their true and predicted classes.",
        "run",
        Applies(input_rank=3, tasks=["classification"]),
        NoOptions,
        _predictions,
    ),
    ProbeDef(
        "confusion",
        "How often each true class is predicted as each class, on the test set.",
        "run",
        Applies(input_rank=3, tasks=["classification"]),
        NoOptions,
        _confusion,
    ),
    ProbeDef(
        "loss_landscape",
        "The training loss on a 2-D slice around the weights (Li et al. 2018), with the "
        "path the weights took.",
        "run",
        Applies(),
        LandscapeOptions,
        lambda on, node, o: on.landscape(o).finish(),
    ),
    ProbeDef(
        "pixel_correlation",
        "How alike two pixels of the training images are against their distance, with the "
        "fitted power law: the locality convolutions are built for.",
        "run",
        Applies(input_rank=3),
        NoOptions,
        lambda on, node, o: pixel_correlation(on.data.x_train),
        static=True,
    ),
    ProbeDef(
        "segmentation",
        "Predicted label maps beside the true ones, for test scenes.",
        "run",
        Applies(tasks=["segmentation"]),
        SceneOptions,
        _segmentation,
    ),
)

PROBES: dict[str, ProbeDef[Any]] = {entry.name: entry for entry in _ENTRIES}


def probe_catalog() -> list[dict[str, Any]]:
    """Every probe: name, doc, scope, where it applies, its options as JSON Schema."""
    return [
        {
            "name": p.name,
            "doc": p.doc,
            "scope": p.scope,
            "applies": p.applies.model_dump(),
            "params_schema": p.Options.model_json_schema(),
        }
        for p in PROBES.values()
    ]
