"""The stream's binary tensor frame (length, JSON header, raw array) and safe JSON text."""

from __future__ import annotations

import json
import math
import struct
from typing import Any, Final

import numpy as np
import torch

MAX_FRAME_BYTES: Final = 16 * 1024 * 1024
"""Encode refuses frames bigger than this: the stream carries previews, not checkpoints."""

# Little-endian on the wire whatever the host; uint8 has no byte order.
WIRE_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "float16": np.dtype("<f2"),
    "float32": np.dtype("<f4"),
    "uint8": np.dtype("u1"),
}

_LENGTH = struct.Struct("<I")
# The data starts on a multiple of this, so a browser can view it in place (largest item size).
_ALIGN: Final = 4
_RESERVED: Final = frozenset({"topic", "node", "step", "dtype", "shape"})


class FrameError(ValueError):
    """A frame that does not follow the layout: short, bad length, bad header or wrong size."""


def to_json(value: Any) -> str:
    """Compact JSON text; NaN and ±inf become null, numpy and torch values plain numbers."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        pass  # The rare slow path: something to convert, such as a NaN loss or a numpy scalar.
    try:
        return json.dumps(plain(value), allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"not JSON-serialisable: {exc}") from exc


def plain(value: Any) -> Any:
    """The value with numpy/torch turned into Python and non-finite floats into None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.ndarray | np.generic):
        return plain(value.tolist())
    if isinstance(value, torch.Tensor):
        return plain(value.detach().cpu().tolist())
    return value


def _wire_dtype_torch(dtype: torch.dtype) -> np.dtype[Any]:
    """The wire dtype a tensor of this dtype is sent as; ValueError if none fits."""
    if dtype == torch.float16:
        return WIRE_DTYPES["float16"]
    if dtype in (torch.uint8, torch.bool):
        return WIRE_DTYPES["uint8"]
    if dtype.is_floating_point:
        return WIRE_DTYPES["float32"]
    raise ValueError(f"cannot send a {dtype} tensor: use float16, float32 or uint8 (or bool/float)")


def _wire_dtype_numpy(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The wire dtype an array of this dtype is sent as; ValueError if none fits."""
    if dtype == np.float16:
        return WIRE_DTYPES["float16"]
    if dtype in (np.uint8, np.bool_):
        return WIRE_DTYPES["uint8"]
    if np.issubdtype(dtype, np.floating):
        return WIRE_DTYPES["float32"]
    raise ValueError(f"cannot send a {dtype} array: use float16, float32 or uint8 (or bool/float)")


def _to_wire(array: np.ndarray[Any, Any] | torch.Tensor) -> np.ndarray[Any, Any]:
    """A C-ordered little-endian array of a wire dtype, refusing sizes over the cap first."""
    if isinstance(array, torch.Tensor):
        wire = _wire_dtype_torch(array.dtype)
        _check_size(array.numel() * wire.itemsize)  # Before any device-to-host copy.
        tensor = array.detach()
        if tensor.dtype == torch.bool:
            tensor = tensor.to(torch.uint8)
        elif tensor.dtype.is_floating_point and tensor.dtype not in (torch.float16, torch.float32):
            tensor = tensor.to(torch.float32)  # numpy has no bfloat16 or float8.
        out = tensor.cpu().numpy()
    elif isinstance(array, np.ndarray):
        wire = _wire_dtype_numpy(array.dtype)
        _check_size(array.size * wire.itemsize)
        out = array
    else:
        raise TypeError(f"expected a numpy array or torch tensor, got {type(array).__name__}")
    return np.asarray(out, dtype=wire, order="C")  # Unlike ascontiguousarray, keeps 0-d.


def _check_size(nbytes: int) -> None:
    """ValueError when an array alone would exceed the frame cap."""
    if nbytes > MAX_FRAME_BYTES:
        raise ValueError(
            f"tensor of {nbytes:,} bytes exceeds the {MAX_FRAME_BYTES:,}-byte frame limit: "
            "downsample or crop it before streaming"
        )


def encode_frame(
    topic: str,
    array: np.ndarray[Any, Any] | torch.Tensor,
    *,
    node: str | None = None,
    step: int | None = None,
    **meta: Any,
) -> bytes:
    """One binary frame: uint32 LE header length, JSON header, raw C-order LE array bytes."""
    if not isinstance(topic, str) or not topic:
        raise ValueError("topic must be a non-empty string")
    clash = _RESERVED.intersection(meta)
    if clash:
        raise ValueError(f"metadata may not set reserved header keys: {sorted(clash)}")
    data = _to_wire(array)
    header: dict[str, Any] = {
        "topic": topic,
        "node": node,
        "step": step,
        "dtype": data.dtype.name,
        "shape": list(data.shape),
        **meta,
    }
    text = to_json(header).encode("utf-8")
    # Trailing spaces are valid JSON; they put the data on an aligned offset so that
    # a browser can view it as a Float32Array without copying.
    text += b" " * (-(_LENGTH.size + len(text)) % _ALIGN)
    total = _LENGTH.size + len(text) + data.nbytes
    if total > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {total:,} bytes exceeds the {MAX_FRAME_BYTES:,}-byte limit")
    return b"".join((_LENGTH.pack(len(text)), text, data.data))


def decode_frame(
    data: bytes | bytearray | memoryview,
) -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
    """The header and the array (a view on `data`, read-only for bytes) of one frame."""
    if isinstance(data, memoryview):
        data = data.cast("B")  # Offsets below count bytes, whatever the view's item format.
    size = len(data)
    if size < _LENGTH.size:
        raise FrameError(f"frame of {size} bytes is shorter than its 4-byte length prefix")
    (length,) = _LENGTH.unpack_from(data, 0)
    start = _LENGTH.size + length
    if start > size:
        raise FrameError(f"header length {length} runs past the end of a {size}-byte frame")
    try:
        header = json.loads(bytes(data[_LENGTH.size : start]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameError(f"header is not UTF-8 JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise FrameError("header is not a JSON object")
    if not isinstance(header.get("topic"), str):
        raise FrameError("header has no string 'topic'")
    name = header.get("dtype")
    dtype = WIRE_DTYPES.get(name) if isinstance(name, str) else None
    if dtype is None:
        raise FrameError(f"dtype {name!r} is not one of {sorted(WIRE_DTYPES)}")
    shape = header.get("shape")
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise FrameError(f"shape {shape!r} is not a list of non-negative integers")
    count = math.prod(shape)
    if size - start != count * dtype.itemsize:
        raise FrameError(
            f"shape {shape} of {header['dtype']} needs {count * dtype.itemsize} bytes, "
            f"frame carries {size - start}"
        )
    array = np.frombuffer(data, dtype=dtype, count=count, offset=start).reshape(shape)
    return header, array
