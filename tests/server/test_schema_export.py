"""The committed contract documents match what the server describes (else: `make types`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.schema_export import DOCUMENTS, documents, frames_document

GENERATED = Path(__file__).resolve().parents[2] / "frontend" / "src" / "api" / "generated"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_committed_documents_are_current(name: str) -> None:
    committed = (GENERATED / name).read_text(encoding="utf-8")
    assert committed == documents()[name], f"{name} is stale: run `make types`"


def test_frames_document_holds_every_message_and_both_unions() -> None:
    defs = frames_document()["$defs"]
    messages = ("Subscribe", "Unsubscribe", "Control", "StatusFrame", "MetricsFrame", "ErrorFrame")
    for name in messages:
        assert defs[name]["properties"]["type"]["const"] == name.lower().removesuffix("frame")
    for union, members in (
        ("ClientMessage", {"subscribe", "unsubscribe", "control"}),
        ("ServerFrame", {"status", "metrics", "error"}),
    ):
        assert set(defs[union]["discriminator"]["mapping"]) == members
    json.dumps(defs)  # plain JSON all the way down
