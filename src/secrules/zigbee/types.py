"""ZCL field types: how each is read, written and shown (ZCL data types as zigpy 2.4.0 lists them).

Every field of a GBZ ZCL payload is one of these types, named as in ``data/zcl.toml``. ZCL
integers are little-endian; UTCTime is a uint32 of seconds since 2000-01-01 00:00 UTC
(0xFFFFFFFF: invalid); a ZCL Date is four octets: year - 1900, month, day of month, day of week
(0xFF: unspecified). A value is an ``int`` (integers, bitmaps, enumerations, times, ids) or
``bytes`` (strings, floats, dates, addresses, keys and ``raw`` octets), so that writing it back
gives the octets read.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "FIELD_TYPES",
    "ZIGBEE_EPOCH",
    "FieldType",
    "read_field",
    "utc_datetime",
    "write_field",
]

#: UTCTime counts seconds from here (ZCL; zigpy ``_ZIGBEE_EPOCH``).
ZIGBEE_EPOCH: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_UTC_INVALID: Final = 0xFFFFFFFF


class FieldType:
    """One field type: ``size`` octets (None: length-prefixed, or the rest for ``raw``)."""

    __slots__ = ("kind", "name", "prefix", "signed", "size")

    def __init__(
        self, name: str, kind: str, size: int | None, *, signed: bool = False, prefix: int = 0
    ) -> None:
        self.name = name
        self.kind = kind  # int, bytes, text (a string), raw
        self.size = size
        self.signed = signed
        self.prefix = prefix  # length-prefix octets for strings

    def __repr__(self) -> str:
        return f"FieldType({self.name!r})"


def _types() -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    for bits in range(8, 72, 8):
        n = bits // 8
        for stem in ("uint", "map", "data"):
            out[f"{stem}{bits}"] = FieldType(f"{stem}{bits}", "int", n)
        out[f"int{bits}"] = FieldType(f"int{bits}", "int", n, signed=True)
    for name, size in (
        ("enum8", 1),
        ("enum16", 2),
        ("bool", 1),
        ("utc", 4),
        ("cluster_id", 2),
        ("attribute_id", 2),
        ("status", 1),
        ("data_type", 1),
        ("command_id", 1),
    ):
        out[name] = FieldType(name, "int", size)
    for name, size in (
        ("semi", 2),
        ("single", 4),
        ("double", 8),
        ("tod", 4),
        ("date", 4),
        ("eui64", 8),
        ("key128", 16),
    ):
        out[name] = FieldType(name, "bytes", size)
    out["octstr"] = FieldType("octstr", "bytes", None, prefix=1)
    out["octstr16"] = FieldType("octstr16", "bytes", None, prefix=2)
    out["string"] = FieldType("string", "text", None, prefix=1)
    out["string16"] = FieldType("string16", "text", None, prefix=2)
    out["raw"] = FieldType("raw", "raw", None)
    return out


#: Every field type by name.
FIELD_TYPES: Final = _types()


def read_field(
    ftype: FieldType, data: bytes, pos: int, end: int, path: str
) -> tuple[int | bytes, int]:
    """Read one ``ftype`` value at ``pos`` (not past ``end``): the value and the next offset.

    Raises :class:`DecodeError` at the field's offset when its octets run past ``end``.
    """
    if ftype.kind == "raw":
        return data[pos:end], end
    size = ftype.size
    at = pos
    if size is None:
        need = ftype.prefix
        if pos + need > end:
            raise DecodeError(
                f"truncated: a {need}-octet length expected, {end - pos} left",
                offset=pos,
                path=path,
            )
        size = int.from_bytes(data[pos : pos + need], "little")
        at = pos + need
    if at + size > end:
        raise DecodeError(
            f"truncated: {ftype.name} needs {size} octet(s), {end - at} left", offset=pos, path=path
        )
    raw = data[at : at + size]
    if ftype.kind == "int":
        return int.from_bytes(raw, "little", signed=ftype.signed), at + size
    return raw, at + size


def write_field(ftype: FieldType, value: int | bytes, path: str = "") -> bytes:
    """The octets of ``value`` as ``ftype``; InvalidValueError when it does not fit."""
    if ftype.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValueError(f"{path or ftype.name}: {ftype.name} takes an int")
        size = ftype.size or 0
        try:
            return value.to_bytes(size, "little", signed=ftype.signed)
        except OverflowError:
            raise InvalidValueError(
                f"{path or ftype.name}: {value} does not fit {ftype.name}"
            ) from None
    if not isinstance(value, bytes | bytearray):
        raise InvalidValueError(f"{path or ftype.name}: {ftype.name} takes bytes")
    raw = bytes(value)
    if ftype.kind == "raw":
        return raw
    if ftype.size is not None:
        if len(raw) != ftype.size:
            raise InvalidValueError(f"{path or ftype.name}: {ftype.name} is {ftype.size} octets")
        return raw
    if len(raw) >= 1 << (8 * ftype.prefix):
        raise InvalidValueError(f"{path or ftype.name}: {len(raw)} octets is too long")
    return len(raw).to_bytes(ftype.prefix, "little") + raw


def utc_datetime(seconds: int) -> dt.datetime | None:
    """The instant a UTCTime value names (None for 0xFFFFFFFF, "invalid")."""
    if seconds == _UTC_INVALID:
        return None
    return ZIGBEE_EPOCH + dt.timedelta(seconds=seconds)


def utc_text(seconds: int) -> str:
    """``2015-01-01 00:00:00 UTC``; ``invalid (0xFFFFFFFF)``."""
    when = utc_datetime(seconds)
    if when is None:
        return "invalid (0xFFFFFFFF)"
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def zcl_date(raw: bytes) -> tuple[dt.date | bytes, str]:
    """A ZCL Date's value (a ``date`` when fully specified) and its text (``2015-03-31``)."""
    year, month, day, weekday = raw
    parts = (
        "*" if year == 0xFF else f"{1900 + year:04d}",
        "*" if month == 0xFF else f"{month:02d}",
        "*" if day == 0xFF else f"{day:02d}",
    )
    text = "-".join(parts) + ("" if weekday == 0xFF else f", weekday {weekday}")
    if 0xFF not in (year, month, day):
        try:
            return dt.date(1900 + year, month, day), text
        except ValueError:
            return raw, text + " (not a calendar date)"
    return raw, text
