"""An uploaded file, whichever kind it is, read into a checked dataset."""

from __future__ import annotations

from typing import BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.datasets.base import Task
from models.datasets.uploads.archive import ZipFolder
from models.datasets.uploads.checks import Parsed, UploadError, UploadLimits
from models.datasets.uploads.pictures import (
    IMAGES_FOLDER,
    MASKS_FOLDER,
    parse_image_folders,
    parse_segmentation,
)
from models.datasets.uploads.tables import parse_csv

ZIP_MAGIC = b"PK\x03\x04"


class UploadOptions(BaseModel):
    """How to read an upload: the CSV's columns, or the images' size and colour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(None, max_length=200, description="CSV: the label column's name.")
    features: list[str] | None = Field(
        None, max_length=10_000, description="CSV: the feature columns; default all others."
    )
    task: Task | None = Field(
        None,
        description="Default inferred: a CSV's few whole-number or text labels are classes, "
        "other numbers regression; a zip with images/ and masks/ is segmentation.",
    )
    size: int = Field(32, ge=8, le=128, description="Zip: images are resized to size x size.")
    channels: Literal[1, 3] = Field(3, description="Zip: 1 grey, 3 RGB.")


def _size_of(source: BinaryIO) -> int:
    """Bytes in a seekable file (its position back at the start)."""
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    return size


def _text(data: bytes, filename: str) -> str:
    """A CSV's text (UTF-8, a byte-order mark allowed)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(
            "file",
            f"{filename} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); "
            "save it as CSV UTF-8",
        ) from None


def _parse_zip(source: BinaryIO, options: UploadOptions, limits: UploadLimits) -> Parsed:
    """A zip of class folders, or of images/ and masks/."""
    if options.task == "regression":
        raise UploadError("task", "a zip of images is classification or segmentation")
    folder = ZipFolder(source, limits, depth=2)
    try:
        tops = {parts[0] for parts in folder.files if len(parts) > 1}
        pairs = tops == {IMAGES_FOLDER, MASKS_FOLDER}
        if options.task == "segmentation" or (options.task is None and pairs):
            return parse_segmentation(folder, limits, options.size, options.channels)
        return parse_image_folders(folder, limits, options.size, options.channels)
    finally:
        folder.close()


def parse_upload(
    source: BinaryIO, filename: str, options: UploadOptions, limits: UploadLimits
) -> Parsed:
    """A CSV or a zip upload read and checked, or UploadError saying what is wrong where."""
    size = _size_of(source)
    if size > limits.max_bytes:
        raise UploadError(
            "file",
            f"{filename} is {size:,} bytes; this server takes uploads of at most "
            f"{limits.max_bytes:,} bytes",
        )
    if size == 0:
        raise UploadError("file", f"{filename} is empty")
    head = source.read(len(ZIP_MAGIC))
    source.seek(0)
    if head == ZIP_MAGIC or filename.lower().endswith(".zip"):
        return _parse_zip(source, options, limits)
    if not filename.lower().endswith((".csv", ".txt")) and b"," not in source.read(4096):
        raise UploadError("file", f"{filename} is neither a CSV file nor a zip of images")
    source.seek(0)
    text = _text(source.read(), filename)
    return parse_csv(text, limits, options.label, options.features, options.task)
