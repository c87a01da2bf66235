"""``python -m secrules``."""

from secrules.cli import run

run()
