"""Schedule (interface class 10) entries: ``schedule_table_entry`` as a typed record.

Attribute 2 (``entries``) of a Schedule object such as 0-0:12.0.0.255 (SMETS
MaximumDemandConfigurableTimePeriod, set whole by GBCS ECS37) is an array of structures of ten
fields (GBCS ECS37 COSEM template, GBCS 18.2 / "section 19.2.1" depending on edition; field order
and types as in the v3.1 and v4.0 mapping tables, stated)::

    index               long-unsigned
    enable              boolean
    script_logical_name octet-string(6)   -> Obis
    script_selector     long-unsigned     (ECS37: 1 = start, 2 = end)
    switch_time         octet-string(4)   -> CosemTime
    validity_window     long-unsigned
    exec_weekdays       bit-string        (bit 0 = Monday .. bit 6 = Sunday)
    exec_specdays       bit-string
    begin_date          octet-string(5)   -> CosemDate
    end_date            octet-string(5)   -> CosemDate

:meth:`ScheduleEntry.from_data` checks that shape (DecodeError naming the field path, e.g.
``entries[1].begin_date``, and the offset of the offending value) and keeps every octet:
the boolean's raw octet, the bit-string's bit count, dates and times exactly as sent (never
normalised), so ``ScheduleEntry.from_data(v).to_data() == v`` and the bytes re-encode exactly.
Field values are *not* range-checked here: an out-of-range month or a wildcard switch time is
for rules to report (see :meth:`CosemDate.problems`).

Usage for rules::

    entries = entries_from_data(decode_data(attribute_2_bytes))
    for entry in entries:
        if entry.switch_time.has_wildcards:
            yield Verdict(FAIL, "...", path=entry.path_of("switch_time"),
                          offset=entry.offset_of("switch_time"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import ClassVar, cast

import attrs

from secrules.dlms.cosem import WEEKDAY_NAMES, CosemDate, CosemTime, Obis
from secrules.dlms.data import (
    Array,
    BitString,
    Boolean,
    Data,
    LongUnsigned,
    OctetString,
    Structure,
    encode_data,
)
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "FIELD_NAMES",
    "ScheduleEntry",
    "entries_from_data",
    "entries_to_data",
]

#: The ten fields of ``schedule_table_entry``, in wire order.
FIELD_NAMES: tuple[str, ...] = (
    "index",
    "enable",
    "script_logical_name",
    "script_selector",
    "switch_time",
    "validity_window",
    "exec_weekdays",
    "exec_specdays",
    "begin_date",
    "end_date",
)

_EMPTY: Mapping[str, int] = MappingProxyType({})


# Wire type of each field, in order: (class, required octet-string length or 0, description).
_WIRE: tuple[tuple[type[Data], int, str], ...] = (
    (LongUnsigned, 0, "long-unsigned"),
    (Boolean, 0, "boolean"),
    (OctetString, 6, "octet-string(6)"),
    (LongUnsigned, 0, "long-unsigned"),
    (OctetString, 4, "octet-string(4)"),
    (LongUnsigned, 0, "long-unsigned"),
    (BitString, 0, "bit-string"),
    (BitString, 0, "bit-string"),
    (OctetString, 5, "octet-string(5)"),
    (OctetString, 5, "octet-string(5)"),
)

_FIELD_TYPES: tuple[tuple[str, type], ...] = (
    ("enable", Boolean),
    ("script_logical_name", Obis),
    ("switch_time", CosemTime),
    ("exec_weekdays", BitString),
    ("exec_specdays", BitString),
    ("begin_date", CosemDate),
    ("end_date", CosemDate),
)


def _field_error(path: str, name: str, expected: str, value: Data) -> DecodeError:
    got = value.type_name
    if isinstance(value, OctetString):
        got += f"({len(value.value)})"
    return DecodeError(
        f"schedule entry {name}: expected {expected}, got {got}",
        offset=value.offset,
        path=f"{path}.{name}",
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@attrs.frozen
class ScheduleEntry:
    """One IC 10 ``schedule_table_entry``; typed fields, exact round trip.

    ``index``, ``script_selector`` and ``validity_window`` are ints (long-unsigned);
    ``enable`` is a :class:`Boolean` (``.value`` the truth value, ``.raw`` the octet: RTDS sends
    ``FF``, the template says ``0x01``); ``script_logical_name`` an :class:`Obis`;
    ``switch_time`` a :class:`CosemTime`; ``exec_weekdays``/``exec_specdays``
    :class:`BitString`; ``begin_date``/``end_date`` :class:`CosemDate`.

    ``path`` (e.g. ``entries[1]``) and ``field_offsets`` (tag offset of each field in the
    decoded input) are set by :meth:`from_data` and not compared.
    """

    index: int
    enable: Boolean
    script_logical_name: Obis
    script_selector: int
    switch_time: CosemTime
    validity_window: int
    exec_weekdays: BitString
    exec_specdays: BitString
    begin_date: CosemDate
    end_date: CosemDate
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)
    path: str = attrs.field(default="", eq=False, kw_only=True, repr=False)
    field_offsets: Mapping[str, int] = attrs.field(
        default=_EMPTY, eq=False, kw_only=True, repr=False
    )

    FIELDS: ClassVar[tuple[str, ...]] = FIELD_NAMES

    def __attrs_post_init__(self) -> None:
        for name in ("index", "script_selector", "validity_window"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 0xFFFF:
                raise InvalidValueError(f"{name}: expected an int 0..65535, got {value!r}")
        for name, kind in _FIELD_TYPES:
            if not isinstance(getattr(self, name), kind):
                raise InvalidValueError(
                    f"{name}: expected {kind.__name__}, got {type(getattr(self, name)).__name__}"
                )

    @classmethod
    def from_data(cls, value: Data, *, path: str = "") -> ScheduleEntry:
        """Read an entry from a decoded ``structure`` of ten fields.

        Raises DecodeError (offset of the bad value, path ``<path>.<field>``) when the value
        is not a 10-member structure of the types above or an octet-string has the wrong
        length for its field. ``path`` is the entry's own path, e.g. ``entries[0]``.
        """
        if not isinstance(value, Structure):
            got = value.type_name if isinstance(value, Data) else type(value).__name__
            raise DecodeError(
                f"schedule entry: expected a structure, got {got}",
                offset=getattr(value, "offset", None),
                path=path,
            )
        items = value.items
        if len(items) != 10:
            raise DecodeError(
                f"schedule entry: expected 10 fields, got {len(items)}",
                offset=value.offset,
                path=path,
            )
        for name, item, (kind, size, expected) in zip(FIELD_NAMES, items, _WIRE, strict=True):
            if type(item) is not kind or (size and len(item.value) != size):  # type: ignore[attr-defined]
                raise _field_error(path, name, expected, item)
        # The loop above checked every field's class, so these casts only inform the checker.
        index, selector, window = (cast(LongUnsigned, items[i]).value for i in (0, 3, 5))
        script, switch, begin, end = (cast(OctetString, items[i]).value for i in (2, 4, 8, 9))
        offsets: dict[str, int] = {
            name: item.offset
            for name, item in zip(FIELD_NAMES, items, strict=True)
            if item.offset is not None
        }
        return cls(
            index,
            cast(Boolean, items[1]),
            Obis(*script),
            selector,
            CosemTime(switch[0], switch[1], switch[2], switch[3]),
            window,
            cast(BitString, items[6]),
            cast(BitString, items[7]),
            CosemDate.from_bytes(begin),
            CosemDate.from_bytes(end),
            offset=value.offset,
            path=path,
            field_offsets=MappingProxyType(offsets),
        )

    def to_data(self) -> Structure:
        """The ten-field ``structure`` (exactly the value :meth:`from_data` read)."""
        return Structure(
            (
                LongUnsigned(self.index),
                Boolean(self.enable.raw),
                OctetString(self.script_logical_name.to_bytes()),
                LongUnsigned(self.script_selector),
                OctetString(self.switch_time.to_bytes()),
                LongUnsigned(self.validity_window),
                BitString(self.exec_weekdays.length_bits, self.exec_weekdays.data),
                BitString(self.exec_specdays.length_bits, self.exec_specdays.data),
                OctetString(self.begin_date.to_bytes()),
                OctetString(self.end_date.to_bytes()),
            )
        )

    def to_bytes(self) -> bytes:
        """The entry's A-XDR octets (46 for the ECS37 template shape)."""
        return encode_data(self.to_data())

    @property
    def enabled(self) -> bool:
        """The truth value of ``enable`` (any non-zero octet)."""
        return self.enable.value

    @property
    def script(self) -> Obis:
        """The script table's logical name (same as ``script_logical_name``)."""
        return self.script_logical_name

    @property
    def weekdays(self) -> tuple[str, ...]:
        """Names of the days whose bit is set in ``exec_weekdays`` (bit 0 = Monday).

        Bits beyond the seventh are ignored here; a rule checks the bit count.
        """
        return tuple(
            name for name, bit in zip(WEEKDAY_NAMES, self.exec_weekdays.bits, strict=False) if bit
        )

    def path_of(self, field: str) -> str:
        """The path of one field, e.g. ``entries[1].begin_date``."""
        if field not in FIELD_NAMES:
            raise InvalidValueError(f"no schedule entry field {field!r}")
        return _join(self.path, field)

    def offset_of(self, field: str) -> int | None:
        """The input offset of one field's tag (None when not decoded from bytes)."""
        if field not in FIELD_NAMES:
            raise InvalidValueError(f"no schedule entry field {field!r}")
        return self.field_offsets.get(field)


def entries_from_data(value: Data, *, path: str = "entries") -> tuple[ScheduleEntry, ...]:
    """The entries of a Schedule attribute 2 value (an ``array`` of entry structures).

    Each entry gets ``path`` ``entries[i]`` (or ``<path>[i]``), so errors and rule findings read
    ``entries[1].begin_date``. Raises DecodeError when the value is not such an array.
    """
    if not isinstance(value, Array):
        got = value.type_name if isinstance(value, Data) else type(value).__name__
        raise DecodeError(
            f"schedule entries: expected an array, got {got}",
            offset=getattr(value, "offset", None),
            path=path,
        )
    return tuple(
        ScheduleEntry.from_data(item, path=f"{path}[{i}]") for i, item in enumerate(value.items)
    )


def entries_to_data(entries: Iterable[ScheduleEntry]) -> Array:
    """The ``array`` of entry structures for attribute 2."""
    return Array(tuple(entry.to_data() for entry in entries))
