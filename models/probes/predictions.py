"""Predictions on samples, the confusion matrix, and segmentation masks with per-class IoU."""

from __future__ import annotations

import torch

from models.build import Network
from models.probes.hooks import inspection
from models.probes.result import ProbeResult

CHUNK = 1024


@torch.no_grad()
def _outputs(net: Network, x: torch.Tensor) -> torch.Tensor:
    """The network's outputs on x, in chunks (eval mode)."""
    with inspection(net):
        return torch.cat([net(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)])


def predictions(net: Network, x: torch.Tensor, labels: torch.Tensor, k: int = 16) -> ProbeResult:
    """The first k samples with predicted class, its probability, and the true class."""
    out = _outputs(net, x[:k])
    probs = out.softmax(dim=1)
    conf, pred = probs.max(dim=1)
    meta = {"pred": pred.tolist(), "true": labels[:k].tolist(), "prob": conf.tolist()}
    return ProbeResult("predictions", None, meta, {"images": x[:k].float().cpu()})


def confusion(net: Network, x: torch.Tensor, labels: torch.Tensor, n_classes: int) -> ProbeResult:
    """Counts of (true, predicted) class pairs on a set: [C, C]."""
    pred = _outputs(net, x).argmax(dim=1)
    index = labels.flatten() * n_classes + pred.flatten()
    matrix = torch.bincount(index, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    accuracy = float(matrix.diagonal().sum()) / max(int(matrix.sum()), 1)
    return ProbeResult("confusion", None, {"accuracy": accuracy}, {"matrix": matrix.float().cpu()})


def tiled(x: torch.Tensor, tiles: int) -> torch.Tensor:
    """Scenes [N, ..., H, W] laid tiles x tiles to one: [N // tiles^2, ..., tiles H, tiles W]."""
    n = len(x) // tiles**2 * tiles**2
    rows = x[:n].reshape(-1, tiles, tiles, *x.shape[1:])  # [M, ty, tx, ..., H, W]
    rows = torch.cat(rows.unbind(2), dim=-1)  # across: [M, ty, ..., H, tx W]
    return torch.cat(rows.unbind(1), dim=-2)  # down: [M, ..., ty H, tx W]


def segmentation_masks(
    net: Network, x: torch.Tensor, labels: torch.Tensor, n_classes: int, k: int = 4
) -> ProbeResult:
    """Predicted masks beside the true ones for k images, and per-class IoU over the whole set."""
    pred = _outputs(net, x).argmax(dim=1)  # [N, H, W]
    if pred.shape != labels.shape:
        raise ValueError(
            f"the network answers {list(pred.shape[1:])} for scenes of {list(labels.shape[1:])}: "
            "only a fully convolutional network keeps the scene's size"
        )
    ious: list[float | None] = []
    for c in range(n_classes):
        inter = int(((pred == c) & (labels == c)).sum())
        union = int(((pred == c) | (labels == c)).sum())
        ious.append(inter / union if union else None)
    present = [v for v in ious if v is not None]
    meta = {
        "iou": ious,
        "mean_iou": sum(present) / len(present) if present else None,
        "image_size": int(labels.shape[-1]),
    }
    arrays = {
        "images": x[:k].float().cpu(),
        "pred": pred[:k].to(torch.uint8).cpu(),
        "true": labels[:k].to(torch.uint8).cpu(),
    }
    return ProbeResult("segmentation", None, meta, arrays)
