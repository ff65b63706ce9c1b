"""MNIST, Fashion-MNIST and CIFAR-10, read from files in torchvision's layout; never downloaded."""

from __future__ import annotations

import gzip
import math
import pickle
import struct
import zlib
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import torch
from pydantic import BaseModel, Field

from models.datasets.base import (
    Dataset,
    DatasetDef,
    DatasetError,
    DatasetInfo,
    Task,
    params_config,
    seed_field,
    validate_params,
)

UInt8Array = np.ndarray[Any, np.dtype[np.uint8]]

# IDX format (LeCun's MNIST page): magic = two zero bytes, a type code (0x08 for
# unsigned bytes), the number of dimensions; then each dimension as a big-endian
# uint32; then the data, row-major.
IDX_UBYTE = 0x08

MNIST_CLASSES = [str(d) for d in range(10)]
# torchvision.datasets.FashionMNIST.classes
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
# batches.meta of CIFAR-10, in label order
CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]
CIFAR10_BATCH = 10_000  # rows in each of the six standard batch files
CIFAR10_TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR10_TEST_BATCH = "test_batch"

NEVER_DOWNLOADS = "LayerLab never downloads data"


def _cap_field(limit: int, split: str) -> Any:
    """An optional cap on the number of samples of one split."""
    return Field(
        None,
        description=f"Use at most this many {split} samples (up to {limit}), picked at random "
        "with the seed; empty: all.",
    )


class MnistParams(BaseModel):
    """Params of `mnist` and `fashion_mnist`."""

    model_config = params_config()

    max_train: Annotated[int, Field(ge=1, le=60_000)] | None = _cap_field(60_000, "training")
    max_test: Annotated[int, Field(ge=1, le=10_000)] | None = _cap_field(10_000, "test")
    seed: int = seed_field()


class Cifar10Params(BaseModel):
    """Params of `cifar10`."""

    model_config = params_config()

    max_train: Annotated[int, Field(ge=1, le=50_000)] | None = _cap_field(50_000, "training")
    max_test: Annotated[int, Field(ge=1, le=10_000)] | None = _cap_field(10_000, "test")
    seed: int = seed_field()


def _cap(n: int, cap: int | None) -> int:
    """Samples kept of n under an optional cap."""
    return n if cap is None else min(n, cap)


def _subset(n: int, cap: int | None, rng: np.random.Generator) -> slice | np.ndarray[Any, Any]:
    """Indices of the samples kept: all, or a random subset in file order."""
    if cap is None or cap >= n:
        return slice(None)
    return np.sort(rng.choice(n, cap, replace=False))


def _missing_message(dataset: str, data_dir: Path | None, wanted: list[str]) -> str:
    """Say which files to put where, for a file-based dataset that is not there."""
    if data_dir is None:
        where, paths = "no data directory is set", [f"<data_dir>/{rel}" for rel in wanted]
    else:
        where, paths = f"its files are missing in {data_dir}", [str(data_dir / r) for r in wanted]
    return (
        f"{dataset}: {where}, and {NEVER_DOWNLOADS}. Put these files there, in torchvision's "
        f"layout (as its download=True leaves them): {'; '.join(paths)}"
    )


# --- IDX ---------------------------------------------------------------------------


def _read(path: Path, size: int = -1) -> bytes:
    """Read `size` bytes (-1: all) of a file, un-gzipping it if its name ends in .gz."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as gz:
                return gz.read(size)
        with path.open("rb") as f:
            return f.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        # gzip.BadGzipFile is an OSError; a truncated stream gives EOFError.
        raise DatasetError("name", f"cannot read {path}: {exc}") from None


def _check_idx_header(header: bytes, path: Path, ndim: int) -> tuple[int, ...]:
    """Check an IDX header (magic, dims) and return the dims."""
    size = 4 + 4 * ndim
    expected = bytes([0, 0, IDX_UBYTE, ndim])
    if len(header) < size or header[:4] != expected:
        raise DatasetError(
            "name",
            f"{path} is not an IDX file of unsigned bytes with {ndim} dimensions "
            f"(magic {header[:4].hex()}, expected {expected.hex()})",
        )
    return tuple(struct.unpack(f">{ndim}I", header[4:size]))


def read_idx_header(path: Path, ndim: int) -> tuple[int, ...]:
    """The dims of an IDX file, reading only its header."""
    return _check_idx_header(_read(path, 4 + 4 * ndim), path, ndim)


def read_idx(path: Path, ndim: int) -> UInt8Array:
    """A whole IDX file of unsigned bytes as an array of its dims."""
    data = _read(path)
    dims = _check_idx_header(data, path, ndim)
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != math.prod(dims):
        raise DatasetError(
            "name", f"{path} has {body.size} data bytes; its header {dims} says {math.prod(dims)}"
        )
    return body.reshape(dims)


# --- CIFAR pickles --------------------------------------------------------------------

# The only globals a CIFAR-10 batch needs (numpy arrays pickled by Python 2 or
# 3). Anything else is refused: unpickling runs code, and the files come from
# wherever the user got them.
_PICKLE_GLOBALS = {
    ("_codecs", "encode"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class _SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts, lists, bytes and numpy arrays, nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        """Resolve only the allowed globals."""
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if module.startswith("numpy.core."):
            # numpy 2 renamed numpy.core to numpy._core (the old name still
            # imports, with a warning); numpy 1 has only the old name.
            try:
                return super().find_class(module.replace("numpy.core.", "numpy._core."), name)
            except ImportError:
                pass
        return super().find_class(module, name)


def read_cifar_batch(path: Path) -> tuple[UInt8Array, np.ndarray[Any, np.dtype[np.int64]]]:
    """Images [n, 3, 32, 32] and labels [n] of one CIFAR-10 python batch file."""
    try:
        with path.open("rb") as f:
            # latin1: the official batches were pickled by Python 2.
            batch = _SafeUnpickler(f, encoding="latin1").load()
    except Exception as exc:  # a corrupt pickle can fail in any of a dozen ways
        raise DatasetError("name", f"cannot read {path} as a CIFAR-10 batch: {exc}") from None
    if not isinstance(batch, dict):
        raise DatasetError("name", f"{path} holds a {type(batch).__name__}, not a CIFAR-10 batch")
    # Python 2 str keys come back as str, keys pickled as bytes as bytes.
    data = batch.get("data", batch.get(b"data"))
    labels = batch.get("labels", batch.get(b"labels"))
    if data is None or labels is None:
        raise DatasetError("name", f"{path} lacks 'data' or 'labels'; not a CIFAR-10 batch")
    x = np.asarray(data)
    y = np.asarray(labels)
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3 * 32 * 32:
        raise DatasetError("name", f"{path}: data is {x.dtype} {x.shape}, expected uint8 [n, 3072]")
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise DatasetError("name", f"{path}: {y.shape} labels for {len(x)} images")
    # Each row is the red plane, then green, then blue, each 32x32 row-major.
    return x.reshape(-1, 3, 32, 32), y.astype(np.int64)


# --- Registry entries -------------------------------------------------------------


def _check_labels(labels: np.ndarray[Any, Any], n_classes: int, where: str) -> None:
    """Refuse labels outside 0..n_classes-1."""
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DatasetError(
            "name", f"{where} has labels outside 0..{n_classes - 1}; the file is not what it claims"
        )


def _to_dataset(
    info: DatasetInfo,
    x_train: UInt8Array,
    y_train: np.ndarray[Any, Any],
    x_test: UInt8Array,
    y_test: np.ndarray[Any, Any],
) -> Dataset:
    """Scale uint8 pixels to [0, 1] float32 and wrap the arrays."""

    def pixels(a: UInt8Array) -> torch.Tensor:
        return torch.from_numpy(a.astype(np.float32) / np.float32(255.0))

    def labels(a: np.ndarray[Any, Any]) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))

    return Dataset(info, pixels(x_train), labels(y_train), pixels(x_test), labels(y_test))


class MnistLike(DatasetDef):
    """A 28x28 grey-image set in MNIST's IDX files under `<data_dir>/<folder>/raw/`."""

    folder: ClassVar[str]
    class_names: ClassVar[list[str]]
    Params: ClassVar[type[BaseModel]] = MnistParams

    _STEMS = (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    )

    def _paths(self, data_dir: Path | None) -> list[Path]:
        """The four files, each plain or gzipped; DatasetError if any is missing."""
        found: list[Path] = []
        for stem in self._STEMS:
            candidates = [] if data_dir is None else [data_dir / self.folder / "raw" / stem]
            # torchvision keeps both the .gz and the extracted file; either will do.
            candidates += [c.with_name(c.name + ".gz") for c in candidates]
            hit = next((c for c in candidates if c.is_file()), None)
            if hit is None:
                wanted = [f"{self.folder}/raw/{s} (or {s}.gz)" for s in self._STEMS]
                raise DatasetError("name", _missing_message(self.name, data_dir, wanted))
            found.append(hit)
        return found

    def _info(self, n_train: int, n_test: int) -> DatasetInfo:
        """Info for given split sizes."""
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(1, 28, 28),
            target_shape=(),
            n_classes=len(self.class_names),
            class_names=list(self.class_names),
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the files' headers only."""
        p = validate_params(MnistParams, params, self.name)
        train_x, train_y, test_x, test_y = self._paths(data_dir)
        sizes = []
        for images, labels in ((train_x, train_y), (test_x, test_y)):
            dims = read_idx_header(images, 3)
            (n_labels,) = read_idx_header(labels, 1)
            self._check_counts(images, dims, n_labels)
            sizes.append(dims[0])
        return self._info(_cap(sizes[0], p.max_train), _cap(sizes[1], p.max_test))

    def _check_counts(self, path: Path, dims: tuple[int, ...], n_labels: int) -> None:
        """Refuse image files that are not 28x28 or do not match their labels."""
        if dims[1:] != (28, 28) or dims[0] != n_labels:
            raise DatasetError(
                "name",
                f"{path} holds images {dims}, expected [n, 28, 28] with n = {n_labels} labels",
            )

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Read the four files, keep the capped random subsets, scale to [0, 1]."""
        p = validate_params(MnistParams, params, self.name)
        rng = np.random.default_rng(p.seed)
        train_x, train_y, test_x, test_y = self._paths(data_dir)
        splits = []
        for images_path, labels_path, cap in (
            (train_x, train_y, p.max_train),
            (test_x, test_y, p.max_test),
        ):
            images = read_idx(images_path, 3)
            labels = read_idx(labels_path, 1)
            self._check_counts(images_path, images.shape, len(labels))
            _check_labels(labels, len(self.class_names), str(labels_path))
            keep = _subset(len(images), cap, rng)
            splits.append((images[keep][:, None], labels[keep]))
        (xa, ya), (xb, yb) = splits
        return _to_dataset(self._info(len(xa), len(xb)), xa, ya, xb, yb)


class Mnist(MnistLike):
    """LeCun's handwritten digits."""

    name: ClassVar[str] = "mnist"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "MNIST: 70000 handwritten digits, 28x28 grey, 10 classes."
    folder: ClassVar[str] = "MNIST"
    class_names: ClassVar[list[str]] = MNIST_CLASSES


class FashionMnist(MnistLike):
    """Zalando's clothing images in MNIST's format."""

    name: ClassVar[str] = "fashion_mnist"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "Fashion-MNIST: 70000 clothing photos, 28x28 grey, 10 classes."
    folder: ClassVar[str] = "FashionMNIST"
    class_names: ClassVar[list[str]] = FASHION_CLASSES


class Cifar10(DatasetDef):
    """CIFAR-10's python batches under `<data_dir>/cifar-10-batches-py/`."""

    name: ClassVar[str] = "cifar10"
    task: ClassVar[Task] = "classification"
    description: ClassVar[str] = "CIFAR-10: 60000 small colour photos, 32x32, 10 classes."
    Params: ClassVar[type[BaseModel]] = Cifar10Params

    folder = "cifar-10-batches-py"

    def _paths(self, data_dir: Path | None) -> list[Path]:
        """The five training batches then the test batch; DatasetError if any is missing."""
        names = [*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH]
        paths = [] if data_dir is None else [data_dir / self.folder / n for n in names]
        if data_dir is None or not all(path.is_file() for path in paths):
            wanted = [f"{self.folder}/{n}" for n in names]
            raise DatasetError("name", _missing_message(self.name, data_dir, wanted))
        return paths

    def _info(self, n_train: int, n_test: int) -> DatasetInfo:
        """Info for given split sizes."""
        return DatasetInfo(
            name=self.name,
            task=self.task,
            input_shape=(3, 32, 32),
            target_shape=(),
            n_classes=10,
            class_names=list(CIFAR10_CLASSES),
            n_train=n_train,
            n_test=n_test,
            description=self.description,
        )

    def describe(self, params: BaseModel, data_dir: Path | None) -> DatasetInfo:
        """Info from the standard batch sizes (a pickle has no header to peek at)."""
        p = validate_params(Cifar10Params, params, self.name)
        self._paths(data_dir)
        n_train = CIFAR10_BATCH * len(CIFAR10_TRAIN_BATCHES)
        return self._info(_cap(n_train, p.max_train), _cap(CIFAR10_BATCH, p.max_test))

    def load(self, params: BaseModel, data_dir: Path | None) -> Dataset:
        """Read the six batches, keep the capped random subsets, scale to [0, 1]."""
        p = validate_params(Cifar10Params, params, self.name)
        rng = np.random.default_rng(p.seed)
        paths = self._paths(data_dir)
        batches = [read_cifar_batch(path) for path in paths]
        for path, (_, labels) in zip(paths, batches, strict=True):
            _check_labels(labels, 10, str(path))
        xa = np.concatenate([x for x, _ in batches[:-1]])
        ya = np.concatenate([y for _, y in batches[:-1]])
        xb, yb = batches[-1]
        keep_a, keep_b = _subset(len(xa), p.max_train, rng), _subset(len(xb), p.max_test, rng)
        xa, ya, xb, yb = xa[keep_a], ya[keep_a], xb[keep_b], yb[keep_b]
        return _to_dataset(self._info(len(xa), len(xb)), xa, ya, xb, yb)
