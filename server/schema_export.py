"""Writes the contract's machine-readable documents, from which the page's types are generated.

`python -m server.schema_export DIR` writes DIR/openapi.json (the REST API) and
DIR/frames.schema.json (the stream's JSON messages); `make types` runs it, then the
frontend's generator. Tests fail when the committed files differ from these.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from server.app import create_app
from server.messages import CLIENT_MESSAGES, SERVER_FRAMES

DOCUMENTS = ("openapi.json", "frames.schema.json")


def openapi_document() -> dict[str, Any]:
    """The server's OpenAPI document."""
    return create_app().openapi()


def frames_document() -> dict[str, Any]:
    """One JSON Schema whose $defs hold every stream message and the two unions."""
    template = "#/$defs/{model}"
    defs: dict[str, Any] = {}
    # What the server accepts from viewers, and what it sends them.
    unions: tuple[tuple[str, TypeAdapter[Any], JsonSchemaMode], ...] = (
        ("ClientMessage", CLIENT_MESSAGES, "validation"),
        ("ServerFrame", SERVER_FRAMES, "serialization"),
    )
    for name, adapter, mode in unions:
        schema = adapter.json_schema(ref_template=template, mode=mode)
        defs |= schema.pop("$defs", {})
        defs[name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "LayerLab stream frames",
        "$defs": defs,
    }


def render(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, a final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def documents() -> dict[str, str]:
    """Each document's file name and text."""
    return {
        "openapi.json": render(openapi_document()),
        "frames.schema.json": render(frames_document()),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the documents into the folder given (default: the frontend's generated folder)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("frontend/src/api/generated")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
