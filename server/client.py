"""A small Python client for a LayerLab server: create runs, control them, stream metrics."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from websockets.sync.client import connect

from server.frames import decode_frame


class ApiError(Exception):
    """The server refused a request: HTTP status, its detail and the contract's errors list."""

    def __init__(
        self, status: int, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        self.status = status
        self.detail = detail
        self.errors = errors or []
        lines = "; ".join(
            f"{e.get('node') or e.get('field') or 'run'}: {e.get('message')}" for e in self.errors
        )
        super().__init__(f"HTTP {status}: {detail}{' - ' + lines if lines else ''}")


class LayerLabClient:
    """REST calls and the live stream of one LayerLab server."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        timeout: float = 30.0,
        token: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token  # a class member's token, sent as a bearer header

    def fetch(self, method: str, path: str, body: Any = None) -> tuple[bytes, dict[str, str]]:
        """One request: the answer's body and headers; ApiError on a 4xx/5xx answer."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                info = json.loads(payload)
            except ValueError:
                info = {"detail": payload.decode(errors="replace")}
            detail = info.get("detail")
            raise ApiError(
                exc.code,
                detail if isinstance(detail, str) else json.dumps(detail),
                info.get("errors"),
            ) from exc

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One JSON request; ApiError on a 4xx/5xx answer."""
        raw, _ = self.fetch(method, path, body)
        return json.loads(raw) if raw else None

    # --- registries and validation ------------------------------------------

    def health(self) -> dict[str, Any]:
        """Server status, device and version."""
        result: dict[str, Any] = self.request("GET", "/api/health")
        return result

    def validate(
        self, network: dict[str, Any], dataset: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Shapes, sizes, receptive fields and errors of a spec (with a dataset's input shape)."""
        body = network if dataset is None else {"network": network, "dataset": dataset}
        result: dict[str, Any] = self.request("POST", "/api/networks/validate", body)
        return result

    # --- runs ------------------------------------------------------------------

    def create_run(self, run: dict[str, Any]) -> dict[str, Any]:
        """Create a run from a body {name, network, dataset, training, device}."""
        result: dict[str, Any] = self.request("POST", "/api/runs", run)
        return result

    def run(self, run_id: str) -> dict[str, Any]:
        """One run's record."""
        result: dict[str, Any] = self.request("GET", f"/api/runs/{run_id}")
        return result

    def runs(self) -> list[dict[str, Any]]:
        """Every run."""
        result: list[dict[str, Any]] = self.request("GET", "/api/runs")
        return result

    def export(self, run_id: str, fmt: str = "spec") -> tuple[bytes, str]:
        """A run as a file (`fmt`: spec, safetensors or report): its bytes and suggested name."""
        query = urllib.parse.urlencode({"format": fmt})
        raw, headers = self.fetch("GET", f"/api/runs/{run_id}/export?{query}")
        disposition = {k.lower(): v for k, v in headers.items()}.get("content-disposition", "")
        name = (
            disposition.split('filename="', 1)[-1].rstrip('"') if "filename=" in disposition else ""
        )
        # Only a file name, never a path: the server's suggestion must not lead elsewhere.
        return raw, Path(name).name or f"{run_id}.{fmt}"

    def delete(self, run_id: str) -> None:
        """Delete a run."""
        self.request("DELETE", f"/api/runs/{run_id}")

    def control(self, run_id: str, action: str, n: int | None = None) -> dict[str, Any]:
        """start, pause, resume, stop, or step (with n)."""
        body = {"n": n} if action == "step" and n is not None else None
        result: dict[str, Any] = self.request("POST", f"/api/runs/{run_id}/{action}", body)
        return result

    def update_training(self, run_id: str, **changes: Any) -> dict[str, Any]:
        """Change lr, momentum, nesterov, weight_decay, batch_size or max_steps while it runs."""
        result: dict[str, Any] = self.request("PATCH", f"/api/runs/{run_id}/training", changes)
        return result

    def metrics(self, run_id: str, since: int | None = None) -> list[dict[str, Any]]:
        """The stored metric history (rows after step `since`)."""
        query = "" if since is None else f"?since={since}"
        result: list[dict[str, Any]] = self.request("GET", f"/api/runs/{run_id}/metrics{query}")
        return result

    def wait_for_status(
        self, run_id: str, statuses: Iterable[str], timeout: float = 60.0
    ) -> dict[str, Any]:
        """Poll until the run reaches one of the statuses; TimeoutError otherwise."""
        wanted = set(statuses)
        deadline = time.monotonic() + timeout
        while True:
            record = self.run(run_id)
            if record["status"] in wanted:
                return record
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} is {record['status']}, not {sorted(wanted)}")
            time.sleep(0.05)

    # --- the stream ------------------------------------------------------------

    def stream(
        self,
        run_id: str,
        topics: Iterable[str] = ("metrics",),
        *,
        max_hz: float = 10.0,
        since: int | None = None,
        timeout: float | None = None,
    ) -> Iterator[dict[str, Any] | tuple[dict[str, Any], np.ndarray[Any, Any]]]:
        """Frames as they come: JSON frames as dicts, tensor frames as (header, array)."""
        url = "ws" + self.base_url[len("http") :] + f"/api/runs/{run_id}/stream"
        with connect(url, open_timeout=self.timeout, max_size=32 * 1024 * 1024) as ws:
            message: dict[str, Any] = {
                "type": "subscribe",
                "topics": list(topics),
                "max_hz": max_hz,
            }
            if since is not None:
                message["since"] = since
            ws.send(json.dumps(message))
            while True:
                data = ws.recv(timeout=timeout)
                yield decode_frame(data) if isinstance(data, bytes) else json.loads(data)

    def stream_metrics(
        self, run_id: str, since: int = -1, timeout: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """Metric rows in step order, history first, each step once; ends when the run ends."""
        last = since
        for frame in self.stream(run_id, ("metrics",), max_hz=20.0, since=since, timeout=timeout):
            if isinstance(frame, tuple):
                continue
            if frame.get("type") == "metrics":
                for row in frame["rows"]:
                    if row["step"] > last:
                        last = row["step"]
                        yield row
            elif frame.get("type") == "status" and frame.get("status") in (
                "completed",
                "stopped",
                "failed",
            ):
                # The stream may end before every row reached it (a run that ended before
                # we connected, or rows still batched): the stored history has them all.
                yield from (row for row in self.metrics(run_id, since=last) if row["step"] > last)
                return
