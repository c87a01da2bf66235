"""Helpers shared by test modules (importable as ``support``: pytest's ``pythonpath``)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from typing import NoReturn

import pytest

__all__ = ["REQUIRE_VECTORS", "Hang", "missing_vectors", "watchdog"]


class Hang(BaseException):
    """Raised by :func:`watchdog`; a BaseException so no ``except Exception`` can swallow it."""


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) when the body runs longer than ``seconds`` of wall time."""

    def alarm(_signum: int, _frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: Set by .ci/run: the shared vectors are there, so a test that would skip for want of them fails.
REQUIRE_VECTORS = os.environ.get("SECRULES_REQUIRE_VECTORS") == "1"


def missing_vectors(reason: str) -> NoReturn:
    """Skip a test for want of public vectors (fail instead under SECRULES_REQUIRE_VECTORS=1)."""
    if REQUIRE_VECTORS:
        pytest.fail(f"{reason} (SECRULES_REQUIRE_VECTORS=1)", pytrace=False)
    pytest.skip(reason)
