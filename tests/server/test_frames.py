"""The binary tensor frame: layout, round trips, conversions, malformed input and the size cap."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from server.frames import MAX_FRAME_BYTES, FrameError, decode_frame, encode_frame, to_json

SHAPES = [(), (0,), (3, 0, 2), (1,), (5,), (2, 3), (4, 1, 3, 2)]


def make_frame(header: dict[str, Any] | bytes, payload: bytes = b"") -> bytes:
    """A frame assembled by hand, bypassing encode_frame's checks."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<I", len(text)) + text + payload


@pytest.mark.parametrize("dtype", ["float16", "float32", "uint8"])
@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip_each_dtype_and_shape(dtype: str, shape: tuple[int, ...]) -> None:
    array = (np.arange(int(np.prod(shape))) % 200).astype(dtype).reshape(shape)
    header, out = decode_frame(encode_frame("feature_maps:c1", array, node="c1", step=7))
    assert header["topic"] == "feature_maps:c1" and header["node"] == "c1" and header["step"] == 7
    assert header["dtype"] == dtype and header["shape"] == list(shape)
    assert out.dtype == np.dtype(dtype) and out.shape == shape
    np.testing.assert_array_equal(out, array)


def test_layout_is_length_header_then_little_endian_data() -> None:
    frame = encode_frame("weights:fc", np.array([1.0, -2.0], dtype=np.float32), scale=0.5)
    (length,) = struct.unpack_from("<I", frame)
    header = json.loads(frame[4 : 4 + length].decode("utf-8"))
    assert header == {
        "topic": "weights:fc",
        "node": None,
        "step": None,
        "dtype": "float32",
        "shape": [2],
        "scale": 0.5,
    }
    assert frame[4 + length :] == struct.pack("<2f", 1.0, -2.0)
    # Padding the header with spaces puts the data where a Float32Array can view it in place.
    assert (4 + length) % 4 == 0


def test_big_endian_and_strided_input_is_sent_little_endian_c_order() -> None:
    array = np.arange(12, dtype=">f4").reshape(3, 4).T
    header, out = decode_frame(encode_frame("t", array))
    assert header["shape"] == [4, 3] and out.dtype == np.dtype("<f4")
    np.testing.assert_array_equal(out, array)


def test_converts_float64_bool_and_torch() -> None:
    _, out = decode_frame(encode_frame("t", np.array([0.1, 2.5])))
    assert out.dtype == np.float32 and np.allclose(out, [0.1, 2.5])
    header, out = decode_frame(encode_frame("t", np.array([True, False])))
    assert header["dtype"] == "uint8" and out.tolist() == [1, 0]

    weight = torch.randn(2, 3, requires_grad=True)
    _, out = decode_frame(encode_frame("t", weight * 2))
    np.testing.assert_allclose(out, (weight * 2).detach().numpy())
    for tensor, wire in [
        (torch.ones(2, dtype=torch.float16), "float16"),
        (torch.ones(2, dtype=torch.bfloat16), "float32"),
        (torch.ones(2, dtype=torch.float64), "float32"),
        (torch.tensor([True, False]), "uint8"),
        (torch.arange(4, dtype=torch.uint8).reshape(2, 2).t(), "uint8"),
        (torch.tensor(3.5), "float32"),
    ]:
        header, out = decode_frame(encode_frame("t", tensor))
        assert header["dtype"] == wire and header["shape"] == list(tensor.shape)
        np.testing.assert_array_equal(out, tensor.to(torch.float64).numpy())


@pytest.mark.parametrize(
    "array", [np.arange(3), np.arange(3, dtype=np.int8), np.zeros(2, complex), torch.arange(3)]
)
def test_refuses_other_dtypes(array: Any) -> None:
    with pytest.raises(ValueError, match="float16, float32 or uint8"):
        encode_frame("t", array)


def test_refuses_non_arrays_bad_topic_and_reserved_meta() -> None:
    with pytest.raises(TypeError, match="numpy array or torch tensor"):
        encode_frame("t", [1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="topic"):
        encode_frame("", np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="reserved"):
        encode_frame("t", np.zeros(1, np.float32), shape=[9])
    with pytest.raises(TypeError, match="JSON"):
        encode_frame("t", np.zeros(1, np.float32), extra=object())


def test_meta_non_finite_becomes_null_and_numpy_values_plain() -> None:
    frame = encode_frame(
        "activations:a1",
        np.zeros(2, np.float32),
        mean=float("nan"),
        max=np.float32("inf"),
        count=np.int64(3),
        edges=np.array([0.0, np.nan, 1.0]),
        loss=torch.tensor(0.25),
    )
    header, _ = decode_frame(frame)
    assert header["mean"] is None and header["max"] is None and header["count"] == 3
    assert header["edges"] == [0.0, None, 1.0] and header["loss"] == 0.25
    assert to_json({"loss": float("-inf"), "rows": (1, 2)}) == '{"loss":null,"rows":[1,2]}'


def test_size_cap() -> None:
    limit = MAX_FRAME_BYTES // 4
    with pytest.raises(ValueError, match="frame limit"):
        encode_frame("t", np.zeros(limit + 1, np.float32))
    with pytest.raises(ValueError, match="frame limit"):
        encode_frame("t", torch.zeros(limit + 1, dtype=torch.float64))  # Counted as float32.
    with pytest.raises(ValueError, match="limit"):
        encode_frame("t", np.zeros(limit, np.float32))  # The header tips it over.
    assert len(encode_frame("t", np.zeros(limit - 64, np.float32))) <= MAX_FRAME_BYTES


def test_decoded_array_is_a_read_only_view_and_accepts_buffers() -> None:
    frame = encode_frame("t", np.arange(6, dtype=np.uint8).reshape(2, 3))
    _, out = decode_frame(frame)
    assert not out.flags.writeable
    for buffer in (bytearray(frame), memoryview(frame)):
        _, again = decode_frame(buffer)
        np.testing.assert_array_equal(again, out)


def test_decodes_unaligned_data_from_other_producers() -> None:
    header = {"topic": "t", "node": None, "step": 1, "dtype": "float32", "shape": [2]}
    text = json.dumps(header).encode()
    text += b" " * (1 - (4 + len(text)) % 4 + 4)  # Data offset 1 past a multiple of 4.
    frame = make_frame(text, struct.pack("<2f", 1.5, 2.5))
    assert (4 + len(text)) % 4 != 0
    _, out = decode_frame(frame)
    assert out.tolist() == [1.5, 2.5]


GOOD = {"topic": "t", "node": None, "step": None, "dtype": "float32", "shape": [2]}


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b"", "shorter"),
        (b"\x05\x00", "shorter"),
        (struct.pack("<I", 100) + b'{"topic":"t"}', "runs past"),
        (make_frame(b"{not json", bytes(8)), "JSON"),
        (make_frame(b"\xff\xfe{}", bytes(8)), "JSON"),
        (make_frame(b"[1, 2]"), "object"),
        (make_frame({**GOOD, "topic": 3}, bytes(8)), "topic"),
        (make_frame({**GOOD, "dtype": "float64"}, bytes(16)), "dtype"),
        (make_frame({**GOOD, "dtype": None}, bytes(8)), "dtype"),
        (make_frame({**GOOD, "shape": [2, -1]}, bytes(8)), "shape"),
        (make_frame({**GOOD, "shape": "2"}, bytes(8)), "shape"),
        (make_frame({**GOOD, "shape": [True]}, bytes(4)), "shape"),
        (make_frame(GOOD, bytes(7)), "needs 8 bytes"),
        (make_frame(GOOD, bytes(9)), "needs 8 bytes"),
    ],
)
def test_malformed_frames_raise_frame_error(frame: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode_frame(frame)


def test_truncated_frames_raise_frame_error() -> None:
    frame = encode_frame("t", np.arange(5, dtype=np.float32), node="n", step=1)
    for cut in range(len(frame)):
        with pytest.raises(FrameError):
            decode_frame(frame[:cut])
    assert issubclass(FrameError, ValueError)


@settings(max_examples=60, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from([np.dtype(t) for t in ("<f2", "<f4", "u1", ">f4")]),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    ),
    step=st.none() | st.integers(0, 2**53),
    node=st.none() | st.text(max_size=8),
)
def test_round_trip_property(
    array: np.ndarray[Any, Any], step: int | None, node: str | None
) -> None:
    header, out = decode_frame(encode_frame("probe", array, node=node, step=step))
    assert header["node"] == node and header["step"] == step
    assert out.shape == array.shape and out.dtype == array.dtype.newbyteorder("=")
    # Bit-for-bit, so that NaN payloads and signed zeros survive too.
    assert out.tobytes() == array.astype(out.dtype).tobytes()
