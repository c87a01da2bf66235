"""COSEM value types: :class:`Obis`, :class:`CosemDate`, :class:`CosemTime`, :class:`CosemDateTime`.

The date and time layouts are the DLMS UA Blue Book 4.1.6.1 definitions as paraphrased in the
dlms-cosem docstrings (the Blue Book itself was not available; provenance *stated* via a
secondary source). Every octet pattern is accepted structurally, so that any wire value can be
held and re-encoded exactly; :meth:`~CosemDate.problems` lists fields outside their legal ranges.
Nothing here normalises a value (a year ``0000`` stays year 0, never "not specified").

Conversion to Python's :mod:`datetime` types happens only on request: ``to_date()``,
``to_time()`` and ``to_datetime()`` return ``None`` when any needed field is a wildcard or
special value, and raise :class:`~secrules.errors.InvalidValueError` when every field is given
but the value is illegal or outside Python's range (month 13, 30 February, year 0).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from typing import ClassVar

import attrs

from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "NOT_SPECIFIED",
    "WEEKDAY_NAMES",
    "CosemDate",
    "CosemDateTime",
    "CosemTime",
    "Obis",
    "Problem",
    "weekday_of",
]

#: The octet meaning "not specified" in every one-octet date/time field.
NOT_SPECIFIED = 0xFF
YEAR_NOT_SPECIFIED = 0xFFFF
DEVIATION_NOT_SPECIFIED = -0x8000  # 0x8000 read as int16
MONTH_DST_END = 0xFD
MONTH_DST_BEGIN = 0xFE
DAY_SECOND_LAST = 0xFD
DAY_LAST = 0xFE

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# The fixed layouts, declared once (Blue Book 4.1.6.1 via dlms-cosem): date = year (uint16),
# month, day of month, day of week; time = hour, minute, second, hundredths; date-time = date,
# time, deviation (int16), clock status.
_DATE = struct.Struct(">HBBB")
_TIME = struct.Struct(">BBBB")
_DATETIME = struct.Struct(">HBBBBBBBhB")


@attrs.frozen
class Problem:
    """One out-of-range field of a COSEM value: ``field`` name, raw ``value`` and why."""

    field: str
    value: int
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _check_octet(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise InvalidValueError(f"{attribute.name}: expected an octet 0..255, got {value!r}")


def _check_octets(inst: object, *values: int) -> None:
    """One fast check that every value is an int octet (bools refused)."""
    for value in values:
        if type(value) is not int and (not isinstance(value, int) or isinstance(value, bool)):
            break
        if not 0 <= value <= 0xFF:
            break
    else:
        return
    raise InvalidValueError(f"{type(inst).__name__}: expected octets 0..255, got {values!r}")


def _check_uint16(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFF:
        raise InvalidValueError(f"{attribute.name}: expected 0..65535, got {value!r}")


def _check_int16(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not -0x8000 <= value <= 0x7FFF:
        raise InvalidValueError(f"{attribute.name}: expected -32768..32767, got {value!r}")


def _fixed_bytes(data: object, size: int, what: str, offset: int | None) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DecodeError(f"{what}: expected bytes, got {type(data).__name__}", offset=offset)
    raw = bytes(data)
    if len(raw) != size:
        raise DecodeError(f"{what}: expected {size} octets, got {len(raw)}", offset=offset)
    return raw


# --------------------------------------------------------------------------------------------
# OBIS


_OBIS_DLMS = re.compile(r"(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")
_OBIS_DOTTED = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


@attrs.frozen(order=True)
class Obis:
    """An OBIS code: six octets A..F (IEC 62056-6-1), e.g. ``0-0:12.0.0.255``.

    ``Obis.parse`` reads the DLMS form ``A-B:C.D.E.F`` and the Gurux form ``A.B.C.D.E.F``;
    ``str()`` always gives the DLMS form. On the wire it is an octet-string(6) inside Data and
    the bare 6-octet instance id in ACCESS descriptors (:meth:`from_bytes` / :meth:`to_bytes`).
    """

    a: int
    b: int
    c: int
    d: int
    e: int
    f: int

    def __attrs_post_init__(self) -> None:
        _check_octets(self, self.a, self.b, self.c, self.d, self.e, self.f)

    @classmethod
    def parse(cls, text: str) -> Obis:
        """Parse ``"0-0:12.0.0.255"`` or ``"0.0.12.0.0.255"``; InvalidValueError otherwise."""
        if not isinstance(text, str):
            raise InvalidValueError(f"OBIS code must be a string, got {type(text).__name__}")
        m = _OBIS_DLMS.fullmatch(text.strip()) or _OBIS_DOTTED.fullmatch(text.strip())
        if m is None:
            raise InvalidValueError(f"not an OBIS code: {text!r} (expected A-B:C.D.E.F)")
        parts = [int(g) for g in m.groups()]
        if any(p > 255 for p in parts):
            raise InvalidValueError(f"OBIS group above 255 in {text!r}")
        return cls(*parts)

    @classmethod
    def from_bytes(cls, data: bytes, *, offset: int | None = None) -> Obis:
        """The OBIS code held in exactly six octets (DecodeError on another length)."""
        raw = _fixed_bytes(data, 6, "OBIS code", offset)
        return cls(raw[0], raw[1], raw[2], raw[3], raw[4], raw[5])

    def to_bytes(self) -> bytes:
        """The six octets A..F."""
        return bytes((self.a, self.b, self.c, self.d, self.e, self.f))

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    def __str__(self) -> str:
        return f"{self.a}-{self.b}:{self.c}.{self.d}.{self.e}.{self.f}"


# --------------------------------------------------------------------------------------------
# Date and time


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


_SAKAMOTO = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)


def weekday_of(year: int, month: int, day: int) -> int:
    """ISO weekday (1 = Monday) in the proleptic Gregorian calendar, any year >= 0."""
    y = year - (month < 3)
    sunday0 = (y + y // 4 - y // 100 + y // 400 + _SAKAMOTO[month - 1] + day) % 7
    return (sunday0 + 6) % 7 + 1


def _fmt(value: int, width: int, *, normal: bool, wildcard: int) -> str:
    if value == wildcard:
        return "*" * width
    if normal:
        return f"{value:0{width}d}"
    return f"<{value:0{width}X}>"


@attrs.frozen
class CosemDate:
    """A COSEM date (5 octets): year, month, day of month, day of week.

    Special values (Blue Book 4.1.6.1 via dlms-cosem; stated): year ``FFFF``, and ``FF`` in any
    other field, mean "not specified"; month ``FD``/``FE`` mean DST end/begin; day of month
    ``FD``/``FE`` mean second-last/last day (``E0``-``FC`` reserved); day of week is 1..7
    (1 = Monday). **Year 0 is an ordinary year**, never a wildcard.

    ``str()`` shows ``****``/``**`` for "not specified", decimal for ordinary values and
    ``<XX>`` (hex) for any special or out-of-range value, then the weekday name when given:
    ``0000-01-**``, ``2014-12-31``, ``****-**-<FE> Sunday``.
    """

    year: int = attrs.field(validator=_check_uint16)
    month: int
    day_of_month: int
    day_of_week: int

    def __attrs_post_init__(self) -> None:
        _check_octets(self, self.month, self.day_of_month, self.day_of_week)

    SIZE: ClassVar[int] = 5

    @classmethod
    def from_bytes(cls, data: bytes, *, offset: int | None = None) -> CosemDate:
        """Read exactly five octets (any pattern); DecodeError on another length."""
        raw = _fixed_bytes(data, 5, "date", offset)
        return cls(*_DATE.unpack(raw))

    def to_bytes(self) -> bytes:
        """The five octets, exactly as held."""
        return _DATE.pack(self.year, self.month, self.day_of_month, self.day_of_week)

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @property
    def year_specified(self) -> bool:
        """True unless the year is ``FFFF``."""
        return self.year != YEAR_NOT_SPECIFIED

    @property
    def is_fully_specified(self) -> bool:
        """Year, month (1..12) and day of month (1..31) are all ordinary values."""
        return (
            self.year != YEAR_NOT_SPECIFIED
            and 1 <= self.month <= 12
            and 1 <= self.day_of_month <= 31
        )

    @property
    def weekday_name(self) -> str | None:
        """``"Monday"``..``"Sunday"`` for day of week 1..7, else None."""
        return WEEKDAY_NAMES[self.day_of_week - 1] if 1 <= self.day_of_week <= 7 else None

    def problems(self, prefix: str = "") -> tuple[Problem, ...]:
        """Fields outside their legal ranges; ``prefix`` is prepended to field names."""
        out: list[Problem] = []
        if not (1 <= self.month <= 12 or self.month in (0xFD, 0xFE, 0xFF)):
            out.append(Problem(prefix + "month", self.month, f"month {self.month} not 1..12"))
        dom = self.day_of_month
        if 0xE0 <= dom <= 0xFC:
            out.append(Problem(prefix + "day_of_month", dom, f"day of month 0x{dom:02X} reserved"))
        elif not (1 <= dom <= 31 or dom in (0xFD, 0xFE, 0xFF)):
            out.append(Problem(prefix + "day_of_month", dom, f"day of month {dom} not 1..31"))
        dow = self.day_of_week
        if not (1 <= dow <= 7 or dow == 0xFF):
            out.append(Problem(prefix + "day_of_week", dow, f"day of week {dow} not 1..7"))
        if not out and self.is_fully_specified:
            days = _days_in_month(self.year, self.month)
            if dom > days:
                out.append(
                    Problem(
                        prefix + "day_of_month",
                        dom,
                        f"day {dom} beyond the {days} days of {self.year:04d}-{self.month:02d}",
                    )
                )
            elif 1 <= dow <= 7 and weekday_of(self.year, self.month, dom) != dow:
                actual = WEEKDAY_NAMES[weekday_of(self.year, self.month, dom) - 1]
                out.append(
                    Problem(
                        prefix + "day_of_week",
                        dow,
                        f"day of week {dow} ({WEEKDAY_NAMES[dow - 1]}) but "
                        f"{self.year:04d}-{self.month:02d}-{dom:02d} is a {actual}",
                    )
                )
        return tuple(out)

    def is_valid(self) -> bool:
        """No field is out of range and the given fields are consistent."""
        return not self.problems()

    def to_date(self) -> dt.date | None:
        """The Python date, or None when year, month or day is a wildcard/special value.

        Raises InvalidValueError when the value is fully specified but illegal or outside
        Python's range (year 0). The day of week, when given, must agree.
        """
        if not self.is_fully_specified:
            return None
        problems = self.problems()
        if problems:
            raise InvalidValueError(f"invalid date {self}: {problems[0]}")
        if self.year < dt.MINYEAR or self.year > dt.MAXYEAR:
            raise InvalidValueError(f"year {self.year} outside Python's date range")
        return dt.date(self.year, self.month, self.day_of_month)

    def __str__(self) -> str:
        year = "****" if self.year == YEAR_NOT_SPECIFIED else f"{self.year:04d}"
        month = _fmt(self.month, 2, normal=1 <= self.month <= 12, wildcard=0xFF)
        day = _fmt(self.day_of_month, 2, normal=1 <= self.day_of_month <= 31, wildcard=0xFF)
        text = f"{year}-{month}-{day}"
        if self.day_of_week != 0xFF:
            text += " " + (self.weekday_name or f"<{self.day_of_week:02X}>")
        return text


@attrs.frozen
class CosemTime:
    """A COSEM time (4 octets): hour, minute, second, hundredths; ``FF`` = not specified.

    ``str()`` gives ``17:00:00.00``; ``**`` marks "not specified" and ``<XX>`` an out-of-range
    octet.
    """

    hour: int
    minute: int
    second: int
    hundredths: int

    def __attrs_post_init__(self) -> None:
        _check_octets(self, self.hour, self.minute, self.second, self.hundredths)

    SIZE: ClassVar[int] = 4
    _LIMITS: ClassVar[tuple[tuple[str, int], ...]] = (
        ("hour", 23),
        ("minute", 59),
        ("second", 59),
        ("hundredths", 99),
    )

    @classmethod
    def from_bytes(cls, data: bytes, *, offset: int | None = None) -> CosemTime:
        """Read exactly four octets (any pattern); DecodeError on another length."""
        raw = _fixed_bytes(data, 4, "time", offset)
        return cls(raw[0], raw[1], raw[2], raw[3])

    def to_bytes(self) -> bytes:
        """The four octets, exactly as held."""
        return bytes((self.hour, self.minute, self.second, self.hundredths))

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @property
    def has_wildcards(self) -> bool:
        """True when any of the four octets is ``FF`` (not specified)."""
        return 0xFF in (self.hour, self.minute, self.second, self.hundredths)

    def problems(self, prefix: str = "") -> tuple[Problem, ...]:
        """Fields outside their legal ranges (``FF`` is always legal)."""
        out = []
        for name, limit in self._LIMITS:
            value = getattr(self, name)
            if value != NOT_SPECIFIED and value > limit:
                out.append(Problem(prefix + name, value, f"{name} {value} not 0..{limit}"))
        return tuple(out)

    def is_valid(self) -> bool:
        """No field is out of range."""
        return not self.problems()

    def to_time(self) -> dt.time | None:
        """The Python time, or None if any field is ``FF``; InvalidValueError if out of range."""
        if self.has_wildcards:
            return None
        problems = self.problems()
        if problems:
            raise InvalidValueError(f"invalid time {self}: {problems[0]}")
        return dt.time(self.hour, self.minute, self.second, self.hundredths * 10_000)

    def __str__(self) -> str:
        parts = [
            _fmt(getattr(self, name), 2, normal=getattr(self, name) <= limit, wildcard=0xFF)
            for name, limit in self._LIMITS
        ]
        return f"{parts[0]}:{parts[1]}:{parts[2]}.{parts[3]}"


_CLOCK_STATUS_BITS = (
    (0x01, "invalid value"),
    (0x02, "doubtful value"),
    (0x04, "different clock base"),
    (0x08, "invalid clock status"),
    (0x80, "daylight saving active"),
)


@attrs.frozen
class CosemDateTime:
    """A COSEM date-time (12 octets): date, time, deviation (int16), clock status.

    ``deviation`` is kept as the raw signed integer in minutes; ``-32768`` (``8000``) means
    not specified. The Blue Book defines it as minutes from local time to UTC, so UTC+01:00
    is ``-60`` (via dlms-cosem; the GBCS convention is open): :attr:`utc_offset` applies that
    sign. ``clock_status`` ``FF`` means not specified; bits 0 invalid, 1 doubtful, 2 different
    clock base, 3 invalid status, 7 daylight saving active; bits 4-6 reserved.
    """

    date: CosemDate
    time: CosemTime
    deviation: int = attrs.field(validator=_check_int16)
    clock_status: int = attrs.field(validator=_check_octet)

    SIZE: ClassVar[int] = 12

    @classmethod
    def from_bytes(cls, data: bytes, *, offset: int | None = None) -> CosemDateTime:
        """Read exactly twelve octets (any pattern); DecodeError on another length."""
        raw = _fixed_bytes(data, 12, "date-time", offset)
        y, mo, dom, dow, h, mi, s, hs, dev, cs = _DATETIME.unpack(raw)
        return cls(CosemDate(y, mo, dom, dow), CosemTime(h, mi, s, hs), dev, cs)

    def to_bytes(self) -> bytes:
        """The twelve octets, exactly as held."""
        d, t = self.date, self.time
        return _DATETIME.pack(
            d.year,
            d.month,
            d.day_of_month,
            d.day_of_week,
            t.hour,
            t.minute,
            t.second,
            t.hundredths,
            self.deviation,
            self.clock_status,
        )

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    @property
    def deviation_specified(self) -> bool:
        """False when the deviation is ``8000``."""
        return self.deviation != DEVIATION_NOT_SPECIFIED

    @property
    def utc_offset(self) -> dt.timedelta | None:
        """Local time minus UTC, applying the Blue Book sign (``-deviation``); None if unset."""
        if not self.deviation_specified:
            return None
        return dt.timedelta(minutes=-self.deviation)

    @property
    def clock_status_flags(self) -> tuple[str, ...]:
        """Names of the clock-status bits set (empty when the status is ``FF``)."""
        if self.clock_status == NOT_SPECIFIED:
            return ()
        return tuple(name for bit, name in _CLOCK_STATUS_BITS if self.clock_status & bit)

    @property
    def is_gbcs_now(self) -> bool:
        """All date and time octets ``00`` with ``8000FF``: GBCS "now" (gbcs-parser; stated)."""
        return self.to_bytes() == bytes(9) + b"\x80\x00\xff"

    @property
    def is_gbcs_never(self) -> bool:
        """All date and time octets ``FF`` with ``8000FF``: GBCS "never" (gbcs-parser)."""
        return self.to_bytes() == b"\xff" * 9 + b"\x80\x00\xff"

    def problems(self) -> tuple[Problem, ...]:
        """Out-of-range fields, named ``date.month``, ``time.hour``, ``deviation``..."""
        out = list(self.date.problems("date.")) + list(self.time.problems("time."))
        if self.deviation_specified and not -720 <= self.deviation <= 720:
            out.append(
                Problem("deviation", self.deviation, f"deviation {self.deviation} not -720..720")
            )
        if self.clock_status != NOT_SPECIFIED and self.clock_status & 0x70:
            out.append(
                Problem(
                    "clock_status",
                    self.clock_status,
                    f"clock status 0x{self.clock_status:02X} sets reserved bits 4-6",
                )
            )
        return tuple(out)

    def is_valid(self) -> bool:
        """No field is out of range."""
        return not self.problems()

    def to_datetime(self) -> dt.datetime | None:
        """Naive local datetime (deviation ignored), or None if date or time has wildcards.

        Raises InvalidValueError when fully specified but illegal.
        """
        date = self.date.to_date()
        time = self.time.to_time()
        if date is None or time is None:
            return None
        return dt.datetime.combine(date, time)

    def to_aware_datetime(self) -> dt.datetime | None:
        """Aware datetime using :attr:`utc_offset`; None if anything needed is unspecified."""
        naive = self.to_datetime()
        offset = self.utc_offset
        if naive is None or offset is None:
            return None
        if abs(offset) >= dt.timedelta(hours=24):
            raise InvalidValueError(f"deviation {self.deviation} is not a usable UTC offset")
        return naive.replace(tzinfo=dt.timezone(offset))

    def __str__(self) -> str:
        text = f"{self.date} {self.time}"
        if self.deviation_specified:
            text += f" deviation={self.deviation:+d}min"
        if self.clock_status != NOT_SPECIFIED:
            text += f" status=0x{self.clock_status:02X}"
        return text
