"""The lessons, by the name clients have always read them under (`GET /api/presets`)."""

from models.lessons import PRESETS

__all__ = ["PRESETS"]
