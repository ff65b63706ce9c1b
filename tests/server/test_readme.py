"""The README's API examples (curl and Python) work, word for word, against a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.servers import ROOT, Server, ServerPool, wait_for

SECTION = "## The API in brief"
# Where the examples wait until the README has the section.
FALLBACK = Path(__file__).with_name("readme_examples.md")
BASE_URL = "http://127.0.0.1:8000"


def examples() -> dict[str, str]:
    """The first ```sh and ```python blocks of the README's API section (or of the fallback)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if SECTION in readme:
        text = readme.split(SECTION, 1)[1]
        text = re.split(r"^## ", text, maxsplit=1, flags=re.MULTILINE)[0]
    else:
        assert FALLBACK.exists(), f"README.md has no '{SECTION}' section and {FALLBACK} is missing"
        text = FALLBACK.read_text(encoding="utf-8")
    blocks: dict[str, str] = {}
    for lang, body in re.findall(r"^```(\w+)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        blocks.setdefault(lang, body)
    assert {"sh", "python"} <= set(blocks), f"the API examples need a sh and a python block: {text}"
    for lang in ("sh", "python"):
        assert BASE_URL in blocks[lang], f"the {lang} example should talk to {BASE_URL}"
    return blocks


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with ServerPool(tmp_path_factory.mktemp("readme")) as pool:
        yield pool.start()


def json_documents(text: str) -> list[Any]:
    """Consecutive JSON values in text (curl prints its answers without newlines)."""
    decoder, i = json.JSONDecoder(), 0
    out: list[Any] = []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        value, i = decoder.raw_decode(text, i)
        out.append(value)


def test_curl_example(server: Server, tmp_path: Path) -> None:
    script = "set -euo pipefail\n" + examples()["sh"].replace(BASE_URL, server.url)
    done = subprocess.run(
        ["bash", "-c", script],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    answers = json_documents(done.stdout)
    records = [a for a in answers if isinstance(a, dict)]
    histories = [a for a in answers if isinstance(a, list)]
    assert records and histories, done.stdout
    assert all("detail" not in r for r in records), records  # no refusal on the way
    run_id = records[0]["id"]
    for rows in histories:
        steps = [r["step"] for r in rows]
        assert steps == sorted(set(steps))
    client = server.client()
    wait_for(lambda: client.run(run_id)["status"] == "stopped", 60, "the run to stop")
    assert client.run(run_id)["config"]["dataset"]["name"] == "spiral"


def test_python_example(server: Server, tmp_path: Path) -> None:
    code = examples()["python"].replace(BASE_URL, server.url)
    before = {r["id"] for r in server.client().runs()}
    path = tmp_path / "example.py"
    path.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path)],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    client = server.client()
    new = [r for r in client.runs() if r["id"] not in before]
    assert len(new) == 1, new
    run_id = new[0]["id"]
    record = wait_for(
        lambda: (r := client.run(run_id))["status"] in ("stopped", "completed") and r,
        60,
        "the example's run to stop",
    )
    accuracies = [r["test_acc"] for r in client.metrics(run_id) if r["test_acc"] is not None]
    assert max(accuracies) >= 0.9, accuracies[-5:]
    assert record["step"] > 0
    assert done.stdout.strip(), "the example reports what it saw"
