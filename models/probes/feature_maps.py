"""The channels of a conv-shaped node for one sample, scaled for display."""

from __future__ import annotations

import torch

from models.build import Network
from models.errors import ShapeError
from models.probes.hooks import capture_outputs, inspection
from models.probes.result import ProbeResult

MAX_CHANNELS = 64


@torch.no_grad()
def feature_maps(
    net: Network, node: str, sample: torch.Tensor, max_channels: int = MAX_CHANNELS
) -> ProbeResult:
    """Each channel of `node` on one sample, min-max scaled to 0..255 per channel (uint8)."""
    if len(net.shapes[node]) != 3:
        raise ShapeError(None, f"'{node}' has no feature maps: its output is not [C, H, W]")
    with inspection(net), capture_outputs(net, [node]) as out:
        net(sample[None])
    maps = out[node][0, :max_channels].float()  # [C, H, W]
    lo = maps.amin(dim=(1, 2), keepdim=True)
    hi = maps.amax(dim=(1, 2), keepdim=True)
    scaled = ((maps - lo) / (hi - lo).clamp_min(1e-12) * 255).round().to(torch.uint8)
    meta = {
        "channels": int(net.shapes[node][0]),
        "shown": int(maps.shape[0]),
        "min": lo.flatten().tolist(),
        "max": hi.flatten().tolist(),
    }
    return ProbeResult(f"feature_maps:{node}", node, meta, {"maps": scaled.cpu()})
