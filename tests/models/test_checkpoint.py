"""Checkpoints: a resumed trainer continues exactly where it stopped."""

from __future__ import annotations

from pathlib import Path

import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.train import Trainer
from tests.models.helpers import chain


def test_resume_from_file_is_exact(tmp_path: Path) -> None:
    spec = chain(
        ("linear", {"out_features": 8}),
        ("batchnorm", {}),
        ("dropout", {"p": 0.2}),
        ("relu", {}),
        ("linear", {"out_features": 2}),
    )
    for optimizer in ("sgd", "adam", "rmsprop"):
        cfg = {"optimizer": optimizer, "momentum": 0.5 if optimizer != "adam" else 0.0, "seed": 4}
        straight = Trainer(spec, "moons", cfg)
        straight.step(50, evaluate=False)
        first = Trainer(spec, "moons", cfg)
        first.step(20, evaluate=False)
        path = tmp_path / optimizer / "ckpt.safetensors"
        save_checkpoint(first, path)
        second = Trainer(spec, "moons", cfg)
        load_checkpoint(second, path)
        assert second.step_count == 20
        second.step(30, evaluate=False)
        for a, b in zip(
            straight.model.state_dict().values(), second.model.state_dict().values(), strict=True
        ):
            assert torch.equal(a, b)
        assert not list(path.parent.glob("*.tmp"))
