"""Zip uploads of pictures: one folder per class, or images beside their masks."""

from __future__ import annotations

import io
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from models.datasets.uploads.archive import ZipFolder
from models.datasets.uploads.checks import (
    MAX_CLASSES,
    Parsed,
    UploadError,
    UploadLimits,
    check_classes,
    check_counts,
)

Channels = Literal[1, 3]
IMAGE_FORMATS = ("PNG", "JPEG")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGES_FOLDER, MASKS_FOLDER = "images", "masks"


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
ORIENTATION = 0x0112


class Decoding:
    """The pixels one zip's images may still decode to: a few small files must not take a
    server's minutes (a blank 4096x4096 PNG zips to a few hundred bytes)."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.left = limits.max_decoded_pixels

    def take(self, width: int, height: int, where: str) -> None:
        """Count an image's pixels, or refuse it by name when the zip's budget is spent."""
        if width * height > self.limits.max_image_pixels:
            raise UploadError(
                "file",
                f"{where} is {width}x{height} pixels; this server takes images of at most "
                f"{self.limits.max_image_pixels:,} pixels",
            )
        self.left -= width * height
        if self.left < 0:
            raise UploadError(
                "file",
                f"at {where}, the zip's images add up to more than "
                f"{self.limits.max_decoded_pixels:,} pixels, all that this server decodes for "
                "one upload; send smaller images (they are resized anyway) or fewer",
            )


def _open(data: bytes, where: str, decoding: Decoding, formats: tuple[str, ...]) -> Image.Image:
    """A PNG or JPEG decoded, refused if it is something else or has too many pixels."""
    limits = decoding.limits
    try:
        image = Image.open(io.BytesIO(data), formats=formats)
        decoding.take(*image.size, where)
        image.load()
    except UploadError:
        raise
    except Image.DecompressionBombError:
        raise UploadError(
            "file",
            f"{where} has too many pixels; this server takes images of at most "
            f"{limits.max_image_pixels:,} pixels",
        ) from None
    except UnidentifiedImageError:
        kinds = " or ".join(formats)
        raise UploadError("file", f"{where} is not a {kinds} image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise UploadError("file", f"{where} cannot be decoded as an image ({exc})") from None
    return image


def _square(image: Image.Image, size: int, resample: Image.Resampling) -> Image.Image:
    """The image's centre square, resized to size x size."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), resample)


def _upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """The image turned as an EXIF orientation says (unturned without one)."""
    turn = UPRIGHT.get(orientation or 1)
    return image if turn is None else image.transpose(turn)


def _orientation(image: Image.Image) -> int | None:
    """The image's EXIF orientation, if it has one."""
    value = image.getexif().get(ORIENTATION)
    return value if isinstance(value, int) else None


def _pixels(image: Image.Image, size: int, channels: Channels) -> np.ndarray[Any, Any]:
    """An upright image as uint8 [C, size, size]: transparency over white, grey or RGB."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit grey: to 8 bits by scale (a plain conversion would clip at 255).
        wide = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(np.rint(wide / 257.0).clip(0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(flat, image.convert("RGBA"))
    image = image.convert("L" if channels == 1 else "RGB")
    array = np.asarray(_square(image, size, Image.Resampling.BILINEAR), dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def _mask(image: Image.Image, size: int, where: str) -> np.ndarray[Any, Any]:
    """A mask as uint8 [size, size] class indices (nearest neighbour, so no new values)."""
    if image.mode in ("1", "L", "P"):
        indices = image if image.mode != "1" else image.convert("L").point(lambda v: v // 255)
    elif image.mode in ("I", "I;16", "I;16B", "I;16L"):
        values = np.asarray(image)
        if values.size and (values.min() < 0 or values.max() >= MAX_CLASSES):
            raise UploadError(
                "file",
                f"{where} holds values outside 0..{MAX_CLASSES - 1}; a mask's pixel "
                "values are class indices",
            )
        indices = Image.fromarray(values.astype(np.uint8))
    else:
        raise UploadError(
            "file",
            f"{where} is a {image.mode} image; a mask must be grey or palette, each pixel's "
            "value its class index",
        )
    return np.asarray(_square(indices, size, Image.Resampling.NEAREST), dtype=np.uint8)


def _suffix_ok(folder: ZipFolder, parts: tuple[str, ...]) -> None:
    """Refuse a file that is not named as a PNG or JPEG."""
    if not parts[-1].lower().endswith(IMAGE_SUFFIXES):
        raise UploadError("file", f"{folder.name(parts)} is not a PNG or JPEG image (by its name)")


def parse_image_folders(
    folder: ZipFolder, limits: UploadLimits, size: int, channels: Channels
) -> Parsed:
    """One folder per class, each holding PNG or JPEG images: a classification set."""
    by_class: dict[str, list[tuple[str, ...]]] = {}
    for parts in sorted(folder.files):
        if len(parts) < 2:
            raise UploadError(
                "file",
                f"{folder.name(parts)} is not in a class folder; put each image in a folder "
                "named for its class (cat/1.png, dog/2.png)",
            )
        _suffix_ok(folder, parts)
        by_class.setdefault(parts[0], []).append(parts)
    class_names = sorted(by_class)
    check_classes(class_names, "the zip (one folder per class)")
    members = [(k, parts) for k, name in enumerate(class_names) for parts in by_class[name]]
    check_counts(len(members), len(members) * channels * size * size, limits, "the zip")
    x = np.empty((len(members), channels, size, size), dtype=np.uint8)
    y = np.empty(len(members), dtype=np.int64)
    decoding = Decoding(limits)
    for i, (k, parts) in enumerate(members):
        where = folder.name(parts)
        image = _open(folder.read(parts), where, decoding, IMAGE_FORMATS)
        x[i], y[i] = _pixels(ImageOps.exif_transpose(image), size, channels), k
    return Parsed(kind="images", task="classification", x=x, y=y, class_names=class_names)


def _pairs(folder: ZipFolder) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each image's path with its mask's (images/NAME.* and masks/NAME.png)."""
    images: dict[str, tuple[str, ...]] = {}
    masks: dict[str, tuple[str, ...]] = {}
    for parts in sorted(folder.files):
        where = folder.name(parts)
        if len(parts) != 2 or parts[0] not in (IMAGES_FOLDER, MASKS_FOLDER):
            raise UploadError(
                "file",
                f"{where} is neither in images/ nor in masks/; a segmentation zip holds "
                "images/NAME.png and masks/NAME.png",
            )
        _suffix_ok(folder, parts)
        stem = parts[1].rsplit(".", 1)[0]
        side = images if parts[0] == IMAGES_FOLDER else masks
        if stem in side:
            raise UploadError("file", f"{where} and {folder.name(side[stem])} have the same name")
        side[stem] = parts
    for stem, parts in images.items():
        if stem not in masks:
            raise UploadError("file", f"{folder.name(parts)} has no mask (masks/{stem}.png)")
    for stem, parts in masks.items():
        if stem not in images:
            raise UploadError("file", f"{folder.name(parts)} has no image (images/{stem}.png)")
    return [(images[stem], masks[stem]) for stem in sorted(images)]


def parse_segmentation(
    folder: ZipFolder, limits: UploadLimits, size: int, channels: Channels
) -> Parsed:
    """Images with a mask each (pixel values are class indices): a segmentation set."""
    pairs = _pairs(folder)
    check_counts(len(pairs), len(pairs) * (channels + 1) * size * size, limits, "the zip")
    x = np.empty((len(pairs), channels, size, size), dtype=np.uint8)
    y = np.empty((len(pairs), size, size), dtype=np.uint8)
    decoding = Decoding(limits)
    for i, (image_parts, mask_parts) in enumerate(pairs):
        image = _open(folder.read(image_parts), folder.name(image_parts), decoding, IMAGE_FORMATS)
        # A JPEG mask would blur its class indices into new values: only PNG keeps them.
        mask = _open(folder.read(mask_parts), folder.name(mask_parts), decoding, ("PNG",))
        if mask.size != image.size:
            raise UploadError(
                "file",
                f"{folder.name(mask_parts)} is {mask.size[0]}x{mask.size[1]} pixels but its image "
                f"{folder.name(image_parts)} is {image.size[0]}x{image.size[1]}",
            )
        # A mask is drawn over its image as stored: it turns upright as its image does (a
        # phone's photo says how to turn it; its PNG mask seldom says anything).
        turn = _orientation(image)
        x[i] = _pixels(_upright(image, turn), size, channels)
        y[i] = _mask(_upright(mask, turn), size, folder.name(mask_parts))
    if int(y.max()) >= MAX_CLASSES:
        raise UploadError(
            "file",
            f"mask values go up to {int(y.max())}: a mask's pixel values are class indices "
            f"(0, 1, 2, ... below {MAX_CLASSES}), not colours",
        )
    n_classes = int(y.max()) + 1
    class_names = [str(k) for k in range(n_classes)]
    if len(np.unique(y)) < 2:
        raise UploadError(
            "file", f"every mask holds only class {int(y.max())}; at least 2 classes are needed"
        )
    check_classes(class_names, "the masks")
    return Parsed(kind="segmentation", task="segmentation", x=x, y=y, class_names=class_names)
