"""Hypothesis strategies for DLMS/COSEM values: A-XDR Data, COSEM types, schedule entries, ACCESS.

Every drawn value encodes, and decodes back to an equal value::

    from hypothesis import given
    from secrules.dlms import decode_data, encode_data
    from secrules.strategies import dlms_values

    @given(dlms_values())
    def test_round_trip(value):
        assert decode_data(encode_data(value)) == value

Date/time strategies draw any octet pattern by default (``valid=False``), since the wire may
carry anything; ``valid=True`` draws only values whose ``is_valid()`` is true, wildcards
included.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from hypothesis import strategies as st

from secrules.dlms.access import (
    RESULT_NAMES,
    AccessKind,
    AccessRequest,
    AccessResponse,
    RequestSpec,
    ResponseSpec,
)
from secrules.dlms.cosem import CosemDate, CosemDateTime, CosemTime, Obis, weekday_of
from secrules.dlms.data import (
    Array,
    Bcd,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DateData,
    DateTimeData,
    DoubleLong,
    DoubleLongUnsigned,
    Enum,
    Float32,
    Float64,
    Integer,
    Long,
    Long64,
    Long64Unsigned,
    LongUnsigned,
    NullData,
    OctetString,
    Structure,
    TimeData,
    TypeDescription,
    Unsigned,
    Utf8String,
    VisibleString,
)
from secrules.dlms.notification import DataNotification
from secrules.dlms.schedule import ScheduleEntry

__all__ = [
    "access_requests",
    "access_responses",
    "bit_strings",
    "cosem_dates",
    "cosem_datetimes",
    "cosem_times",
    "data_notifications",
    "dlms_values",
    "obis_codes",
    "schedule_entries",
    "simple_dlms_values",
    "type_descriptions",
]

_OCTET = st.integers(0, 255)


def obis_codes() -> st.SearchStrategy[Obis]:
    """Any OBIS code (six octets 0..255)."""
    return st.builds(Obis, _OCTET, _OCTET, _OCTET, _OCTET, _OCTET, _OCTET)


@st.composite
def _valid_dates(draw: st.DrawFn) -> CosemDate:
    year = draw(st.one_of(st.just(0xFFFF), st.integers(0, 9999)))
    month = draw(st.one_of(st.integers(1, 12), st.sampled_from([0xFD, 0xFE, 0xFF])))
    day = draw(st.one_of(st.integers(1, 28), st.sampled_from([0xFD, 0xFE, 0xFF])))
    weekday = draw(st.one_of(st.just(0xFF), st.integers(1, 7)))
    if year != 0xFFFF and 1 <= month <= 12 and 1 <= day <= 28 and weekday != 0xFF:
        weekday = weekday_of(year, month, day)
    return CosemDate(year, month, day, weekday)


def cosem_dates(*, valid: bool = False) -> st.SearchStrategy[CosemDate]:
    """COSEM dates: any 5-octet pattern, or (``valid=True``) only legal ones with wildcards."""
    if valid:
        return _valid_dates()
    return st.builds(CosemDate, st.integers(0, 0xFFFF), _OCTET, _OCTET, _OCTET)


def cosem_times(*, valid: bool = False, wildcards: bool = True) -> st.SearchStrategy[CosemTime]:
    """COSEM times: any pattern, or legal ones (``FF`` wildcards unless ``wildcards=False``)."""
    if not valid:
        return st.builds(CosemTime, _OCTET, _OCTET, _OCTET, _OCTET)

    def field(limit: int) -> st.SearchStrategy[int]:
        base = st.integers(0, limit)
        return st.one_of(base, st.just(0xFF)) if wildcards else base

    return st.builds(CosemTime, field(23), field(59), field(59), field(99))


def cosem_datetimes(*, valid: bool = False) -> st.SearchStrategy[CosemDateTime]:
    """COSEM date-times: any pattern, or legal ones (wildcards, deviation ``8000`` included)."""
    if not valid:
        return st.builds(
            CosemDateTime,
            cosem_dates(),
            cosem_times(),
            st.integers(-0x8000, 0x7FFF),
            _OCTET,
        )
    status = st.one_of(st.just(0xFF), st.integers(0, 0x0F), st.integers(0x80, 0x8F))
    return st.builds(
        CosemDateTime,
        cosem_dates(valid=True),
        cosem_times(valid=True),
        st.one_of(st.just(-0x8000), st.integers(-720, 720)),
        status,
    )


def bit_strings(*, max_bits: int = 80) -> st.SearchStrategy[BitString]:
    """Bit-strings of 0..``max_bits`` bits with zero padding."""
    return st.lists(st.booleans(), max_size=max_bits).map(BitString.from_bits)


def _ints(cls: type[Data], lo: int, hi: int) -> st.SearchStrategy[Data]:
    return st.integers(lo, hi).map(cls)


_SIMPLE: dict[int, Callable[[], st.SearchStrategy[Data]]] = {
    0: lambda: st.just(NullData()),
    3: lambda: _OCTET.map(Boolean),
    4: bit_strings,
    5: lambda: _ints(DoubleLong, -(1 << 31), (1 << 31) - 1),
    6: lambda: _ints(DoubleLongUnsigned, 0, (1 << 32) - 1),
    9: lambda: st.binary(max_size=40).map(OctetString),
    10: lambda: st.binary(max_size=20).map(VisibleString),
    12: lambda: st.binary(max_size=20).map(Utf8String),
    13: lambda: _ints(Bcd, 0, 255),
    15: lambda: _ints(Integer, -128, 127),
    16: lambda: _ints(Long, -(1 << 15), (1 << 15) - 1),
    17: lambda: _ints(Unsigned, 0, 255),
    18: lambda: _ints(LongUnsigned, 0, 0xFFFF),
    20: lambda: _ints(Long64, -(1 << 63), (1 << 63) - 1),
    21: lambda: _ints(Long64Unsigned, 0, (1 << 64) - 1),
    22: lambda: _ints(Enum, 0, 255),
    23: lambda: st.binary(min_size=4, max_size=4).map(Float32),
    24: lambda: st.binary(min_size=8, max_size=8).map(Float64),
    25: lambda: cosem_datetimes().map(DateTimeData),
    26: lambda: cosem_dates().map(DateData),
    27: lambda: cosem_times().map(TimeData),
}


@functools.cache
def simple_dlms_values(tag: int | None = None) -> st.SearchStrategy[Data]:
    """Non-container Data values (every simple tag, or just ``tag``)."""
    if tag is not None:
        return _SIMPLE[tag]()
    return st.one_of([make() for make in _SIMPLE.values()])


@functools.cache
def type_descriptions(*, max_depth: int = 2) -> st.SearchStrategy[TypeDescription]:
    """Compact-array type descriptions: simple types, arrays (count 0..3) and structures."""
    simple = st.sampled_from(sorted(_SIMPLE)).map(TypeDescription)
    if max_depth <= 0:
        return simple
    inner = type_descriptions(max_depth=max_depth - 1)
    return st.one_of(
        simple,
        st.builds(lambda c, e: TypeDescription(1, c, (e,)), st.integers(0, 3), inner),
        st.lists(inner, max_size=3).map(lambda ms: TypeDescription(2, None, tuple(ms))),
    )


def _zero_size(desc: TypeDescription) -> bool:
    if desc.tag == 0:
        return True
    if desc.tag == 1:
        return desc.count == 0 or _zero_size(desc.elements[0])
    if desc.tag == 2:
        return all(_zero_size(e) for e in desc.elements)
    return False


def _values_for(desc: TypeDescription) -> st.SearchStrategy[Data]:
    if desc.tag == 1:
        element = _values_for(desc.elements[0])
        count = desc.count or 0
        return st.lists(element, min_size=count, max_size=count).map(Array)
    if desc.tag == 2:
        return st.tuples(*(_values_for(e) for e in desc.elements)).map(Structure)
    return _SIMPLE[desc.tag]()


@st.composite
def _compact_arrays(draw: st.DrawFn) -> CompactArray:
    desc = draw(type_descriptions())
    if _zero_size(desc):
        return CompactArray(desc, ())
    items = draw(st.lists(_values_for(desc), max_size=4))
    return CompactArray(desc, tuple(items))


@functools.cache
def dlms_values(*, max_leaves: int = 30) -> st.SearchStrategy[Data]:
    """Any A-XDR Data value: every tag, nested arrays/structures and compact-arrays."""
    leaves = st.one_of(simple_dlms_values(), _compact_arrays())
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=5).map(Array),
            st.lists(children, max_size=5).map(Structure),
        ),
        max_leaves=max_leaves,
    )


_TEMPLATE_SCRIPT = Obis(0, 0, 10, 128, 100, 255)


@st.composite
def _conforming_entries(draw: st.DrawFn) -> ScheduleEntry:
    selector = draw(st.sampled_from([1, 2]))
    return ScheduleEntry(
        index=draw(st.integers(0, 0xFFFF)),
        enable=Boolean(draw(st.sampled_from([0x01, 0xFF]))),
        script_logical_name=_TEMPLATE_SCRIPT,
        script_selector=selector,
        switch_time=draw(cosem_times(valid=True, wildcards=False)),
        validity_window=0xFFFF,
        exec_weekdays=BitString(7, b"\xfe"),
        exec_specdays=BitString(0, b""),
        begin_date=CosemDate(0, 1, 0xFF, 0xFF),
        end_date=CosemDate(0xFFFF, 0xFF, 0xFF, 0xFF),
    )


def schedule_entries(*, conforming: bool = False) -> st.SearchStrategy[ScheduleEntry]:
    """IC 10 schedule entries.

    ``conforming=True`` draws entries that follow the GBCS ECS37 template constants (enable
    ``01`` or ``FF``, script 0-0:10.128.100.255, selector 1/2, window ``FFFF``, weekdays ``FE``
    as bit-string(7), empty specdays, begin ``000001FFFF``, end all ``FF``) with any
    wildcard-free switch time; otherwise every field is arbitrary.
    """
    if conforming:
        return _conforming_entries()
    u16 = st.integers(0, 0xFFFF)
    return st.builds(
        ScheduleEntry,
        index=u16,
        enable=_OCTET.map(Boolean),
        script_logical_name=obis_codes(),
        script_selector=u16,
        switch_time=cosem_times(),
        validity_window=u16,
        exec_weekdays=bit_strings(max_bits=16),
        exec_specdays=bit_strings(max_bits=16),
        begin_date=cosem_dates(),
        end_date=cosem_dates(),
    )


@st.composite
def _request_specs(draw: st.DrawFn) -> RequestSpec:
    kind = draw(st.sampled_from(list(AccessKind)))
    class_id = draw(st.integers(0, 0xFFFF))
    instance = draw(obis_codes())
    attribute = draw(_OCTET)
    if kind is AccessKind.GET_WITH_SELECTION:
        selector = draw(_OCTET)
        parameters = draw(dlms_values(max_leaves=3))
        return RequestSpec(kind, class_id, instance, attribute, selector, parameters)
    return RequestSpec(kind, class_id, instance, attribute)


def _date_time_fields() -> st.SearchStrategy[bytes]:
    return st.one_of(st.just(b""), cosem_datetimes().map(CosemDateTime.to_bytes))


@st.composite
def _access_requests(draw: st.DrawFn) -> AccessRequest:
    specs = draw(st.lists(_request_specs(), max_size=3))
    data = draw(st.lists(dlms_values(max_leaves=5), min_size=len(specs), max_size=len(specs)))
    return AccessRequest(
        draw(st.integers(0, 0xFFFFFFFF)), tuple(specs), tuple(data), draw(_date_time_fields())
    )


def access_requests() -> st.SearchStrategy[AccessRequest]:
    """ACCESS.requests with as many data items as specifications (the GBCS pairing)."""
    return _access_requests()


@st.composite
def _access_responses(draw: st.DrawFn) -> AccessResponse:
    count = draw(st.integers(0, 3))
    data = draw(st.lists(dlms_values(max_leaves=5), min_size=count, max_size=count))
    codes = st.one_of(st.sampled_from(sorted(RESULT_NAMES)), _OCTET)
    results = draw(
        st.lists(
            st.builds(ResponseSpec, st.sampled_from([1, 2, 3]), codes),
            min_size=count,
            max_size=count,
        )
    )
    echoed = draw(st.one_of(st.none(), st.lists(_request_specs(), max_size=2).map(tuple)))
    return AccessResponse(
        draw(st.integers(0, 0xFFFFFFFF)),
        tuple(data),
        tuple(results),
        draw(_date_time_fields()),
        echoed,
    )


def access_responses() -> st.SearchStrategy[AccessResponse]:
    """ACCESS.responses, sometimes with an echoed request specification list."""
    return _access_responses()


# --- data-notification (GBCS DLMS alerts) -----------------------------------------------------


@st.composite
def _alert_bodies(draw: st.DrawFn) -> Data:
    code = LongUnsigned(draw(st.sampled_from((0x8F66, 0x8F0A, 0x8F30, 0x810E, 0x8F88, 0x1234))))
    when = OctetString(draw(cosem_datetimes()).to_bytes())
    extra = draw(st.lists(simple_dlms_values(), max_size=3))
    return Structure((code, when, *extra))


@st.composite
def _data_notifications(draw: st.DrawFn) -> DataNotification:
    body = draw(st.one_of(_alert_bodies(), dlms_values(max_leaves=8)))
    date_time = draw(st.one_of(st.just(b""), cosem_datetimes().map(CosemDateTime.to_bytes)))
    return DataNotification(draw(st.integers(0, 2**32 - 1)), body, date_time)


def data_notifications() -> st.SearchStrategy[DataNotification]:
    """DLMS data-notifications: GBCS alert bodies (code, date-time, extra items) or any Data."""
    return _data_notifications()
