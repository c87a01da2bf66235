"""Reading enum members from text with an error that lists what is allowed."""

from __future__ import annotations

import enum
from typing import TypeVar

from secrules.errors import InvalidValueError

__all__ = ["enum_member"]

E = TypeVar("E", bound=enum.Enum)


def enum_member(cls: type[E], value: object, what: str) -> E:
    """The member of ``cls`` whose value is exactly ``value`` (a member is returned as is).

    Anything else raises :class:`InvalidValueError` naming ``what`` and the allowed values.
    """
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise InvalidValueError(f"unknown {what} {value!r}; expected one of {allowed}") from None
