"""Helpers shared by test modules (importable as ``support``: pytest's ``pythonpath``)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["Hang", "watchdog"]


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
