"""The package version, read by hatchling and exposed as ``secrules.__version__``."""

__version__ = "0.1.0"
