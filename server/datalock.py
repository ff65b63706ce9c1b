"""One server per data directory: an exclusive lock taken before anything in it is touched."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".layerlab.lock"


class DataDirBusyError(RuntimeError):
    """Another LayerLab server holds the data directory."""


class DataDirLock:
    """An exclusive lock on a data directory, held while the server runs.

    The kernel drops it when the process ends, however it ends, so a killed server
    never leaves the directory locked. The file holds the holder's process id.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or DataDirBusyError naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise DataDirBusyError(
                f"the data directory {self.path.parent} is in use by another LayerLab server "
                f"(process {holder}); stop it, or start this one with another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def acquire_and_release(self) -> None:
        """Whether the lock could be had now (DataDirBusyError if not); it is not kept."""
        self.acquire()
        self.release()

    def release(self) -> None:
        """Give the lock up (idempotent)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
