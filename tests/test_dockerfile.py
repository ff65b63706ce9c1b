"""The Dockerfile builds with the make targets CI runs, and serves as the classroom needs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rules() -> dict[str, list[str]]:
    """The Makefile's rules: target -> what it depends on (variables written out)."""
    text = (ROOT / "Makefile").read_text()
    names = {"$(VENV)": ".venv", "$(FRONTEND)": "frontend"}
    rules: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^([^\s#=:][^=:]*?):(?!=)\s*(.*)$", line)
        if match is None:
            continue
        target, deps = match.groups()
        for var, value in names.items():
            target, deps = target.replace(var, value), deps.replace(var, value)
        rules[target.strip()] = deps.split()
    return rules


def _needed_by(goal: str, rules: dict[str, list[str]]) -> set[str]:
    """Every target `make goal` builds on the way."""
    seen: set[str] = set()
    todo = [goal]
    while todo:
        target = todo.pop()
        if target in seen:
            continue
        seen.add(target)
        todo.extend(rules.get(target, []))
    return seen


def test_every_make_step_of_the_image_is_a_target_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    built = _needed_by("test", _rules())
    steps = re.findall(r"^RUN make (\S+)\s*$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert steps, "the image builds with make"
    assert {"install", "frontend-build"} <= set(steps)
    for step in steps:
        assert step in built, f"`make {step}` in the Dockerfile is not a step of `make test`"


def test_the_image_is_built_in_stages_and_serves_the_classroom_as_a_plain_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) >= 2  # Node builds, Python serves
    assert "COPY --from=page /app/frontend/dist frontend/dist" in text
    user = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r'^VOLUME \["/data"\]$', text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*/api/health", text, re.MULTILINE)
    command = re.findall(r"^CMD (.*)$", text, re.MULTILINE)[-1]
    assert '"serve", "--host", "0.0.0.0"' in command and '"--data-dir", "/data"' in command
