"""Filling frozen attrs records slot by slot, for the decoders' hot paths.

A decoder that has already checked every value builds its records with ``object.__new__`` and
the slots' own setters (the member descriptors of a slotted class), skipping ``__init__``'s
converters and validators; each decoder's tests compare such records with ``__init__``-built
ones. These helpers fetch the setters once, at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["SlotSetter", "slot_setter", "slot_setters"]

#: A slot's setter: ``setter(record, value)``.
SlotSetter = Callable[[Any, object], None]


def slot_setter(cls: type, name: str) -> SlotSetter:
    """The setter of slot ``name`` of the slotted class ``cls``."""
    setter: SlotSetter = getattr(cls, name).__set__
    return setter


def slot_setters(cls: type, *names: str) -> tuple[SlotSetter, ...]:
    """The setters of slots ``names`` of ``cls``, in order; all its attrs fields when none."""
    if not names:
        names = tuple(field.name for field in attrs.fields(cls))
    return tuple(slot_setter(cls, name) for name in names)
