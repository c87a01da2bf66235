"""secrules.core.slots: the setters the decoders fill records with."""

from __future__ import annotations

import attrs
import pytest

from secrules.core.slots import slot_setter, slot_setters


@attrs.frozen
class _Pair:
    first: int
    second: str = attrs.field(validator=attrs.validators.instance_of(str))


def test_setters_fill_a_frozen_record_as_init_would() -> None:
    pair = object.__new__(_Pair)
    for setter, value in zip(slot_setters(_Pair), (1, "two"), strict=True):
        setter(pair, value)
    assert pair == _Pair(1, "two")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        pair.first = 3  # type: ignore[misc]


def test_named_setters_follow_the_names_given() -> None:
    pair = object.__new__(_Pair)
    set_second, set_first = slot_setters(_Pair, "second", "first")
    set_second(pair, "b")
    set_first(pair, 2)
    assert pair == _Pair(2, "b")
    slot_setter(_Pair, "first")(pair, 5)
    assert pair.first == 5


def test_unknown_slot_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        slot_setter(_Pair, "third")
