"""Writes the lessons' guide (docs/lessons.md) from the lessons: `python -m models.lessons.docs`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from models.lessons import PRESETS


def _training(training: dict[str, Any]) -> str:
    """A run's training settings in one short phrase."""
    parts = [f"{training.get('optimizer', 'adam')} lr {training.get('lr', 0.01):g}"]
    for key, label in (("momentum", "momentum"), ("weight_decay", "weight decay")):
        if training.get(key):
            parts.append(f"{label} {training[key]:g}")
    if training.get("nesterov"):
        parts.append("Nesterov")
    parts.append(f"batch {training.get('batch_size', 32)}")
    if training.get("max_steps_per_s"):
        parts.append(f"{training['max_steps_per_s']:g} steps/s")
    return ", ".join(parts)


def _run_line(run: dict[str, Any]) -> str:
    """One run of a lesson: its name, layers, data and training."""
    layers = [n["type"] for n in run["network"]["nodes"] if n["type"] not in ("input", "output")]
    dataset = run["dataset"]["name"]
    params = run["dataset"]["params"]
    data = dataset + (f" ({', '.join(f'{k} {v}' for k, v in params.items())})" if params else "")
    return f"- **{run['name']}**: {len(layers)} layers on {data}; {_training(run['training'])}."


def render() -> str:
    """The whole guide as markdown, in the lecture's order."""
    lines = [
        "# Lessons",
        "",
        "Generated from the lessons (`models/lessons/`) by `python -m models.lessons.docs`.",
        "Each lesson loads its runs, opens its panels and shows its card beside the canvas;",
        "what it claims is tested on the real models (`tests/models/test_lessons*.py`).",
        "",
    ]
    group = None
    for name, preset in PRESETS.items():
        lesson = preset["lesson"]
        if lesson["group"] != group:
            group = lesson["group"]
            lines += [f"## {group}", ""]
        card = lesson["card"]
        runs = preset.get("runs") or [preset["run"]]
        lines += [
            f"### {lesson['order']}. {lesson['concept']}: {preset['title']}",
            "",
            f"`{name}`. {preset['doc']}",
            "",
            f"- Do: {card['do']}",
            f"- Watch: {card['watch']}",
            f"- Takeaway: {card['takeaway']}",
            f"- Ask: {card['question']}",
        ]
        if lesson["panels"]:
            lines.append("- Opens: " + ", ".join(f"`{p}`" for p in lesson["panels"]) + ".")
        lines += ["", "Runs, started together and compared:" if len(runs) > 1 else "The run:", ""]
        lines += [_run_line(run) for run in runs]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Write docs/lessons.md next to the package (or print it with `-`)."""
    text = render()
    if sys.argv[1:] == ["-"]:
        sys.stdout.write(text)
        return
    path = Path(__file__).resolve().parents[2] / "docs" / "lessons.md"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
