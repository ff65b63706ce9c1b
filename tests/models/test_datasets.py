"""Tests of the built-in datasets: contract, formulas, params errors, file readers."""

from __future__ import annotations

import gzip
import math
import pickle
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from models.datasets import (
    DATASETS,
    Dataset,
    DatasetError,
    DatasetInfo,
    describe_dataset,
    load_dataset,
)
from models.datasets.playground import (
    MULTIGAUSS_CENTRES,
    Classify2DParams,
    multigauss_target,
)

FILE_SETS = {"mnist", "fashion_mnist", "cifar10"}
PLAYGROUND_SETS = ["circle", "xor", "gauss", "spiral", "moons", "plane", "multigauss"]
# Small but valid params per generated set, to keep the slower checks fast.
SMALL: dict[str, dict[str, Any]] = {
    **{name: {"n_samples": 60} for name in PLAYGROUND_SETS},
    "digits": {},
    "shapes": {"n_samples": 40, "image_size": 16},
    "segmentation": {"n_samples": 40, "image_size": 16},
}

N_MNIST_TRAIN, N_MNIST_TEST = 12, 7
N_CIFAR_BATCH, N_CIFAR_TEST = 3, 4


# --- Fixture files in torchvision's layout ---------------------------------------


def idx_bytes(array: np.ndarray[Any, Any]) -> bytes:
    """An IDX file of unsigned bytes holding `array`."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(raw: Path, seed: int, gz: bool) -> None:
    """Tiny fake MNIST files (labels i % 10) into a `raw` folder."""
    raw.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for prefix, n in (("train", N_MNIST_TRAIN), ("t10k", N_MNIST_TEST)):
        images = rng.integers(0, 256, (n, 28, 28))
        images[:, 0, 0] = 255  # so that max is 1.0 after scaling
        labels = np.arange(n) % 10
        for stem, data in (
            (f"{prefix}-images-idx3-ubyte", idx_bytes(images)),
            (f"{prefix}-labels-idx1-ubyte", idx_bytes(labels)),
        ):
            if gz:
                (raw / f"{stem}.gz").write_bytes(gzip.compress(data))
            else:
                (raw / stem).write_bytes(data)


def cifar_rows(n: int, first_label: int) -> dict[bytes, Any]:
    """A fake CIFAR-10 batch: red plane 255, green 0, blue 128; labels counting up."""
    data = np.zeros((n, 3072), dtype=np.uint8)
    data[:, :1024] = 255
    data[:, 2048:] = 128
    data[:, 0] = np.arange(n)  # tells rows apart
    labels = [(first_label + i) % 10 for i in range(n)]
    return {b"batch_label": b"fake", b"labels": labels, b"data": data, b"filenames": []}


def write_cifar(folder: Path) -> None:
    """Five tiny train batches and a test batch, pickled as Python 2 and 3 do."""
    folder.mkdir(parents=True)
    for i in range(1, 6):
        batch = cifar_rows(N_CIFAR_BATCH, i)
        # Protocol 2 as the official (Python 2) files; 5 uses another numpy global.
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(batch, protocol=2 if i % 2 else 5))
    (folder / "test_batch").write_bytes(pickle.dumps(cifar_rows(N_CIFAR_TEST, 0), protocol=2))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with all three file-based sets (Fashion-MNIST gzipped)."""
    root = tmp_path_factory.mktemp("data")
    write_mnist(root / "MNIST" / "raw", seed=1, gz=False)
    write_mnist(root / "FashionMNIST" / "raw", seed=2, gz=True)
    write_cifar(root / "cifar-10-batches-py")
    return root


def params_for(name: str) -> dict[str, Any]:
    """Default params, except small ones for the file sets' caps tests."""
    return {} if name in FILE_SETS else dict(SMALL[name])


# --- The contract, for every registered dataset ----------------------------------


def check_contract(ds: Dataset) -> None:
    """Tensors agree with info: dtypes, shapes, counts, label range."""
    info = ds.info
    assert info.description
    assert "\n" not in info.description
    for x, y, n in ((ds.x_train, ds.y_train, info.n_train), (ds.x_test, ds.y_test, info.n_test)):
        assert x.dtype == torch.float32
        assert tuple(x.shape) == (n, *info.input_shape)
        assert tuple(y.shape) == (n, *info.target_shape)
        assert torch.isfinite(x).all()
        if info.task == "regression":
            assert y.dtype == torch.float32
            assert info.n_classes == 0
            assert info.class_names == []
        else:
            assert y.dtype == torch.int64
            assert len(info.class_names) == info.n_classes
            assert int(y.min()) >= 0
            assert int(y.max()) < info.n_classes
        if len(info.input_shape) == 3:  # images are in [0, 1]
            assert float(x.min()) >= 0.0
            assert float(x.max()) <= 1.0


@pytest.mark.parametrize("name", list(DATASETS))
def test_loads_with_defaults_and_agrees_with_describe(name: str, data_dir: Path) -> None:
    """Every dataset loads with default params; describe() says what load() gives."""
    directory = data_dir if name in FILE_SETS else None
    ds = load_dataset(name, None, directory)
    info = describe_dataset(name, {}, directory)
    check_contract(ds)
    assert ds.info.name == name
    assert ds.info.task == DATASETS[name].task
    if name == "cifar10":
        # describe() assumes the standard 10000-image batches; the fakes are tiny.
        assert (info.n_train, info.n_test) == (50_000, 10_000)
        assert (ds.info.n_train, ds.info.n_test) == (5 * N_CIFAR_BATCH, N_CIFAR_TEST)
        info = info.model_copy(update={"n_train": ds.info.n_train, "n_test": ds.info.n_test})
    assert info == ds.info


@pytest.mark.parametrize("name", [n for n in DATASETS if n not in FILE_SETS])
def test_deterministic_given_seed(name: str) -> None:
    """The same seed gives the same tensors; another seed gives other ones."""
    a = load_dataset(name, {**SMALL[name], "seed": 3})
    b = load_dataset(name, {**SMALL[name], "seed": 3})
    c = load_dataset(name, {**SMALL[name], "seed": 4})
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    assert not torch.equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", list(DATASETS))
def test_params_schema_describes_and_bounds_every_field(name: str) -> None:
    """The Params JSON Schema, served to the browser, documents and bounds each field."""
    schema = DATASETS[name].Params.model_json_schema()
    assert schema["additionalProperties"] is False
    assert "seed" in schema["properties"]
    for field, prop in schema["properties"].items():
        assert prop.get("description"), field
        branches = prop.get("anyOf", [prop])
        for branch in branches:
            if branch.get("type") in ("integer", "number") and "enum" not in branch:
                assert "minimum" in branch, field
                assert "maximum" in branch, field


def test_registry_is_read_only_and_ordered() -> None:
    """DATASETS cannot be changed, and lists the 2-D sets first."""
    with pytest.raises(TypeError):
        DATASETS["circle"] = DATASETS["xor"]  # type: ignore[index]
    assert list(DATASETS)[:4] == ["circle", "xor", "gauss", "spiral"]
    assert set(DATASETS) == {*PLAYGROUND_SETS, "digits", "shapes", "segmentation", *FILE_SETS}
    for name, definition in DATASETS.items():
        assert definition.name == name


# --- The TensorFlow Playground formulas (src/dataset.ts) --------------------------


def assert_close(actual: torch.Tensor, expected: torch.Tensor | float, atol: float) -> None:
    """Elementwise |actual - expected| <= atol (numpy's check: torch's costs a second to import)."""
    want = expected.double().numpy() if isinstance(expected, torch.Tensor) else expected
    np.testing.assert_allclose(
        actual.double().numpy(), np.broadcast_to(want, actual.shape), atol=atol, rtol=0
    )


def all_points(ds: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and test together."""
    return torch.cat([ds.x_train, ds.x_test]), torch.cat([ds.y_train, ds.y_test])


def test_circle_label_is_inside_radius_2_5() -> None:
    """At noise 0 the class is |p| < 2.5; points lie in the disc or the ring."""
    x, y = all_points(load_dataset("circle", {"n_samples": 2000, "seed": 1}))
    r = x.norm(dim=1)
    assert torch.equal(y, (r < 2.5).long())
    assert bool(((r <= 2.5) | ((r >= 3.5 - 1e-5) & (r <= 5 + 1e-5))).all())
    assert int(y.sum()) == 1000


def test_circle_noise_moves_labels_not_points() -> None:
    """With noise the stored points stay clean; some labels flip."""
    x, y = all_points(load_dataset("circle", {"n_samples": 2000, "noise": 0.5}))
    r = x.norm(dim=1)
    assert bool(((r <= 2.5) | (r >= 3.5 - 1e-5)).all())
    assert not torch.equal(y, (r < 2.5).long())


def test_xor_label_is_sign_of_product_with_padding() -> None:
    """At noise 0 the class is x*y >= 0; points keep 0.3 away from the axes."""
    x, y = all_points(load_dataset("xor", {"n_samples": 2000}))
    assert torch.equal(y, (x[:, 0] * x[:, 1] >= 0).long())
    assert bool((x.abs() >= 0.3 - 1e-6).all())
    assert bool((x.abs() <= 5.3 + 1e-6).all())


def test_spiral_radii_are_5i_over_n() -> None:
    """At noise 0 each arm has radii 5i/n, i = 0..n-1, n = N/2."""
    n_samples = 400
    x, y = all_points(load_dataset("spiral", {"n_samples": n_samples}))
    n = n_samples // 2
    expected = 5 * torch.arange(n, dtype=torch.float64) / n
    for label in (0, 1):
        radii = x[y == label].double().norm(dim=1).sort().values
        assert_close(radii, expected, atol=1e-5)


def test_spiral_arms_are_opposite() -> None:
    """The -1 arm is the +1 arm turned by pi."""
    ds = load_dataset("spiral", {"n_samples": 400, "train_fraction": 0.9})
    x, y = all_points(ds)
    pos = x[y == 1]
    neg = x[y == 0]
    by_radius_pos = torch.argsort(pos.norm(dim=1))
    by_radius_neg = torch.argsort(neg.norm(dim=1))
    assert_close(pos[by_radius_pos], -neg[by_radius_neg], atol=1e-5)


def test_gauss_means_and_variance() -> None:
    """At noise 0: means (2, 2) and (-2, -2), per-coordinate variance 0.5."""
    x, y = all_points(load_dataset("gauss", {"n_samples": 40_000}))
    for label, mean in ((1, 2.0), (0, -2.0)):
        pts = x[y == label].double()
        assert_close(pts.mean(0), mean, atol=0.03)
        assert_close(pts.var(0), 0.5, atol=0.03)


def test_gauss_variance_grows_with_noise() -> None:
    """Variance is 0.5 + 7 * noise: 4 at noise 0.5."""
    x, y = all_points(load_dataset("gauss", {"n_samples": 40_000, "noise": 0.5}))
    var = x[y == 1].double().var(0)
    assert_close(var, 4.0, atol=0.2)


def test_moons_are_two_half_circles_in_range() -> None:
    """Moons at noise 0 span about [-6, 6] in x and have balanced classes."""
    x, y = all_points(load_dataset("moons", {"n_samples": 1000}))
    assert float(x[:, 0].min()) == pytest.approx(-6.0, abs=1e-4)
    assert float(x[:, 0].max()) == pytest.approx(6.0, abs=1e-4)
    assert int(y.sum()) == 500
    # Outer moon (class 0): radius 4 about (-2, -1) after scaling.
    outer = x[y == 0].double() - torch.tensor([-2.0, -1.0]).double()
    assert_close(outer.norm(dim=1), 4.0, atol=1e-4)


def test_plane_target_is_x_plus_y_over_10() -> None:
    """At noise 0 the target is (x + y) / 10, points in [-6, 6]^2."""
    x, y = all_points(load_dataset("plane", {"n_samples": 1000}))
    assert_close(y[:, 0], (x[:, 0] + x[:, 1]) / 10, atol=1e-6)
    assert bool((x.abs() <= 6).all())


def test_multigauss_formula() -> None:
    """The target at a centre is its sign; far from all centres it is 0."""
    cx = np.array([c[0] for c in MULTIGAUSS_CENTRES])
    cy = np.array([c[1] for c in MULTIGAUSS_CENTRES])
    signs = np.array([c[2] for c in MULTIGAUSS_CENTRES])
    np.testing.assert_array_equal(multigauss_target(cx, cy), signs)
    far = multigauss_target(np.array([0.0, -6.0, 6.0, 2.0]), np.array([0.0, 6.0, -6.0, 0.0]))
    np.testing.assert_array_equal(far, np.zeros(4))
    # Halfway to the 2-unit edge of the bump: half the sign.
    assert multigauss_target(np.array([-4.0]), np.array([3.5]))[0] == pytest.approx(0.5)


def test_multigauss_data_follows_formula() -> None:
    """At noise 0 the stored targets are the formula at the stored points."""
    x, y = all_points(load_dataset("multigauss", {"n_samples": 1000}))
    xd = x.double().numpy()
    expected = multigauss_target(xd[:, 0], xd[:, 1])
    np.testing.assert_allclose(y[:, 0].numpy(), expected, atol=1e-5)
    assert float(y.abs().max()) <= 1.0


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(PLAYGROUND_SETS),
    n_samples=st.integers(10, 3000),
    train_fraction=st.floats(0.1, 0.9),
)
def test_train_fraction_split_sizes(name: str, n_samples: int, train_fraction: float) -> None:
    """floor(N * train_fraction) train, the rest test; all N points appear once."""
    params = {"n_samples": n_samples, "train_fraction": train_fraction}
    ds = load_dataset(name, params)
    n_train = math.floor(n_samples * train_fraction + 1e-9)
    assert (ds.info.n_train, ds.info.n_test) == (n_train, n_samples - n_train)
    assert len(ds.x_train) == n_train
    assert len(ds.x_test) == n_samples - n_train
    # Distinct points (bar the spiral's two arms, which both start at the origin).
    assert len(torch.unique(torch.cat([ds.x_train, ds.x_test]), dim=0)) >= n_samples - 1


def test_split_sizes_without_float_error() -> None:
    """0.29 * 100 is 28.999999999999996 in floats, but 29 points train."""
    info = describe_dataset("xor", {"n_samples": 100, "train_fraction": 0.29})
    assert (info.n_train, info.n_test) == (29, 71)


def test_labels_map_plus_one_to_class_one() -> None:
    """Class names say which Playground label each class is."""
    info = describe_dataset("circle")
    assert info.class_names == ["negative (-1)", "positive (+1)"]
    assert describe_dataset("plane").target_shape == (1,)


# --- Params errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "field", "words"),
    [
        ("circle", {"n_samples": 5}, "n_samples", "at least 10"),
        ("circle", {"n_samples": 10**9}, "n_samples", "at most 100000"),
        ("spiral", {"noise": 0.6}, "noise", "at most 0.5"),
        ("xor", {"noise": float("nan")}, "noise", "finite"),
        ("gauss", {"train_fraction": 0.0}, "train_fraction", "at least 0.1"),
        ("plane", {"seed": -1}, "seed", "at least 0"),
        ("circle", {"n_samples": "many"}, "n_samples", "whole number"),
        ("circle", {"n_samples": 12.5}, "n_samples", "whole number"),
        ("circle", {"bogus": 1}, "bogus", "not a parameter of 'circle'"),
        ("digits", {"n_samples": 100}, "n_samples", "train_fraction, seed"),
        ("shapes", {"channels": 2}, "channels", "1 or 3"),
        ("shapes", {"image_size": 100}, "image_size", "at most 64"),
        ("shapes", {"n_samples": 50_000, "image_size": 64, "channels": 3}, "n_samples", "MB"),
        ("segmentation", {"max_objects": 0}, "max_objects", "at least 1"),
        ("segmentation", {"n_samples": 20_000, "image_size": 64}, "n_samples", "MB"),
        ("mnist", {"max_train": 0}, "max_train", "at least 1"),
        ("cifar10", {"max_test": 10_001}, "max_test", "at most 10000"),
    ],
)
def test_bad_params_name_the_field(
    name: str, params: dict[str, Any], field: str, words: str
) -> None:
    """Invalid params raise DatasetError naming the key, in plain words."""
    for call in (describe_dataset, load_dataset):
        with pytest.raises(DatasetError) as caught:
            call(name, params)
        assert caught.value.field == field
        assert words in caught.value.message
        assert isinstance(caught.value, ValueError)


def test_unknown_name_lists_known_ones() -> None:
    """An unknown name gives DatasetError on "name" listing the registry."""
    with pytest.raises(DatasetError) as caught:
        load_dataset("circles")
    assert caught.value.field == "name"
    assert "circle, xor" in caught.value.message


def test_params_as_model_or_mapping() -> None:
    """Params may be the Params model itself, or another model (revalidated)."""
    ds = load_dataset("circle", Classify2DParams(n_samples=20))
    assert ds.info.n_train + ds.info.n_test == 20
    with pytest.raises(DatasetError) as caught:
        describe_dataset("digits", Classify2DParams())
    assert caught.value.field in {"n_samples", "noise"}
    with pytest.raises(DatasetError) as caught:
        describe_dataset("digits", [1, 2])  # type: ignore[arg-type]
    assert caught.value.field == "params"


_KEYS = st.one_of(
    st.sampled_from(
        [
            *("n_samples", "noise", "train_fraction", "seed", "image_size", "channels"),
            *("max_objects", "max_train", "max_test", "rotate", "bogus", ""),
        ]
    ),
    st.text(max_size=4),
    st.integers(),
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.integers(0, 100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 1),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
)


def describe_or_error(name: str, params: dict[Any, Any]) -> DatasetInfo | DatasetError:
    """describe_dataset's answer, or the DatasetError it raised (anything else propagates)."""
    try:
        return describe_dataset(name, params)
    except DatasetError as exc:
        return exc


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(list(DATASETS)), params=st.dictionaries(_KEYS, _VALUES, max_size=4))
def test_random_params_only_ever_raise_dataset_error(name: str, params: dict[Any, Any]) -> None:
    """Whatever the params, the only failure is DatasetError; valid 2-D ones load."""
    outcome = describe_or_error(name, params)
    if isinstance(outcome, DatasetError):
        # The field is the offending key as given (possibly ""), or "name".
        assert isinstance(outcome.field, str)
        assert outcome.message
        return
    info = outcome
    assert isinstance(info, DatasetInfo)
    if name in PLAYGROUND_SETS:
        assert load_dataset(name, params).info == info


# --- Generated images -------------------------------------------------------------


def test_shapes_every_class_present_and_fast() -> None:
    """2000 shape images take well under a second; all four classes in both splits."""
    start = time.perf_counter()
    ds = load_dataset("shapes", {"n_samples": 2000})
    assert time.perf_counter() - start < 1.0
    for y in (ds.y_train, ds.y_test):
        assert set(y.tolist()) == {0, 1, 2, 3}
    assert ds.info.class_names == ["circle", "square", "triangle", "cross"]


@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_pixels_differ_from_background_only_in_shape(channels: int) -> None:
    """At noise 0 each image is two colours: background (corner) and the shape."""
    ds = load_dataset("shapes", {"n_samples": 40, "channels": channels, "rotate": False})
    x = ds.x_train
    background = x[:, :, :1, :1]
    shape = (x != background).any(dim=1)
    area = shape.float().mean(dim=(1, 2))
    assert bool((area > 0.03).all())
    assert bool((area < 0.6).all())
    # Colours vary between images (colour is no cue), the shape stands out.
    if channels == 3:
        assert len(torch.unique(background.flatten(1), dim=0)) == len(x)
        fg = torch.stack([img[:, m].mean(1) for img, m in zip(x, shape, strict=True)])
        assert bool(((fg - background[:, :, 0, 0]).abs().amax(1) >= 0.35 - 1e-6).all())


def test_shapes_noise_changes_pixels() -> None:
    """Noise adds pixel noise, still within [0, 1]."""
    clean = load_dataset("shapes", {"n_samples": 20, "noise": 0.0}).x_train
    noisy = load_dataset("shapes", {"n_samples": 20, "noise": 0.3}).x_train
    assert not torch.equal(clean, noisy)
    assert float(noisy.min()) >= 0.0
    assert float(noisy.max()) <= 1.0


@pytest.mark.parametrize("channels", [1, 3])
def test_segmentation_label_map_matches_pixels(channels: int) -> None:
    """At noise 0 a pixel differs from the background exactly where its label is a shape."""
    ds = load_dataset("segmentation", {"n_samples": 300, "channels": channels})
    x, y = all_points(ds)
    background = torch.stack(
        [img[:, lab == 0][:, 0] for img, lab in zip(x, y, strict=True)]
    )  # every scene has background pixels
    differs = (x != background[:, :, None, None]).any(dim=1)
    assert torch.equal(differs, y > 0)
    assert set(torch.unique(y).tolist()) == {0, 1, 2, 3, 4}
    assert ds.info.class_names == ["background", "circle", "square", "triangle", "cross"]
    assert ds.info.n_classes == 5


def test_segmentation_object_counts() -> None:
    """max_objects=1 gives one shape per scene; more allows more classes in one scene."""
    one = load_dataset("segmentation", {"n_samples": 100, "max_objects": 1})
    for lab in one.y_train:
        assert len(torch.unique(lab)) == 2
    many = load_dataset("segmentation", {"n_samples": 100, "max_objects": 6})
    assert max(len(torch.unique(lab)) for lab in many.y_train) >= 4


def test_digits_real_data() -> None:
    """The bundled digits: 1797 images in [0, 1], classes 0-9 all present."""
    ds = load_dataset("digits", {"train_fraction": 0.5})
    assert ds.info.n_train + ds.info.n_test == 1797
    assert ds.info.class_names == [str(d) for d in range(10)]
    assert set(ds.y_train.tolist()) == set(range(10))
    assert float(ds.x_train.max()) == 1.0


def test_dataset_to_and_checks() -> None:
    """to() gives a new Dataset; mismatched tensors are refused."""
    ds = load_dataset("xor", {"n_samples": 20})
    moved = ds.to("cpu")
    assert moved is not ds
    assert torch.equal(moved.x_train, ds.x_train)
    with pytest.raises(ValueError, match="y_train"):
        Dataset(ds.info, ds.x_train, ds.y_train.float(), ds.x_test, ds.y_test)
    with pytest.raises(ValueError, match="x_test"):
        Dataset(ds.info, ds.x_train, ds.y_train, ds.x_test[:1], ds.y_test)


# --- File-based sets --------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_idx_files_load(name: str, data_dir: Path) -> None:
    """Plain and gzipped IDX files load as [n, 1, 28, 28] in [0, 1] with their labels."""
    ds = load_dataset(name, None, data_dir)
    assert tuple(ds.x_train.shape) == (N_MNIST_TRAIN, 1, 28, 28)
    assert tuple(ds.x_test.shape) == (N_MNIST_TEST, 1, 28, 28)
    assert ds.y_train.tolist() == [i % 10 for i in range(N_MNIST_TRAIN)]
    assert ds.y_test.tolist() == [i % 10 for i in range(N_MNIST_TEST)]
    assert float(ds.x_train.max()) == 1.0
    assert len(ds.info.class_names) == 10
    if name == "fashion_mnist":
        assert ds.info.class_names[9] == "Ankle boot"


def test_idx_caps_pick_a_seeded_subset(data_dir: Path) -> None:
    """max_train / max_test keep that many, chosen by the seed, in file order."""
    full = load_dataset("mnist", None, data_dir)
    a = load_dataset("mnist", {"max_train": 5, "max_test": 3, "seed": 1}, data_dir)
    b = load_dataset("mnist", {"max_train": 5, "max_test": 3, "seed": 1}, data_dir)
    c = load_dataset("mnist", {"max_train": 5, "max_test": 3, "seed": 2}, data_dir)
    assert (a.info.n_train, a.info.n_test) == (5, 3)
    assert describe_dataset("mnist", {"max_train": 5, "max_test": 3}, data_dir) == a.info
    assert torch.equal(a.x_train, b.x_train)
    assert not torch.equal(a.x_train, c.x_train)
    rows = [int((full.x_train == img).all(dim=(1, 2, 3)).nonzero()) for img in a.x_train]
    assert rows == sorted(rows)
    assert a.y_train.tolist() == [r % 10 for r in rows]


def test_cifar_batches_load(data_dir: Path) -> None:
    """CIFAR-10 pickles load as [n, 3, 32, 32], red plane first, labels kept."""
    ds = load_dataset("cifar10", None, data_dir)
    assert tuple(ds.x_train.shape) == (5 * N_CIFAR_BATCH, 3, 32, 32)
    assert tuple(ds.x_test.shape) == (N_CIFAR_TEST, 3, 32, 32)
    assert float(ds.x_train[0, 0, 0, 1]) == 1.0
    assert float(ds.x_train[0, 1].max()) == 0.0
    assert float(ds.x_train[0, 2, 5, 5]) == pytest.approx(128 / 255)
    expected = [(b + i) % 10 for b in range(1, 6) for i in range(N_CIFAR_BATCH)]
    assert ds.y_train.tolist() == expected
    assert ds.y_test.tolist() == list(range(N_CIFAR_TEST))
    assert ds.info.class_names[0] == "airplane"
    capped = load_dataset("cifar10", {"max_train": 4, "max_test": 2}, data_dir)
    assert (capped.info.n_train, capped.info.n_test) == (4, 2)
    assert describe_dataset("cifar10", {"max_train": 4, "max_test": 2}, data_dir) == capped.info


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mnist", "MNIST/raw/train-images-idx3-ubyte"),
        ("fashion_mnist", "FashionMNIST/raw/t10k-labels-idx1-ubyte"),
        ("cifar10", "cifar-10-batches-py/data_batch_1"),
    ],
)
def test_missing_files_say_where_to_put_them(name: str, expected: str, tmp_path: Path) -> None:
    """Without files: DatasetError on "name" giving the full expected paths, no download."""
    for directory in (tmp_path, None):
        for call in (load_dataset, describe_dataset):
            with pytest.raises(DatasetError) as caught:
                call(name, None, directory)
            assert caught.value.field == "name"
            assert "never downloads" in caught.value.message
            root = str(tmp_path) if directory else "<data_dir>"
            assert str(Path(root) / expected) in caught.value.message or (
                f"{root}/{expected}" in caught.value.message
            )


def test_bad_idx_files_are_refused(tmp_path: Path) -> None:
    """A wrong magic number or a truncated body gives DatasetError naming the file."""
    raw = tmp_path / "MNIST" / "raw"
    write_mnist(raw, seed=0, gz=False)
    labels = raw / "train-labels-idx1-ubyte"
    good = labels.read_bytes()
    labels.write_bytes(b"\x00\x00\x08\x03" + good[4:])
    with pytest.raises(DatasetError, match="magic") as caught:
        describe_dataset("mnist", None, tmp_path)
    assert str(labels) in caught.value.message
    labels.write_bytes(good[:-2])
    with pytest.raises(DatasetError, match="data bytes"):
        load_dataset("mnist", None, tmp_path)
    labels.write_bytes(good[:8] + bytes([10]) + good[9:])  # label 10 of 10 classes
    with pytest.raises(DatasetError, match="labels outside"):
        load_dataset("mnist", None, tmp_path)


class _Evil:
    """Unpickling this would call a function of its choosing."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (print, ("unpickled code ran",))


def test_cifar_pickle_with_foreign_globals_is_refused(tmp_path: Path) -> None:
    """Only numpy arrays, dicts and lists are unpickled; other globals are refused."""
    write_cifar(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(DatasetError, match=r"refusing to load builtins\.print"):
        load_dataset("cifar10", None, tmp_path)
