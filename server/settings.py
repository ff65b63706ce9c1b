"""Server settings: flags, LAYERLAB_* environment variables, and embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.guard import ANY_HOST

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


class Limits(BaseSettings):
    """Bounds that keep one user from exhausting the server."""

    model_config = SettingsConfigDict(env_prefix="LAYERLAB_LIMIT_")

    max_params: int = Field(5_000_000, ge=1, description="Parameters per network.")
    max_runs: int = Field(
        64, ge=1, description="Runs that may be queued, running or paused at once."
    )
    max_member_runs: int = Field(
        6,
        ge=1,
        description="Of those, one class member's (a comparison lesson trains up to five).",
    )
    max_join_failures: int = Field(
        20, ge=1, description="Joins with an unknown code one address may try per minute."
    )
    max_steps: int = Field(1_000_000, ge=1, description="max_steps of one run.")
    max_classes: int = Field(100, ge=1, description="Classes open at once (not ended).")
    max_members: int = Field(200, ge=2, description="Members of one class, teacher included.")
    max_batch_size: int = Field(
        4096,
        ge=1,
        description="Batch size of one run (what a step may cost is bounded on its own).",
    )
    max_samples: int = Field(60_000, ge=1, description="Training samples of one run.")
    max_metrics_rows: int = Field(4000, ge=100, description="Stored rows per run before thinning.")
    max_step_bytes: int = Field(
        2_000_000_000,
        ge=1_000_000,
        description="Estimated memory of one training step (activations, gradients, weights).",
    )
    max_step_s: float = Field(
        5.0, gt=0, description="Estimated seconds of one training step on this device."
    )
    max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Bytes of one request body (413 above)."
    )
    max_upload_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1024,
        description="Bytes of one uploaded file (POST /api/datasets; 422 above); its request "
        "may be this plus 1 MiB of form.",
    )
    max_unzipped_bytes: int = Field(
        256 * 1024 * 1024,
        ge=1024,
        description="Bytes a zip upload may unpack to, as declared and as read (a zip bomb "
        "is refused).",
    )
    max_upload_samples: int = Field(
        60_000, ge=10, description="Samples (CSV rows, images) of one uploaded dataset."
    )
    max_image_pixels: int = Field(
        4096 * 4096, ge=64, description="Pixels of one image in a zip upload, before resizing."
    )
    max_decoded_pixels: int = Field(
        16 * 4096 * 4096,
        ge=64,
        description="Pixels of all the images of one zip upload together, as decoded "
        "(before resizing): what bounds the time an upload takes.",
    )
    max_upload_values: int = Field(
        50_000_000,
        ge=1000,
        description="Numbers one uploaded dataset holds: rows times feature columns, or "
        "images times channels times pixels after resizing.",
    )
    max_uploads: int = Field(100, ge=1, description="Uploaded datasets kept at once.")
    max_class_uploads: int = Field(
        20, ge=1, description="Uploaded datasets one class keeps at once (its members together)."
    )
    watchdog_s: float = Field(
        60.0,
        gt=0,
        description="Seconds one slice of training (at least one step) may run before the "
        "worker is restarted: that run fails, the others come back from their checkpoints.",
    )
    max_worker_bytes: int | None = Field(
        None,
        ge=100_000_000,
        description="Memory the CPU worker may allocate; past it the allocating run fails, not "
        "the worker. By default three quarters of the machine's memory.",
    )

    def worker_bytes(self) -> int | None:
        """The worker's memory cap: the setting, or 3/4 of physical memory where known."""
        if self.max_worker_bytes is not None:
            return self.max_worker_bytes
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            return None
        return total * 3 // 4


class Settings(BaseSettings):
    """Everything the server reads at start-up."""

    model_config = SettingsConfigDict(env_prefix="LAYERLAB_")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    data_dir: Path = Field(Path("data"), description="SQLite database, checkpoints, datasets.")
    device: str = Field("auto", description="auto, cpu, cuda or cuda:N.")
    slice_s: float = Field(0.05, gt=0, le=5, description="Worker time slice per run, seconds.")
    fuse: bool = Field(
        True,
        description="Runs of one network, dataset, optimizer and batch size train as one "
        "stacked step (a class's copies of one lesson); false: each steps alone.",
    )
    cuda_graphs: bool = Field(
        True,
        description="On CUDA, capture each run's (or group's) whole step in a CUDA graph and "
        "replay it; false: every step is eager.",
    )
    backend: Literal["local", "ray"] = Field(
        "local",
        description="local: one worker process beside the server; ray: workers as Ray actors, "
        "one per GPU (or per node), runs placed on the least loaded (pip install '.[ray]').",
    )
    ray_address: str | None = Field(
        None, description="The Ray cluster to join (ray://host:port); none: start a local one."
    )
    ray_actors: int = Field(
        0, ge=0, le=64, description="Ray actors to run; 0: one per GPU, or one per node."
    )
    metrics_hz: float = Field(20.0, gt=0, le=200, description="Metric rows per second per run.")
    eval_hz: float = Field(
        2.0, gt=0, le=100, description="Test evaluations per second of a run's training time."
    )
    checkpoint_s: float = Field(
        5.0,
        gt=0,
        description="Seconds of training between a run's checkpoints (a crash loses at most "
        "about this much); it also checkpoints when it starts.",
    )
    torch_threads: int = Field(
        0, ge=0, description="Worker's torch threads; 0 picks one per run's share."
    )
    idle_pause_s: float = Field(
        600.0,
        ge=0,
        description="Seconds a running run may go unwatched (no stream viewer, no REST read "
        "of it) before it pauses by itself, with a note; 0: never.",
    )
    stream_stall_s: float = Field(
        30.0,
        gt=0,
        description="Seconds a stream viewer may leave its frames unread (its socket full) "
        "before the server drops the connection.",
    )
    limits: Limits = Field(default_factory=Limits)
    allowed_hosts: list[str] | None = Field(
        None,
        description="Host names the server answers to (a guard against DNS rebinding); by "
        "default 127.0.0.1, localhost, [::1] and the --host it binds; '*' for any (the "
        "default when it binds every interface).",
    )
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:5173", "http://127.0.0.1:5173"],
        description="Origins (scheme://host:port) besides the server's own whose pages may "
        "change state or open streams; by default the frontend's dev server.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins answered with CORS headers; none by default."
    )

    def hosts(self) -> list[str]:
        """The Host names answered to."""
        if self.allowed_hosts is not None:
            return self.allowed_hosts
        if self.host in WILDCARD_HOSTS:
            return [ANY_HOST]
        bound = f"[{self.host}]" if ":" in self.host else self.host
        return list(dict.fromkeys([*LOCAL_HOSTS, bound.lower()]))
