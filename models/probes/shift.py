"""The shift test: a node's output for an image and for the same image shifted sideways.

A convolution with circular padding and stride 1 is translation equivariant: shifting
the input by k pixels shifts every feature map by k, exactly. Borders (zero padding) and
strides break it; pooling makes the output change less under small shifts.
"""

from __future__ import annotations

import torch

from models.build import Network
from models.probes.hooks import inspection
from models.probes.result import ProbeResult

MAX_CHANNELS = 4  # feature maps of the node sent for drawing


def shift_right(x: torch.Tensor, k: int) -> torch.Tensor:
    """The image [..., H, W] moved k pixels right, wrapping around (what leaves comes back)."""
    return torch.roll(x, shifts=k, dims=-1)


@torch.no_grad()
def shift_test(net: Network, node: str, image: torch.Tensor, pixels: int) -> ProbeResult:
    """The node's maps for an image [C, H, W] and for it shifted `pixels` right, compared."""
    shifted = shift_right(image, pixels)
    with inspection(net):
        outs = net.forward_nodes(torch.stack([image, shifted]), [node])[node]
    before, after = outs[0], outs[1]  # [C', H', W']
    scale = float(before.abs().max()) or 1.0
    # Where the output should have moved: pixels / stride output pixels, a whole number
    # only when the stride divides the shift (else the nearest, and the error shows it).
    width_in, width_out = image.shape[-1], before.shape[-1]
    step = round(pixels * width_out / width_in)
    whole = (pixels * width_out) % width_in == 0
    equivariance = float((after - shift_right(before, step)).abs().max()) / scale
    change = float((after - before).norm() / (before.norm() or 1.0))
    meta = {
        "pixels": pixels,
        "output_shift": step,
        "whole_shift": whole,
        "equivariance_error": equivariance,
        "change": change,
        "channels": int(before.shape[0]),
    }
    arrays = {
        "input": image.float().cpu(),
        "shifted_input": shifted.float().cpu(),
        "before": before[:MAX_CHANNELS].float().cpu(),
        "after": after[:MAX_CHANNELS].float().cpu(),
    }
    return ProbeResult(f"shift:{node}", node, meta, arrays)
