"""Writes the layer reference (docs/layers.md) from the registry: `python -m models.layers.docs`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from models.layers.base import CATEGORIES
from models.layers.registry import LAYERS


def _param_line(name: str, schema: dict[str, Any], required: bool) -> str:
    """One param as a markdown table row."""
    default = "required" if required else f"`{json.dumps(schema.get('default'))}`"
    return f"| `{name}` | {default} | {schema.get('description', '')} |"


def render() -> str:
    """The whole reference as markdown."""
    lines = [
        "# Layer reference",
        "",
        "Generated from the layer registry (`models/layers/`) by `python -m models.layers.docs`;",
        "the palette, validation and the builder read the same entries. Input sizes",
        "(`in_features`, `in_channels`, `num_features`) are always inferred.",
        "",
    ]
    for category in CATEGORIES:
        lines += [f"## {category.capitalize()}", ""]
        for layer in (entry for entry in LAYERS.values() if entry.category == category):
            arity = (
                ""
                if layer.max_inputs == 1
                else (
                    " Takes no input."
                    if layer.max_inputs == 0
                    else f" Takes {layer.min_inputs} or more inputs."
                )
            )
            lines += [f"### `{layer.type}`", "", layer.doc + arity, ""]
            schema = layer.Params.model_json_schema()
            props = schema.get("properties", {})
            if props:
                lines += ["| param | default | meaning |", "| --- | --- | --- |"]
                required = set(schema.get("required", []))
                lines += [_param_line(name, spec, name in required) for name, spec in props.items()]
                lines.append("")
    return "\n".join(lines)


def main() -> int:
    """Write docs/layers.md beside the package (or print with --stdout)."""
    text = render()
    if "--stdout" in sys.argv:
        sys.stdout.write(text)
        return 0
    path = Path(__file__).resolve().parents[2] / "docs" / "layers.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
