"""Uploaded datasets on disk: `<data_dir>/uploads/<id>/`, written whole or not at all."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.datasets.base import Task
from models.datasets.uploads.checks import Kind, Parsed, UploadError

UPLOAD_PREFIX = "upload-"
FOLDER = "uploads"
META, X, Y = "meta.json", "x.npy", "y.npy"
ID = re.compile(r"[0-9a-f]{12}")
STAGING = ".staging-"
STALE_S = 3600.0  # a staging folder this old was left by a server that died mid-write

Array = np.ndarray[Any, Any]


class UploadMeta(BaseModel):
    """What an uploaded dataset is (meta.json beside its arrays)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str = Field(description="The uploaded file's name.")
    kind: Kind
    task: Task
    input_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    class_names: list[str]
    n_samples: int
    features: list[str] | None = None
    label: str | None = None
    created_at: datetime
    owner: dict[str, str | None] = Field(
        default_factory=dict, description="Whose it is, in the caller's words (opaque here)."
    )

    @property
    def name(self) -> str:
        """The dataset's name in runs and the registry."""
        return UPLOAD_PREFIX + self.id

    @property
    def description(self) -> str:
        """One line for the data panel."""
        if self.kind == "csv":
            shown = ", ".join((self.features or [])[:4])
            more = "…" if len(self.features or []) > 4 else ""
            return f"Uploaded {self.title}: {self.n_samples} rows, {shown}{more} → {self.label}."
        what = "image and mask pairs" if self.kind == "segmentation" else "images"
        return f"Uploaded {self.title}: {self.n_samples} {what}."


def upload_id(name: str) -> str | None:
    """The id in an uploaded dataset's name (`upload-<id>`), or None for any other name."""
    if not isinstance(name, str) or not name.startswith(UPLOAD_PREFIX):
        return None
    rest = name[len(UPLOAD_PREFIX) :]
    return rest if ID.fullmatch(rest) else None


def uploads_root(data_dir: Path) -> Path:
    """The folder uploads live in."""
    return data_dir / FOLDER


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the uploads folder's lock (across processes) while it changes."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sweep(root: Path) -> None:
    """Remove staging folders a crashed writer left behind."""
    now = time.time()
    for path in root.glob(STAGING + "*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > STALE_S:
                shutil.rmtree(path, ignore_errors=True)


def read_meta(data_dir: Path, dataset_id: str) -> UploadMeta | None:
    """The meta of one upload, or None if there is none (or it cannot be read)."""
    if ID.fullmatch(dataset_id) is None:
        return None
    try:
        text = (uploads_root(data_dir) / dataset_id / META).read_text(encoding="utf-8")
        return UploadMeta.model_validate_json(text)
    except (OSError, ValidationError, ValueError):
        return None


def list_uploads(data_dir: Path) -> list[UploadMeta]:
    """Every stored upload, oldest first."""
    root = uploads_root(data_dir)
    if not root.is_dir():
        return []
    found = [read_meta(data_dir, p.name) for p in root.iterdir() if ID.fullmatch(p.name)]
    return sorted((m for m in found if m is not None), key=lambda m: (m.created_at, m.id))


def _write(folder: Path, parsed: Parsed, meta: UploadMeta) -> None:
    """The arrays and meta into a folder, each flushed to disk."""
    for name, array in ((X, parsed.x), (Y, parsed.y)):
        with (folder / name).open("wb") as f:
            np.save(f, np.ascontiguousarray(array), allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
    with (folder / META).open("w", encoding="utf-8") as f:
        f.write(meta.model_dump_json(indent=1))
        f.flush()
        os.fsync(f.fileno())


def save_upload(
    data_dir: Path,
    parsed: Parsed,
    title: str,
    owner: dict[str, str | None] | None = None,
    *,
    max_uploads: int | None = None,
    max_class_uploads: int | None = None,
) -> UploadMeta:
    """Store a parsed upload under a new id: written in a staging folder, then renamed."""
    root = uploads_root(data_dir)
    with _locked(root):
        _sweep(root)
        kept = list_uploads(data_dir)
        if max_uploads is not None and len(kept) >= max_uploads:
            raise UploadError(
                "file", f"this server keeps at most {max_uploads} uploaded datasets; delete one"
            )
        # One class must not use up the whole server's room for everyone else's.
        class_id = (owner or {}).get("class_id")
        theirs = [m for m in kept if class_id is not None and m.owner.get("class_id") == class_id]
        if max_class_uploads is not None and len(theirs) >= max_class_uploads:
            raise UploadError(
                "file",
                f"this server keeps at most {max_class_uploads} uploaded datasets per class; "
                "delete one of the class's",
            )
        dataset_id = uuid.uuid4().hex[:12]
        while (root / dataset_id).exists():  # 48 random bits: a clash is astronomically rare
            dataset_id = uuid.uuid4().hex[:12]
        target_shape = tuple(parsed.y.shape[1:])
        meta = UploadMeta(
            id=dataset_id,
            title=title[:200],
            kind=parsed.kind,
            task=parsed.task,
            input_shape=tuple(parsed.x.shape[1:]),
            target_shape=target_shape,
            class_names=parsed.class_names,
            n_samples=parsed.n_samples,
            features=parsed.features,
            label=parsed.label,
            created_at=datetime.now(UTC),
            owner=owner or {},
        )
        staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=root))
        try:
            _write(staging, parsed, meta)
            staging.rename(root / dataset_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return meta


def delete_upload(data_dir: Path, dataset_id: str) -> bool:
    """Remove an upload (renamed away first, so that it vanishes at once); False if none."""
    root = uploads_root(data_dir)
    if ID.fullmatch(dataset_id) is None or not (root / dataset_id).is_dir():
        return False
    with _locked(root):
        gone = root / f"{STAGING}{dataset_id}-deleted"
        try:
            (root / dataset_id).rename(gone)
        except FileNotFoundError:
            return False
        shutil.rmtree(gone, ignore_errors=True)
    return True


def load_arrays(data_dir: Path | None, dataset_id: str) -> tuple[Array, Array]:
    """An upload's inputs and targets as stored; FileNotFoundError if they are not there."""
    if data_dir is None:
        raise FileNotFoundError("no data directory")
    folder = uploads_root(data_dir) / dataset_id
    try:
        return np.load(folder / X, allow_pickle=False), np.load(folder / Y, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(f"{folder}: {exc}") from None
