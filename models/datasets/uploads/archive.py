"""A zip upload read safely: no path out of its folder, no link, and no more bytes than allowed."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from typing import BinaryIO

from models.datasets.uploads.checks import UploadError, UploadLimits

CHUNK = 1 << 16
# Stored and deflate: what every zip tool writes by default, and what is read here.
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
JUNK_FOLDERS = ("__MACOSX",)  # what macOS's Compress adds beside the files
JUNK_FILES = ("thumbs.db", "desktop.ini")  # what Windows leaves in picture folders
DRIVE = re.compile(r"^[A-Za-z]:")


def _safe_name(raw: str) -> tuple[str, ...]:
    """The parts of a member's path, or UploadError if it leaves the zip's folder."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or DRIVE.match(name):
        raise UploadError("file", f"the zip holds {raw!r}, an absolute path: refused")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise UploadError("file", f"the zip holds {raw!r}, a path outside its folder: refused")
    return parts


def _is_junk(parts: tuple[str, ...]) -> bool:
    """Files the system that made the zip added (resource forks, thumbnails, dot files)."""
    return (
        parts[0] in JUNK_FOLDERS
        or any(p.startswith(".") for p in parts)
        or parts[-1].lower() in JUNK_FILES
    )


class ZipFolder:
    """The files of a zip upload by their path (a common top folder dropped), read within bounds."""

    def __init__(self, source: BinaryIO, limits: UploadLimits, depth: int) -> None:
        self.limits = limits
        self.remaining = limits.max_unzipped_bytes
        try:
            self.zip = zipfile.ZipFile(source)
            infos = self.zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise UploadError("file", f"the file is not a readable zip archive ({exc})") from None
        if len(infos) > limits.max_members:
            raise UploadError(
                "file", f"the zip holds {len(infos):,} entries; at most {limits.max_members:,}"
            )
        files: dict[tuple[str, ...], zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            parts = _safe_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UploadError("file", f"the zip holds {info.filename!r}, a link: refused")
            if not parts or info.is_dir() or _is_junk(parts):  # no name: is_dir would fail
                continue
            if info.flag_bits & 0x1:
                raise UploadError("file", f"{info.filename!r} is encrypted; upload a plain zip")
            if info.compress_type not in COMPRESSIONS:
                raise UploadError(
                    "file",
                    f"{info.filename!r} is compressed in a way this server does not unpack "
                    f"(method {info.compress_type}); zip it plainly (deflate)",
                )
            if parts in files:
                raise UploadError("file", f"the zip holds {info.filename!r} twice")
            declared += info.file_size
            files[parts] = info
        if declared > limits.max_unzipped_bytes:
            raise UploadError(
                "file",
                f"the zip unpacks to {declared:,} bytes; this server unpacks at most "
                f"{limits.max_unzipped_bytes:,}",
            )
        # A folder zipped whole puts everything under its own name: look inside it.
        while files and all(len(p) > depth for p in files) and len({p[0] for p in files}) == 1:
            files = {p[1:]: info for p, info in files.items()}
        self.files = files

    def close(self) -> None:
        """Close the archive."""
        self.zip.close()

    def name(self, parts: tuple[str, ...]) -> str:
        """A member's path as the zip names it."""
        return self.files[parts].filename

    def read(self, parts: tuple[str, ...]) -> bytes:
        """One member's bytes, reading no more than it declares or the zip's budget has left."""
        info = self.files[parts]
        allowed = min(info.file_size, self.remaining)
        chunks: list[bytes] = []
        got = 0
        try:
            with self.zip.open(info) as member:
                # Never trust the header alone: read in chunks, and stop one byte past it.
                while got <= allowed:
                    chunk = member.read(min(CHUNK, allowed + 1 - got))
                    if not chunk:
                        break
                    got += len(chunk)
                    chunks.append(chunk)
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            EOFError,
            ValueError,
            RuntimeError,
            NotImplementedError,
        ) as exc:  # a damaged zip raises any of these
            raise UploadError("file", f"cannot unpack {info.filename!r} ({exc})") from None
        if got > allowed:
            if got > info.file_size:
                raise UploadError(
                    "file",
                    f"{info.filename!r} unpacks to more than the {info.file_size:,} bytes it "
                    "declares: refused (a zip bomb, or a corrupt zip)",
                )
            raise UploadError(
                "file",
                f"the zip unpacks to more than {self.limits.max_unzipped_bytes:,} bytes: refused",
            )
        self.remaining -= got
        return b"".join(chunks)
