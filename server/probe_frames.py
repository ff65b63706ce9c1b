"""A probe's arrays as one binary frame: one array, or several packed with a parts table."""

from __future__ import annotations

from typing import Any

import numpy as np

from server.frames import decode_frame, encode_frame


def pack_probe(
    topic: str,
    node: str | None,
    step: int,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray[Any, Any]],
) -> bytes:
    """The frame of one probe result.

    A single array goes as it is (header `"name"`). Several go as one
    1-D array, float32 (uint8 when all are uint8), with a `parts` table in the
    header: `[{"name", "shape", "offset", "size"}]` in elements, so the
    viewer-side decoder slices instead of parsing numbers out of JSON.
    """
    if len(arrays) == 1:
        ((name, array),) = arrays.items()
        return encode_frame(topic, array, node=node, step=step, name=name, **meta)
    uint8 = all(a.dtype == np.uint8 for a in arrays.values())
    dtype = np.uint8 if uint8 else np.float32
    parts, chunks, offset = [], [], 0
    for name, array in arrays.items():
        flat = np.ascontiguousarray(array, dtype=dtype).ravel()
        parts.append(
            {"name": name, "shape": list(array.shape), "offset": offset, "size": int(flat.size)}
        )
        chunks.append(flat)
        offset += flat.size
    packed = np.concatenate(chunks) if chunks else np.zeros(0, dtype)
    return encode_frame(topic, packed, node=node, step=step, parts=parts, **meta)


def unpack_probe(frame: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    """The header and the named arrays of a probe frame (the inverse of pack_probe)."""
    header, data = decode_frame(frame)
    if "parts" not in header:
        return header, {str(header.get("name", "data")): data}
    arrays = {
        part["name"]: data[part["offset"] : part["offset"] + part["size"]].reshape(part["shape"])
        for part in header["parts"]
    }
    return header, arrays
