"""What a hard crash loses: a run trains, the server and its worker are SIGKILLed, a new
server resumes it. Printed: the steps reported before the kill, the step it resumes at
(its last checkpoint) and the training time in between, for kills at 5 s and at 40 s.

Run: `.venv/bin/python bench/kill_loss.py [--preset spiral-mlp --at 5 40]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import tempfile
import time
from collections.abc import Callable

from serverbench import ServerProcess, load_average, preset_run


def _wait(check: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `check()` until it is true; RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill_at(preset: str, seconds: float, data_dir: Path) -> dict[str, float]:
    """Train `seconds` of wall-clock, kill everything, restart: what the run kept."""
    with ServerProcess(data_dir=data_dir) as first:
        client = first.client
        run_id = client.create_run(preset_run(preset))["id"]
        client.control(run_id, "start")
        _wait(lambda: client.run(run_id)["step"] > 0, 60, "the first steps")
        time.sleep(seconds)
        before = client.run(run_id)
        rows = client.metrics(run_id)
        first.kill()
    train_s = rows[-1]["wall_s"] if rows else 0.0
    with ServerProcess(data_dir=data_dir) as second:
        after = second.client.run(run_id)
    speed = before["step"] / train_s if train_s else float("nan")
    lost = before["step"] - after["step"]
    return {
        "at_s": seconds,
        "step": before["step"],
        "resumed": after["step"],
        "lost": lost,
        "lost_s": lost / speed if speed else float("nan"),
        "status": after["status"] == "paused",
    }


def main(argv: list[str] | None = None) -> int:
    """Print one line per kill time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--preset", default="spiral-mlp")
    parser.add_argument("--at", type=float, nargs="+", default=[5.0, 40.0])
    args = parser.parse_args(argv)
    print(f"kill -9 of server and worker, {args.preset}, checkpoints every 5 s ({load_average()})")
    print(f"{'kill at':>8} {'step':>8} {'resumed':>8} {'lost':>7} {'lost (s)':>9}  resumable")
    for seconds in args.at:
        with tempfile.TemporaryDirectory(prefix="layerlab-kill-") as tmp:
            r = kill_at(args.preset, seconds, Path(tmp))
        print(
            f"{r['at_s']:>7.0f}s {r['step']:>8.0f} {r['resumed']:>8.0f} {r['lost']:>7.0f} "
            f"{r['lost_s']:>9.2f}  {'yes' if r['status'] else 'no'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
