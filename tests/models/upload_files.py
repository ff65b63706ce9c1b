"""Files to upload, made in memory: CSV tables, zips of class folders and of image/mask pairs."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image

CLASS_NAMES = ("setosa", "versicolor", "virginica")


def blobs_csv(n: int = 150, seed: int = 0) -> bytes:
    """Three well-separated clusters in four features, labelled by name, plus an id column."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0, 0], [4, 4, 0, 0], [0, 4, 4, 4]], dtype=float)
    lines = ["id,sepal_length,sepal_width,petal_length,petal_width,species"]
    for i in range(n):
        k = i % 3
        values = centres[k] + rng.normal(0, 0.7, 4)
        lines.append(f"{i}," + ",".join(f"{v:.3f}" for v in values) + f",{CLASS_NAMES[k]}")
    return ("\n".join(lines) + "\n").encode()


def regression_csv(n: int = 120, seed: int = 0) -> bytes:
    """y = 2a - b + noise, as real numbers."""
    rng = np.random.default_rng(seed)
    lines = ["a,b,y"]
    for _ in range(n):
        a, b = rng.uniform(-1, 1, 2)
        lines.append(f"{a:.4f},{b:.4f},{2 * a - b + rng.normal(0, 0.01):.4f}")
    return ("\n".join(lines) + "\n").encode()


def encoded(pixels: np.ndarray, kind: str = "PNG") -> bytes:
    """An array as a PNG (or JPEG) file."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=kind)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip holding these files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stripes(vertical: bool, rng: np.random.Generator, size: int = 20) -> np.ndarray:
    """A colour picture of stripes, vertical or horizontal, at a random phase."""
    phase = int(rng.integers(0, 4))
    line = ((np.arange(size) + phase) // 2 % 2).astype(np.uint8) * 200 + 30
    grid = np.tile(line, (size, 1)) if vertical else np.tile(line[:, None], (1, size))
    noise = rng.integers(0, 25, (size, size, 3))
    return np.clip(grid[:, :, None] + noise, 0, 255).astype(np.uint8)


def class_folders_members(per_class: int = 20, seed: int = 0) -> dict[str, bytes]:
    """pictures/vertical/*.png and pictures/horizontal/*.jpg (a folder zipped whole)."""
    rng = np.random.default_rng(seed)
    members = {}
    for i in range(per_class):
        members[f"pictures/vertical/v{i}.png"] = encoded(stripes(True, rng))
        members[f"pictures/horizontal/h{i}.jpg"] = encoded(stripes(False, rng), "JPEG")
    members["pictures/.DS_Store"] = b"\x00junk"
    members["__MACOSX/pictures/._v0.png"] = b"\x00junk"
    return members


def class_folders_zip(per_class: int = 20, seed: int = 0) -> bytes:
    """A zip of two class folders of striped pictures."""
    return zip_of(class_folders_members(per_class, seed))


def segmentation_members(n: int = 16, seed: int = 0, size: int = 24) -> dict[str, bytes]:
    """images/NAME.png with a bright square, masks/NAME.png with 1 on the square, 0 elsewhere."""
    rng = np.random.default_rng(seed)
    members = {}
    for i in range(n):
        image = rng.integers(0, 40, (size, size)).astype(np.uint8)
        mask = np.zeros((size, size), dtype=np.uint8)
        top, left = rng.integers(2, size - 10, 2)
        image[top : top + 8, left : left + 8] = 220
        mask[top : top + 8, left : left + 8] = 1
        members[f"images/s{i}.png"] = encoded(image)
        members[f"masks/s{i}.png"] = encoded(mask)
    return members


def segmentation_zip(n: int = 16, seed: int = 0) -> bytes:
    """A zip of images and their masks."""
    return zip_of(segmentation_members(n, seed))


def bomb_zip(unpacked: int) -> bytes:
    """A small zip holding one image folder file of `unpacked` zero bytes."""
    members = class_folders_members(6)
    members["pictures/vertical/huge.png"] = bytes(unpacked)
    return zip_of(members)


def lying_zip() -> bytes:
    """A zip whose headers say one member is 10 bytes long while it unpacks to far more."""
    members = class_folders_members(6)
    members["pictures/vertical/liar.png"] = bytes(200_000)
    data = bytearray(zip_of(members))
    name = b"pictures/vertical/liar.png"
    # Local header: size at offset 22; central directory entry: size at offset 24.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                data[start + offset : start + offset + 4] = (10).to_bytes(4, "little")
            start += 4
    return bytes(data)


def escaping_zip() -> bytes:
    """A zip whose member climbs out of its folder."""
    members = class_folders_members(6)
    members["pictures/../../evil.png"] = members["pictures/vertical/v0.png"]
    return zip_of(members)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height grey pixels (its data cut short)."""
    import struct  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
    return b"\x89PNG\r\n\x1a\n" + data + chunk(b"IEND", b"")
