"""Uploaded datasets: CSV tables and zips of pictures read, checked, stored and trained on."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from models.datasets import DatasetError, describe_dataset, load_dataset
from models.datasets.uploads import (
    UploadError,
    UploadLimits,
    delete_upload,
    list_uploads,
    parse_upload,
    save_upload,
    upload_id,
)
from models.datasets.uploads.checks import Parsed
from models.datasets.uploads.parse import UploadOptions
from models.datasets.uploads.tables import parse_csv
from models.report import render_report
from models.run import RunConfig
from models.train import Trainer
from tests.models import upload_files as files
from tests.models.helpers import chain, mlp

LIMITS = UploadLimits()
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def parse(data: bytes, filename: str, limits: UploadLimits = LIMITS, **options: object) -> Parsed:
    """Parse bytes as an upload."""
    return parse_upload(io.BytesIO(data), filename, UploadOptions.model_validate(options), limits)


def refused(data: bytes, filename: str, limits: UploadLimits = LIMITS, **options: object) -> str:
    """The message an upload is refused with."""
    with pytest.raises(UploadError) as caught:
        parse(data, filename, limits, **options)
    return str(caught.value)


def stored(tmp_path: Path, data: bytes, filename: str, **options: object) -> str:
    """Parse and store an upload; its dataset name."""
    return save_upload(tmp_path, parse(data, filename, **options), filename).name


# --- trained on -----------------------------------------------------------------------


def test_a_csv_trains_to_better_than_chance(tmp_path: Path) -> None:
    name = stored(tmp_path, files.blobs_csv(), "iris.csv", label="species", features=FEATURES)
    info = describe_dataset(name, {}, tmp_path)
    assert info.task == "classification" and info.input_shape == (4,)
    assert info.class_names == list(files.CLASS_NAMES) and info.n_train + info.n_test == 150
    trainer = Trainer(mlp([16], out=3), name, {"lr": 0.01, "batch_size": 16}, data_dir=tmp_path)
    result = trainer.step(300)
    assert result.metrics.test_acc is not None and result.metrics.test_acc > 0.8  # chance is 1/3


def test_a_column_near_float32_s_largest_values_standardizes_to_finite_inputs(
    tmp_path: Path,
) -> None:
    rows = [f"{2e38 + (i % 2) * 1e38:.6g},{i % 7},{i % 2}" for i in range(40)]
    name = stored(
        tmp_path, ("big,small,label\n" + "\n".join(rows)).encode(), "t.csv", label="label"
    )
    data = load_dataset(name, {}, tmp_path)
    assert torch.isfinite(data.x_train).all() and torch.isfinite(data.x_test).all()
    assert abs(float(data.x_train[:, 0].mean())) < 1e-3  # standardized on the training rows


def test_image_folders_train_to_better_than_chance(tmp_path: Path) -> None:
    name = stored(tmp_path, files.class_folders_zip(24), "pictures.zip", size=16, channels=1)
    info = describe_dataset(name, {}, tmp_path)
    assert info.input_shape == (1, 16, 16) and info.class_names == ["horizontal", "vertical"]
    cnn = chain(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("maxpool2d", {"kernel_size": 2}),
        ("flatten", {}),
        ("linear", {"out_features": 2}),
    )
    trainer = Trainer(cnn, name, {"lr": 0.01, "batch_size": 16}, data_dir=tmp_path)
    result = trainer.step(150)
    assert result.metrics.test_acc is not None and result.metrics.test_acc > 0.75  # chance is 1/2


def test_a_segmentation_zip_loads_as_label_maps_and_trains(tmp_path: Path) -> None:
    name = stored(tmp_path, files.segmentation_zip(20), "scenes.zip", size=16, channels=1)
    data = load_dataset(name, {"train_fraction": 0.5}, tmp_path)
    assert data.info.task == "segmentation" and data.info.class_names == ["0", "1"]
    assert tuple(data.x_train.shape) == (10, 1, 16, 16)
    assert tuple(data.y_train.shape) == (10, 16, 16)
    assert set(data.y_train.unique().tolist()) == {0, 1}
    net = chain(
        ("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}),
        ("relu", {}),
        ("conv2d", {"out_channels": 2, "kernel_size": 1}),
    )
    trainer = Trainer(net, name, {"lr": 0.01, "batch_size": 8}, data_dir=tmp_path)
    first = trainer.evaluate().train_loss
    trainer.step(150)
    assert trainer.evaluate().train_loss < first * 0.5


def test_a_regression_csv_trains_to_a_small_error(tmp_path: Path) -> None:
    name = stored(tmp_path, files.regression_csv(200), "line.csv", label="y")
    info = describe_dataset(name, {}, tmp_path)
    assert info.task == "regression" and info.target_shape == (1,) and info.n_classes == 0
    trainer = Trainer(mlp([16], out=1, loss="mse"), name, {"lr": 0.01}, data_dir=tmp_path)
    result = trainer.step(400)
    # The targets' variance is about 1.7; a fitted line leaves the noise.
    assert result.metrics.test_loss is not None and result.metrics.test_loss < 0.05


def test_the_split_follows_train_fraction_and_seed(tmp_path: Path) -> None:
    name = stored(tmp_path, files.blobs_csv(), "iris.csv", label="species")
    a = load_dataset(name, {"train_fraction": 0.6, "seed": 1}, tmp_path)
    b = load_dataset(name, {"train_fraction": 0.6, "seed": 1}, tmp_path)
    c = load_dataset(name, {"train_fraction": 0.6, "seed": 2}, tmp_path)
    assert a.info.n_train == 90 and a.info.n_test == 60
    assert bool((a.x_train == b.x_train).all()) and not bool((a.x_train == c.x_train).all())
    # Standardized on the training rows; the raw values with standardize off.
    assert abs(float(a.x_train.mean())) < 1e-5
    raw = load_dataset(name, {"standardize": False}, tmp_path)
    assert float(raw.x_train.max()) > 3
    with pytest.raises(DatasetError, match="train_fraction"):
        load_dataset(name, {"train_fraction": 2}, tmp_path)


# --- tasks ----------------------------------------------------------------------------


def test_real_number_labels_are_regression_and_the_task_can_be_chosen() -> None:
    parsed = parse(files.regression_csv(), "r.csv", label="y")
    assert parsed.task == "regression" and parsed.y.shape == (120, 1) and parsed.class_names == []
    ints = b"a,b,k\n" + b"".join(f"{i},{i % 7},{i % 2}\n".encode() for i in range(40))
    assert parse(ints, "k.csv", label="k").task == "classification"
    assert parse(ints, "k.csv", label="k", task="regression").task == "regression"
    as_classes = parse(ints, "k.csv", label="b", task="classification")
    assert as_classes.class_names == [str(k) for k in range(7)]
    message = refused(files.blobs_csv(), "iris.csv", label="species", task="regression")
    assert "row 2" in message and "'species'" in message and "not a number" in message


# --- refused, saying where --------------------------------------------------------------


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


GOOD_ROWS = [f"{i % 5}.5,{i},{'ab'[i % 2]}" for i in range(20)]


@pytest.mark.parametrize(
    ("rows", "options", "words"),
    [
        (["x,y,label", *GOOD_ROWS[:5], "nan,1,a", *GOOD_ROWS], {}, ["row 7", "'x'", "nan"]),
        (["x,y,label", *GOOD_ROWS[:3], "1,inf,a", *GOOD_ROWS], {}, ["row 5", "'y'", "inf"]),
        (["x,y,label", *GOOD_ROWS[:2], "1,abc,a", *GOOD_ROWS], {}, ["row 4", "'y'", "'abc'"]),
        (["x,y,label", *GOOD_ROWS[:2], ",1,a", *GOOD_ROWS], {}, ["row 4", "'x'", "empty"]),
        (["x,y,label", *GOOD_ROWS[:2], "1,2", *GOOD_ROWS], {}, ["row 4", "2 cells"]),
        (["x,y,label", *GOOD_ROWS[:2], "1,2,", *GOOD_ROWS], {}, ["row 4", "'label'", "empty"]),
        (["x,y,label", *GOOD_ROWS], {"label": "species"}, ["no column 'species'", "'x'"]),
        (["x,y,label", *GOOD_ROWS], {"features": ["z"]}, ["no column 'z'"]),
        (["x,y,label", *GOOD_ROWS], {"features": ["label"]}, ["label column"]),
        (["x,y,label", *GOOD_ROWS[:4]], {}, ["4 samples", "at least 10"]),
        (["x,y,label", *[r[:-1] + "a" for r in GOOD_ROWS]], {}, ["2 classes", "'a'"]),
        (["x,x,label", *GOOD_ROWS], {}, ["'x' twice"]),
        ([], {}, ["empty"]),
    ],
)
def test_a_bad_csv_is_refused_naming_the_row_and_column(
    rows: list[str], options: dict[str, object], words: list[str]
) -> None:
    message = refused(_csv(rows), "t.csv", **{"label": "label", **options})
    for word in words:
        assert word in message, (word, message)


def test_a_csv_over_the_limits_is_refused() -> None:
    data = _csv(["x,y,label", *GOOD_ROWS])
    for limits, words in (
        (UploadLimits(max_bytes=100), "at most 100 bytes"),
        (UploadLimits(max_samples=15), "at most 15 rows"),
        (UploadLimits(max_values=30), "at most 30 numbers"),
    ):
        assert words in refused(data, "t.csv", limits, label="label")
    assert "not UTF-8" in refused(b"x,label\n\xff\xfe,1\n", "t.csv", label="label")


def test_an_escaping_or_absolute_path_in_a_zip_is_refused() -> None:
    assert "'pictures/../../evil.png'" in refused(files.escaping_zip(), "p.zip")
    members = files.class_folders_members(6)
    members["/etc/evil.png"] = b"x"
    assert "absolute path" in refused(files.zip_of(members), "p.zip")


def test_a_zip_bomb_is_refused_by_declared_and_by_actual_size() -> None:
    small = UploadLimits(max_unzipped_bytes=1_000_000)
    assert "unpacks to" in refused(files.bomb_zip(2_000_000), "b.zip", small)
    # Headers that understate a member: the bounded reader stops, and the file is named.
    assert "'pictures/vertical/liar.png'" in refused(files.lying_zip(), "b.zip")


def test_a_few_small_files_of_many_pixels_are_refused_before_they_take_minutes() -> None:
    blank = files.encoded(np.zeros((1024, 1024), dtype=np.uint8))  # 1 M pixels, a few KB
    members = {f"{k}/{i}.png": blank for k in ("a", "b") for i in range(6)}
    zipped = files.zip_of(members)
    assert len(zipped) < 100_000
    budget = UploadLimits(max_decoded_pixels=10 * 1024 * 1024)  # ten of the twelve
    message = refused(zipped, "blank.zip", budget)
    assert "b/4.png" in message and "more than 10,485,760 pixels" in message
    assert parse(zipped, "blank.zip").n_samples == 12  # within the default budget


def test_a_zip_compressed_another_way_than_deflate_is_refused_by_name() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as archive:
        for name, data in files.class_folders_members(6).items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    data[60:90] = bytes(30)  # a corrupt member too: it is never unpacked
    message = refused(bytes(data), "lzma.zip")
    assert "compressed in a way this server does not unpack" in message and ".png" in message


def test_a_segmentation_mask_turns_upright_with_its_photo() -> None:
    size = 24
    image = np.full((size, size), 20, dtype=np.uint8)
    image[:, :8] = 230  # bright on the left, as stored
    mask = np.zeros((size, size), dtype=np.uint8)
    mask[:, :8] = 1  # drawn over the picture as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # a phone's "turn me 90 degrees clockwise"
    photo = io.BytesIO()
    Image.fromarray(image).save(photo, format="JPEG", exif=exif, quality=95)
    members = {f"images/p{i}.jpg": photo.getvalue() for i in range(10)}
    members |= {f"masks/p{i}.png": files.encoded(mask) for i in range(10)}
    parsed = parse(files.zip_of(members), "photos.zip", size=size, channels=1)
    x, y = parsed.x[:, 0].astype(float), parsed.y
    assert x[y == 1].mean() > 200 and x[y == 0].mean() < 60  # the mask still covers the bright part
    assert (y[:, :8, :] == 1).all()  # turned: the left stripe is now the top one


def test_a_non_image_in_an_image_folder_is_refused_naming_it() -> None:
    members = files.class_folders_members(6)
    members["pictures/vertical/notes.txt"] = b"hello"
    assert "vertical/notes.txt is not a PNG or JPEG" in refused(files.zip_of(members), "p.zip")
    members = files.class_folders_members(6)
    members["pictures/vertical/fake.png"] = b"this is text"
    assert "vertical/fake.png is not a PNG or JPEG image" in refused(files.zip_of(members), "p.zip")
    members = files.class_folders_members(6)
    members["loose.png"] = members["pictures/vertical/v0.png"]
    assert "loose.png is not in a class folder" in refused(files.zip_of(members), "p.zip")


def test_images_with_too_many_pixels_or_one_class_are_refused() -> None:
    few = UploadLimits(max_image_pixels=100)
    assert "20x20 pixels" in refused(files.class_folders_zip(6), "p.zip", few)
    one = {k: v for k, v in files.class_folders_members(12).items() if "vertical" in k}
    assert "at least 2 classes" in refused(files.zip_of(one), "p.zip")
    assert "not a readable zip" in refused(b"PK\x03\x04garbage", "p.zip")


def test_an_image_declaring_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    for side, words in ((5000, "5000x5000 pixels"), (30_000, "too many pixels")):
        members = files.class_folders_members(6)
        members["pictures/vertical/huge.png"] = files.png_header_only(side, side)
        message = refused(files.zip_of(members), "p.zip")
        assert "pictures/vertical/huge.png" in message and words in message, message


def test_sixteen_bit_grey_images_are_scaled_not_clipped() -> None:
    members = files.class_folders_members(6)
    deep = Image.fromarray(np.full((20, 20), 30_000, dtype=np.uint16))
    buffer = io.BytesIO()
    deep.save(buffer, format="PNG")
    members["pictures/vertical/deep.png"] = buffer.getvalue()
    parsed = parse(files.zip_of(members), "p.zip", size=8, channels=1)
    index = sorted(k for k in members if k.startswith("pictures/vertical/")).index(
        "pictures/vertical/deep.png"
    )
    value = int(parsed.x[parsed.y == 1][index].max())
    assert value == round(30_000 / 257)


def test_segmentation_pairs_are_checked() -> None:
    members = files.segmentation_members(12)
    del members["masks/s3.png"]
    assert "images/s3.png has no mask" in refused(files.zip_of(members), "s.zip")
    members = files.segmentation_members(12)
    members["masks/s3.png"] = files.encoded(np.zeros((24, 24), np.uint8) + 255)
    assert "go up to 255" in refused(files.zip_of(members), "s.zip")
    members = files.segmentation_members(12)
    members["masks/s3.png"] = files.encoded(np.zeros((10, 10), np.uint8))
    assert "masks/s3.png is 10x10" in refused(files.zip_of(members), "s.zip")


# --- any text, never a crash ----------------------------------------------------------

CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-5, 5).map(str),
    st.text(max_size=6),
    st.sampled_from(["", " ", "nan", "1e999", '"', ",", "\n", "\r", "\x00", "1_0"]),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.text(max_size=5), min_size=0, max_size=4),
    rows=st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=30),
    label=st.one_of(st.none(), st.text(max_size=5)),
    task=st.sampled_from([None, "classification", "regression", "segmentation"]),
)
def test_the_csv_parser_gives_a_dataset_or_a_clear_error_for_any_table(
    header: list[str], rows: list[list[str]], label: str | None, task: str | None
) -> None:
    text = "\n".join(",".join(r) for r in [header, *rows])
    chosen = label if label is not None or not header else header[-1]
    try:
        parsed = parse_csv(text, LIMITS, chosen, None, task)  # type: ignore[arg-type]
    except UploadError as exc:
        error: UploadError | None = exc
    else:
        error = None
    if error is not None:
        assert error.field in ("file", "label", "features", "task") and error.message
        return
    assert parsed.x.dtype == np.float32 and np.isfinite(parsed.x).all()
    assert len(parsed.x) == len(parsed.y) >= 10
    if parsed.task == "classification":
        assert len(parsed.class_names) >= 2 and parsed.y.max() < len(parsed.class_names)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), filename=st.sampled_from(["a.csv", "a.zip", "a.bin"]))
def test_any_bytes_give_a_dataset_or_a_clear_error(data: bytes, filename: str) -> None:
    try:
        parse(data, filename, label="x")
    except UploadError as exc:
        message = exc.message
    else:
        message = "parsed"
    assert message


REAL_ZIPS = {
    "folders": files.zip_of(files.class_folders_members(5)),
    "segmentation": files.segmentation_zip(10),
}


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(sorted(REAL_ZIPS)),
    flips=st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 255)), min_size=1, max_size=8),
)
def test_a_real_zip_with_bytes_changed_gives_a_dataset_or_a_clear_error(
    which: str, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(REAL_ZIPS[which])
    for at, xor in flips:  # damage anywhere: headers, compressed members, the directory
        data[at % len(data)] ^= xor
    try:
        samples = parse(bytes(data), "damaged.zip").n_samples
    except UploadError as exc:
        message = exc.message
    else:
        message = "parsed" if samples >= 10 else ""
    assert message


# --- reported ---------------------------------------------------------------------


def test_a_run_on_an_upload_is_reported_with_its_network(tmp_path: Path) -> None:
    name = stored(tmp_path, files.blobs_csv(), "iris.csv", label="species")
    config = RunConfig.model_validate({"network": mlp([4], out=3), "dataset": {"name": name}})
    page = render_report(config, [], status="created", run_id="r1", data_dir=tmp_path)
    assert "data-network" in page and "could not be drawn" not in page
    # Without the data directory (or once deleted) the page still renders and says why.
    page = render_report(config, [], status="created", run_id="r1")
    assert "could not be drawn" in page and name in page


# --- stored ---------------------------------------------------------------------------


def test_uploads_are_listed_read_and_deleted(tmp_path: Path) -> None:
    first = stored(tmp_path, files.blobs_csv(), "iris.csv", label="species")
    second = stored(tmp_path, files.class_folders_zip(6), "p.zip", size=8)
    assert [m.name for m in list_uploads(tmp_path)] == [first, second]
    dataset_id = upload_id(first)
    assert dataset_id is not None and delete_upload(tmp_path, dataset_id)
    assert not delete_upload(tmp_path, dataset_id)
    assert [m.name for m in list_uploads(tmp_path)] == [second]
    with pytest.raises(DatasetError, match="deleted"):
        describe_dataset(first, {}, tmp_path)
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == [".lock", upload_id(second)]


def test_a_name_cannot_reach_outside_the_uploads(tmp_path: Path) -> None:
    for name in ("upload-../../etc", "upload-", "upload-ABCDEF012345", "upload-0123456789ab/x"):
        assert upload_id(name) is None
        with pytest.raises(DatasetError, match="unknown dataset"):
            describe_dataset(name, {}, tmp_path)


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = parse(files.blobs_csv(), "iris.csv", label="species")
    calls = {"n": 0}
    real = np.save

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(np, "save", failing)
    with pytest.raises(OSError, match="disk full"):
        save_upload(tmp_path, parsed, "iris.csv")
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [".lock"]
    monkeypatch.undo()
    save_upload(tmp_path, parsed, "a.csv", max_uploads=1)
    with pytest.raises(UploadError, match="at most 1 uploaded"):
        save_upload(tmp_path, parsed, "b.csv", max_uploads=1)
    assert len(list_uploads(tmp_path)) == 1


def test_one_class_cannot_take_all_the_room_for_uploads(tmp_path: Path) -> None:
    parsed = parse(files.blobs_csv(), "iris.csv", label="species")
    ours, theirs = {"class_id": "A", "owner_id": "t"}, {"class_id": "B", "owner_id": "u"}
    for i in range(2):
        save_upload(tmp_path, parsed, f"{i}.csv", ours, max_class_uploads=2)
    with pytest.raises(UploadError, match="at most 2 uploaded datasets per class"):
        save_upload(tmp_path, parsed, "2.csv", ours, max_class_uploads=2)
    save_upload(tmp_path, parsed, "b.csv", theirs, max_class_uploads=2)  # another class's room
    save_upload(tmp_path, parsed, "local.csv", max_class_uploads=2)  # and no class's
    assert len(list_uploads(tmp_path)) == 4
