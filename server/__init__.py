"""LayerLab's web side and command line; wraps `models/`."""

__version__ = "0.1.0"
