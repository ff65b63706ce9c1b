"""A convolution as the dense matrix it equals: conv(x) = T x + b, for one small input.

Each column of T is the layer's answer to one input pixel set to 1 (minus its answer to
zeros, the bias), so the matrix is exact for any linear layer; a convolution's is
block-Toeplitz: each row is the previous one shifted, and most entries are zero.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.build import Network
from models.probes.result import ProbeResult

LINEAR_TYPES = ("conv2d", "locally_connected2d", "linear")  # layers a matrix is exact for
MAX_ENTRIES = 1 << 20  # 4 MB of float32: matrices past this are refused, not drawn
CHUNK = 256  # basis images through the layer at once


class MatrixTooLargeError(ValueError):
    """The layer's matrix for this input would be too large to compute and draw."""


class NotLinearError(ValueError):
    """The node is not a linear layer: no matrix equals it."""


@torch.no_grad()
def layer_matrix(
    module: nn.Module, input_shape: tuple[int, ...]
) -> tuple[torch.Tensor, torch.Tensor]:
    """(T, b): T [out_numel, in_numel] and b [out_numel] with module(x).flatten() = T x + b."""
    was_training = module.training
    module.eval()
    try:
        n_in = math.prod(input_shape)
        param = next(module.parameters(), None)
        dtype = param.dtype if param is not None else torch.float32
        device = param.device if param is not None else torch.device("cpu")
        offset = module(torch.zeros(1, *input_shape, dtype=dtype, device=device)).flatten()
        if offset.numel() * n_in > MAX_ENTRIES:
            raise MatrixTooLargeError(
                f"the matrix would have {offset.numel()} x {n_in} entries (at most "
                f"{MAX_ENTRIES}): try a smaller input or fewer channels"
            )
        columns = []
        eye = torch.eye(n_in, dtype=dtype, device=device)
        for start in range(0, n_in, CHUNK):
            basis = eye[start : start + CHUNK].reshape(-1, *input_shape)
            columns.append(module(basis).reshape(basis.shape[0], -1) - offset)  # [chunk, out]
        return torch.cat(columns).T.contiguous(), offset
    finally:
        module.train(was_training)


def conv_matrix(net: Network, node: str, size: int) -> ProbeResult:
    """A one-input node's layer unrolled into its dense matrix, with how much of it is zero.

    A convolution slides over any input, so its matrix is drawn for a small one: the
    node's channels on at most `size` x `size` pixels. A layer tied to its input size (a
    locally connected one) takes its own.
    """
    kind = net.graph.types[node]
    if kind not in LINEAR_TYPES:
        raise NotLinearError(
            f"{node} is a {kind} layer; a matrix equals only a {', '.join(LINEAR_TYPES)} layer"
        )
    input_shape = tuple(net.shapes[net.graph.inputs[node][0]])
    if kind == "conv2d":
        c, h, w = input_shape
        input_shape = (c, min(h, size), min(w, size))
    matrix, offset = layer_matrix(net.module(node), input_shape)
    nonzero = int((matrix != 0).sum())
    meta = {
        "rows": matrix.shape[0],
        "cols": matrix.shape[1],
        "nonzero": nonzero,
        "density": nonzero / matrix.numel(),
        "input_shape": list(input_shape),
    }
    arrays = {"matrix": matrix.float().cpu(), "bias": offset.float().cpu()}
    return ProbeResult(f"conv_matrix:{node}", node, meta, arrays)
