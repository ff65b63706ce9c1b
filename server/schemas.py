"""Request bodies shared by the command line and the REST API (defined in models/)."""

from __future__ import annotations

from models.run import DatasetRef, RunConfig

__all__ = ["DatasetRef", "RunConfig"]
