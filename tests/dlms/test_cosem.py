"""COSEM value types: OBIS, date, time, date-time (spec section 3 examples and properties)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from secrules.dlms import CosemDate, CosemDateTime, CosemTime, Obis, OctetString
from secrules.dlms.cosem import weekday_of
from secrules.errors import DecodeError, InvalidValueError
from secrules.strategies import cosem_dates, cosem_datetimes, cosem_times, obis_codes


@pytest.mark.parametrize("text", ["0-0:12.0.0.255", "0.0.12.0.0.255", " 0-0:12.0.0.255 "])
def test_obis_parses_both_forms(text: str) -> None:
    obis = Obis.parse(text)
    assert obis == Obis(0, 0, 12, 0, 0, 255)
    assert str(obis) == "0-0:12.0.0.255"
    assert obis.to_bytes() == bytes.fromhex("00000C0000FF")
    assert Obis.from_bytes(bytes.fromhex("00000C0000FF")) == obis


@pytest.mark.parametrize("text", ["0-0:12.0.0", "0-0:12.0.0.256", "a-b:c.d.e.f", "", "1.2.3.4.5"])
def test_obis_rejects_bad_text(text: str) -> None:
    with pytest.raises(InvalidValueError):
        Obis.parse(text)


def test_obis_from_wrong_length_is_decode_error() -> None:
    with pytest.raises(DecodeError):
        Obis.from_bytes(b"\x00" * 5)


@given(obis_codes())
def test_obis_round_trips(obis: Obis) -> None:
    assert Obis.parse(str(obis)) == obis
    assert Obis.parse(".".join(str(b) for b in obis.to_bytes())) == obis
    assert Obis.from_bytes(obis.to_bytes()) == obis


def test_year_zero_january_is_not_a_wildcard_year() -> None:
    date = CosemDate.from_bytes(bytes.fromhex("000001FFFF"))
    assert date.year == 0
    assert date.year_specified
    assert date.month == 1
    assert not date.is_fully_specified
    assert str(date) == "0000-01-**"
    assert date.is_valid()
    assert date.to_date() is None  # day not specified
    assert date.to_bytes() == bytes.fromhex("000001FFFF")


def test_all_ff_date_is_all_wildcards() -> None:
    date = CosemDate.from_bytes(b"\xff" * 5)
    assert not date.year_specified
    assert str(date) == "****-**-**"
    assert date.is_valid()
    assert date.to_date() is None


def test_time_example() -> None:
    time = CosemTime.from_bytes(bytes.fromhex("11000000"))
    assert str(time) == "17:00:00.00"
    assert time.to_time() == dt.time(17, 0)
    assert not time.has_wildcards
    assert str(CosemTime(0xFF, 0xFF, 0xFF, 0xFF)) == "**:**:**.**"
    assert CosemTime(12, 0xFF, 0, 0).to_time() is None


def test_datetime_example_from_ecs18b() -> None:
    raw = bytes.fromhex("07DE0C1FFF000000008000FF")
    value = CosemDateTime.from_bytes(raw)
    assert value.date == CosemDate(2014, 12, 31, 0xFF)
    assert value.time == CosemTime(0, 0, 0, 0)
    assert not value.deviation_specified
    assert value.clock_status == 0xFF
    assert value.is_valid()
    assert value.to_datetime() == dt.datetime(2014, 12, 31)  # noqa: DTZ001 - local, no deviation
    assert value.to_aware_datetime() is None
    assert str(value) == "2014-12-31 00:00:00.00"
    assert value.to_bytes() == raw
    assert OctetString(raw).as_datetime() == value


def test_gbcs_now_and_never() -> None:
    now = CosemDateTime.from_bytes(bytes(9) + b"\x80\x00\xff")
    never = CosemDateTime.from_bytes(b"\xff" * 9 + b"\x80\x00\xff")
    assert now.is_gbcs_now
    assert not now.is_gbcs_never
    assert never.is_gbcs_never


def test_deviation_sign_follows_blue_book() -> None:
    # UTC+01:00 is deviation -60 in the Blue Book convention
    value = CosemDateTime(CosemDate(2020, 6, 1, 1), CosemTime(12, 0, 0, 0), -60, 0x80)
    aware = value.to_aware_datetime()
    assert aware is not None
    assert aware.utcoffset() == dt.timedelta(hours=1)
    assert value.clock_status_flags == ("daylight saving active",)
    assert str(value) == "2020-06-01 Monday 12:00:00.00 deviation=-60min status=0x80"


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ("07E40DFFFF", ["month"]),
        ("07E401E0FF", ["day_of_month"]),  # reserved
        ("07E40100FF", ["day_of_month"]),
        ("07E4010100", ["day_of_week"]),
        ("07E4021EFF", ["day_of_month"]),  # 30 February
        ("07E4010101", ["day_of_week"]),  # 2020-01-01 was a Wednesday
        ("FFFF0D20FE", ["month", "day_of_month", "day_of_week"]),
    ],
)
def test_invalid_dates_are_reported_by_field(raw: str, fields: list[str]) -> None:
    date = CosemDate.from_bytes(bytes.fromhex(raw))
    assert not date.is_valid()
    assert [p.field for p in date.problems()] == fields
    assert date.to_bytes() == bytes.fromhex(raw)  # structurally accepted, kept exactly


def test_special_day_values_are_valid() -> None:
    assert CosemDate(0xFFFF, 0xFE, 0xFE, 7).is_valid()  # last Sunday of DST-begin month
    assert CosemDate(0xFFFF, 3, 0xFD, 0xFF).is_valid()
    assert str(CosemDate(0xFFFF, 0xFE, 0xFE, 7)) == "****-<FE>-<FE> Sunday"


def test_invalid_time_and_datetime_problems_name_fields() -> None:
    time = CosemTime(24, 60, 0, 100)
    assert [p.field for p in time.problems()] == ["hour", "minute", "hundredths"]
    assert str(time) == "<18>:<3C>:00.<64>"
    with pytest.raises(InvalidValueError):
        time.to_time()
    value = CosemDateTime(CosemDate(2020, 13, 1, 0xFF), CosemTime(25, 0, 0, 0), 900, 0x10)
    assert [p.field for p in value.problems()] == [
        "date.month",
        "time.hour",
        "deviation",
        "clock_status",
    ]


def test_fully_specified_but_unrepresentable_date_raises() -> None:
    with pytest.raises(InvalidValueError):
        CosemDate(0, 1, 1, 0xFF).to_date()
    with pytest.raises(InvalidValueError):
        CosemDate(2021, 2, 29, 0xFF).to_date()
    assert CosemDate(2024, 2, 29, 4).to_date() == dt.date(2024, 2, 29)


def test_octet_string_helpers_interpret_by_field() -> None:
    s = OctetString(bytes.fromhex("11000000"))
    assert s.as_time() == CosemTime(17, 0, 0, 0)
    with pytest.raises(DecodeError):
        s.as_date()
    assert OctetString(bytes.fromhex("00000A8064FF")).as_obis() == Obis.parse("0-0:10.128.100.255")


def test_constructors_refuse_out_of_range_octets() -> None:
    with pytest.raises(InvalidValueError):
        CosemTime(256, 0, 0, 0)
    with pytest.raises(InvalidValueError):
        CosemDate(70000, 1, 1, 1)
    with pytest.raises(InvalidValueError):
        CosemDateTime(CosemDate(0, 1, 1, 1), CosemTime(0, 0, 0, 0), 40000, 0)


@given(cosem_dates())
def test_any_date_pattern_round_trips(date: CosemDate) -> None:
    raw = date.to_bytes()
    assert CosemDate.from_bytes(raw) == date
    str(date)
    date.problems()


@given(cosem_times())
def test_any_time_pattern_round_trips(time: CosemTime) -> None:
    raw = time.to_bytes()
    assert CosemTime.from_bytes(raw) == time


@given(cosem_datetimes())
def test_any_datetime_pattern_round_trips(value: CosemDateTime) -> None:
    raw = value.to_bytes()
    assert CosemDateTime.from_bytes(raw) == value
    assert raw[:5] == value.date.to_bytes()
    assert raw[5:9] == value.time.to_bytes()
    assert int.from_bytes(raw[9:11], signed=True) == value.deviation
    assert raw[11] == value.clock_status
    str(value)


@given(cosem_datetimes(valid=True))
def test_valid_strategy_draws_valid_values(value: CosemDateTime) -> None:
    assert value.is_valid(), value.problems()
    if value.date.is_fully_specified and value.date.year >= 1:
        assert value.date.to_date() is not None


@given(cosem_dates(valid=True))
def test_weekday_of_agrees_with_python(date: CosemDate) -> None:
    if date.is_fully_specified and date.year >= 1:
        py = dt.date(date.year, date.month, date.day_of_month)
        assert weekday_of(date.year, date.month, date.day_of_month) == py.isoweekday()
