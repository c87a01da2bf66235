"""Argument type checks for public entry points: a wrong type is an InvalidValueError.

Each check names the parameter and the type it got, so ``secrules.check(None)`` says
``data must be bytes, str or os.PathLike, not NoneType`` rather than raising ``TypeError`` from
deep inside. Paths are ``str`` or :class:`os.PathLike`; bytes-like input is ``bytes``,
``bytearray`` or ``memoryview``.
"""

from __future__ import annotations

import os
from typing import Any

from secrules.errors import InvalidValueError

__all__ = [
    "BYTES_LIKE",
    "path_text",
    "require_bool",
    "require_int",
    "require_path",
    "require_text",
    "require_type",
]

BYTES_LIKE = (bytes, bytearray, memoryview)


def _got(value: object) -> str:
    return type(value).__name__


def require_type(value: object, name: str, types: tuple[type, ...], expected: str) -> None:
    """InvalidValueError unless ``value`` is an instance of ``types`` (never a bool for int)."""
    if isinstance(value, bool) and bool not in types:
        raise InvalidValueError(f"{name} must be {expected}, not bool")
    if not isinstance(value, types):
        raise InvalidValueError(f"{name} must be {expected}, not {_got(value)}")


def require_path(value: Any, name: str) -> str | os.PathLike[str]:  # noqa: ANN401 - checked here
    """``value`` if it is a usable path: a ``str`` or a ``str`` :class:`os.PathLike`.

    Refuses other types, the empty path, a NUL character and text that cannot be encoded for
    the file system, with :class:`InvalidValueError` naming ``name``.
    """
    path_text(value, name)
    return value  # type: ignore[no-any-return]


def path_text(value: object, name: str) -> str:
    """``value`` (a ``str`` or ``str`` :class:`os.PathLike`) as a path string; see require_path."""
    require_type(value, name, (str, os.PathLike), "a path (str or os.PathLike)")
    try:
        text = os.fspath(value)  # type: ignore[call-overload]
    except TypeError:
        raise InvalidValueError(f"{name} must be a path (str or os.PathLike)") from None
    if not isinstance(text, str):
        raise InvalidValueError(f"{name} must be a str path, not {_got(text)}")
    if not text or "\0" in text:
        raise InvalidValueError(f"{name} must be a non-empty path without NUL characters")
    try:
        os.fsencode(text)
    except UnicodeError:
        raise InvalidValueError(f"{name} cannot be encoded as a file name") from None
    return text


def require_text(value: object, name: str, *, optional: bool = False) -> None:
    """InvalidValueError unless ``value`` is a ``str`` (or None when ``optional``)."""
    if optional and value is None:
        return
    require_type(value, name, (str,), "a str or None" if optional else "a str")


def require_bool(value: object, name: str) -> None:
    """InvalidValueError unless ``value`` is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise InvalidValueError(f"{name} must be True or False, not {_got(value)}")


def require_int(value: object, name: str, *, minimum: int | None = None) -> None:
    """InvalidValueError unless ``value`` is an ``int`` (not a bool) of at least ``minimum``."""
    require_type(value, name, (int,), "an int")
    assert isinstance(value, int)  # noqa: S101 - narrowed by require_type
    if minimum is not None and value < minimum:
        raise InvalidValueError(f"{name} must be at least {minimum}, not {value}")
