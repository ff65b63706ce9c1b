"""Datasets people upload: a CSV table, a zip of class folders, or image and mask pairs."""

from models.datasets.uploads.checks import UploadError, UploadLimits
from models.datasets.uploads.parse import parse_upload
from models.datasets.uploads.store import (
    UPLOAD_PREFIX,
    UploadMeta,
    delete_upload,
    list_uploads,
    read_meta,
    save_upload,
    upload_id,
)

__all__ = [
    "UPLOAD_PREFIX",
    "UploadError",
    "UploadLimits",
    "UploadMeta",
    "delete_upload",
    "list_uploads",
    "parse_upload",
    "read_meta",
    "save_upload",
    "upload_id",
]
