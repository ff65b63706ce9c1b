"""What a checkpoint costs: one digits-CNN run saved repeatedly, against one save per 5 s.

Run: `.venv/bin/python bench/checkpoint_cost.py [--repeats 20 --every 5]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import statistics
import tempfile
import time

import torch

from models.checkpoint import save_checkpoint
from models.presets import PRESETS
from models.train import Trainer


def main(argv: list[str] | None = None) -> int:
    """Print the median save time, the file's size and the share of training time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between checkpoints")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    run = PRESETS["digits-cnn"]["run"]
    trainer = Trainer(run["network"], run["dataset"]["name"], run["training"])
    trainer.step(20)  # optimizer state exists, as in a running run
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.safetensors"
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            save_checkpoint(trainer, path)
            times.append(time.perf_counter() - start)
        size = path.stat().st_size
    median = statistics.median(times)
    print(
        f"digits CNN checkpoint: {median * 1000:.2f} ms (median of {args.repeats}), "
        f"{size / 1000:.0f} kB; one every {args.every:g} s of training costs "
        f"{median / args.every:.3%} of it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
