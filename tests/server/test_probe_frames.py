"""Probe results as binary frames decode to the same arrays."""

from __future__ import annotations

import numpy as np

from models.probes import decision_boundary, feature_maps
from models.probes.result import ProbeResult
from models.train import Trainer
from server.probe_frames import pack_probe, unpack_probe
from tests.models.helpers import chain, mlp


def roundtrip(result: ProbeResult) -> None:
    meta, arrays = result.meta, {k: v.numpy() for k, v in result.arrays.items()}
    header, decoded = unpack_probe(pack_probe(result.topic, result.node, 7, meta, arrays))
    assert header["step"] == 7 and header["topic"] == result.topic
    assert decoded.keys() == arrays.keys()
    for name, array in arrays.items():
        assert decoded[name].shape == array.shape
        assert np.allclose(decoded[name], array)


def test_single_and_packed_frames_decode_to_the_arrays() -> None:
    cnn = Trainer(
        chain(
            ("conv2d", {"out_channels": 3, "kernel_size": 3}),
            ("flatten", {}),
            ("linear", {"out_features": 10}),
        ),
        "digits",
    )
    roundtrip(feature_maps(cnn.model, "n0", cnn.data.x_test[0]))  # one uint8 array
    net = Trainer(mlp([4, 3]), "spiral").model
    roundtrip(decision_boundary(net, resolution=12))  # several arrays, packed
    empty = pack_probe("activations:n1", "n1", 1, {"mean": 0.5}, {})
    header, arrays = unpack_probe(empty)
    assert header["mean"] == 0.5 and arrays == {}
