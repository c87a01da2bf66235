"""DLMS ACCESS request (``D9``) and response (``DA``) as GBCS carries them.

Layout as stated in SmartDCCInnovation/gbcs-parser ``src/dlms.ts`` and checked on all 681 RTDS
4.5.0 ACCESS payloads:

``ACCESS.request``: ``D9``, long-invoke-id-and-priority (4 octets), date-time (a length and that
many octets; ``00`` = absent), request specifications (count, then CHOICE items), list of data
(count, then Data).

``ACCESS.response``: ``DA``, invoke id (4), date-time, optional echoed request specifications
(``00`` absent; ``01`` then a count and specifications -- the A-XDR OPTIONAL convention,
*inferred*, never seen in RTDS), list of data, response specifications (count, then CHOICE
``01`` get / ``02`` set with a data-access-result octet, ``03`` action with an action-result).

Every record keeps the offset (into the ACCESS bytes) where it starts; Data values keep theirs.
"""

from __future__ import annotations

import gc
import struct
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any, TypeVar

import attrs

from secrules.core.slots import slot_setters
from secrules.dlms.cosem import CosemDateTime, Obis
from secrules.dlms.data import (
    Data,
    DecodeBudget,
    _as_bytes,
    _budget_for,
    _tagged_items,
    decode_data_at,
    pause_gc,
)
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "ACCESS_REQUEST_TAG",
    "ACCESS_RESPONSE_TAG",
    "RESULT_NAMES",
    "AccessKind",
    "AccessRequest",
    "AccessResponse",
    "RequestSpec",
    "ResponseSpec",
    "decode_access",
    "decode_access_request",
    "decode_access_response",
    "encode_access",
    "result_name",
]

ACCESS_REQUEST_TAG = 0xD9
ACCESS_RESPONSE_TAG = 0xDA

# The fixed-size parts of an ACCESS APDU, declared once (IEC 62056-5-3 via gbcs-parser
# src/dlms.ts): tag and invoke-id, then per specification class id, instance id and attribute.
_HEADER = struct.Struct(">BI")
_DESCRIPTOR = struct.Struct(">H6sB")

#: Data-access-result and action-result names (gbcs-parser ``src/common.ts``; stated).
RESULT_NAMES: dict[int, str] = {
    0: "success",
    1: "hardware fault",
    2: "temporary failure",
    3: "read-write denied",
    4: "object undefined",
    9: "object class inconsistent",
    11: "object unavailable",
    12: "type unmatched",
    13: "scope of access violated",
    14: "data block unavailable",
    15: "long get/action aborted",
    16: "no long get/action in progress",
    17: "long set aborted",
    18: "no long set in progress",
    19: "data block number invalid",
    250: "other reason",
}


def result_name(code: int) -> str:
    """The name of a result code, or ``"unknown result N"``."""
    return RESULT_NAMES.get(code, f"unknown result {code}")


class AccessKind(IntEnum):
    """The request/response specification CHOICE numbers."""

    GET = 1
    SET = 2
    ACTION = 3
    GET_WITH_SELECTION = 4


def _octet(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise InvalidValueError(f"{attribute.name}: expected 0..255, got {value!r}")


def _uint16(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFF:
        raise InvalidValueError(f"{attribute.name}: expected 0..65535, got {value!r}")


def _uint32(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
        raise InvalidValueError(f"{attribute.name}: expected a uint32, got {value!r}")


def _raw_bytes(_inst: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if type(value) is not bytes:
        raise InvalidValueError(f"{attribute.name}: expected bytes, got {type(value).__name__}")


def _data_tuple(_inst: object, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    for i, item in enumerate(value):
        if not isinstance(item, Data):
            raise InvalidValueError(f"{attribute.name}[{i}]: expected Data, got {item!r}")


def _specs(items: Iterable[RequestSpec]) -> tuple[RequestSpec, ...]:
    return tuple(items)


def _results(items: Iterable[ResponseSpec]) -> tuple[ResponseSpec, ...]:
    return tuple(items)


def _datas(items: Iterable[Data]) -> tuple[Data, ...]:
    return tuple(items)


def _optional_specs(items: Iterable[RequestSpec] | None) -> tuple[RequestSpec, ...] | None:
    return None if items is None else tuple(items)


@attrs.frozen
class RequestSpec:
    """One request specification: GET, SET or ACTION of an attribute/method, or GET with selection.

    ``attribute`` is the attribute id (GET/SET) or method id (ACTION). ``selector`` and
    ``parameters`` (access selector and access parameters Data) are present exactly for
    :attr:`AccessKind.GET_WITH_SELECTION`.
    """

    kind: AccessKind = attrs.field(converter=AccessKind)
    class_id: int = attrs.field(validator=_uint16)
    instance: Obis
    attribute: int = attrs.field(validator=_octet)
    selector: int | None = None
    parameters: Data | None = None
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.kind is AccessKind.GET_WITH_SELECTION:
            if self.selector is None or not isinstance(self.parameters, Data):
                raise InvalidValueError("GET-with-selection needs a selector and parameters")
            if not 0 <= self.selector <= 0xFF:
                raise InvalidValueError(f"selector: expected 0..255, got {self.selector!r}")
        elif self.selector is not None or self.parameters is not None:
            raise InvalidValueError(f"{self.kind.name} takes no selector or parameters")

    def _encode(self, out: bytearray) -> None:
        out.append(self.kind)
        out += _DESCRIPTOR.pack(self.class_id, self.instance.to_bytes(), self.attribute)
        if self.kind is AccessKind.GET_WITH_SELECTION:
            out.append(self.selector or 0)
            assert self.parameters is not None  # noqa: S101 - checked in __attrs_post_init__
            out += self.parameters.encode()


@attrs.frozen
class ResponseSpec:
    """One response specification: ``kind`` GET, SET or ACTION and its result code."""

    kind: AccessKind = attrs.field(converter=AccessKind)
    result: int = attrs.field(validator=_octet)
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.kind is AccessKind.GET_WITH_SELECTION:
            raise InvalidValueError("a response specification is GET, SET or ACTION")

    @property
    def result_name(self) -> str:
        """The result's name (``"success"``, ``"hardware fault"``...)."""
        return result_name(self.result)

    @property
    def succeeded(self) -> bool:
        """True when the result is 0 (success)."""
        return self.result == 0


def _date_time_value(raw: bytes) -> CosemDateTime | None:
    return CosemDateTime.from_bytes(raw) if len(raw) == 12 else None


@attrs.frozen
class AccessRequest:
    """A DLMS ACCESS.request (``D9``).

    ``invoke_id`` is the raw long-invoke-id-and-priority (uint32; GBCS puts the low 24 bits of
    the originator counter there). ``date_time`` is the raw octets (``b""`` when absent).
    ``specs`` and ``data`` are the two lists; GBCS pairs them one to one (:meth:`pairs`) but
    the codec does not require equal counts.
    """

    invoke_id: int = attrs.field(validator=_uint32)
    specs: tuple[RequestSpec, ...] = attrs.field(converter=_specs)
    data: tuple[Data, ...] = attrs.field(converter=_datas, validator=_data_tuple)
    date_time: bytes = attrs.field(default=b"", validator=_raw_bytes)
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    @property
    def date_time_value(self) -> CosemDateTime | None:
        """The date-time as a :class:`CosemDateTime` when it is 12 octets, else None."""
        return _date_time_value(self.date_time)

    def pairs(self) -> tuple[tuple[RequestSpec, Data | None], ...]:
        """Each specification with its data item (None when the data list is shorter)."""
        return tuple(
            (spec, self.data[i] if i < len(self.data) else None)
            for i, spec in enumerate(self.specs)
        )

    def encode(self) -> bytes:
        """The ACCESS.request octets."""
        out = bytearray(_HEADER.pack(ACCESS_REQUEST_TAG, self.invoke_id))
        out += encode_length(len(self.date_time))
        out += self.date_time
        out += encode_length(len(self.specs))
        for spec in self.specs:
            spec._encode(out)
        out += encode_length(len(self.data))
        for item in self.data:
            out += item.encode()
        return bytes(out)


@attrs.frozen
class AccessResponse:
    """A DLMS ACCESS.response (``DA``): data list and per-item results.

    ``request_specs`` is the optional echoed request specification list (None when absent,
    the only form seen in RTDS).
    """

    invoke_id: int = attrs.field(validator=_uint32)
    data: tuple[Data, ...] = attrs.field(converter=_datas, validator=_data_tuple)
    results: tuple[ResponseSpec, ...] = attrs.field(converter=_results)
    date_time: bytes = attrs.field(default=b"", validator=_raw_bytes)
    request_specs: tuple[RequestSpec, ...] | None = attrs.field(
        default=None, converter=_optional_specs
    )
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    @property
    def date_time_value(self) -> CosemDateTime | None:
        """The date-time as a :class:`CosemDateTime` when it is 12 octets, else None."""
        return _date_time_value(self.date_time)

    def encode(self) -> bytes:
        """The ACCESS.response octets."""
        out = bytearray(_HEADER.pack(ACCESS_RESPONSE_TAG, self.invoke_id))
        out += encode_length(len(self.date_time))
        out += self.date_time
        if self.request_specs is None:
            out.append(0)
        else:
            out.append(1)
            out += encode_length(len(self.request_specs))
            for spec in self.request_specs:
                spec._encode(out)
        out += encode_length(len(self.data))
        for item in self.data:
            out += item.encode()
        out += encode_length(len(self.results))
        for result in self.results:
            out.append(result.kind)
            out.append(result.result)
        return bytes(out)


# --------------------------------------------------------------------------------------------
# Decoding


def _need(data: bytes, pos: int, size: int, what: str, path: str) -> None:
    if pos + size > len(data):
        raise DecodeError(f"truncated {what}", offset=pos, path=path)


def _read_header(data: bytes, tag: int) -> tuple[int, bytes, int]:
    _need(data, 0, 5, "ACCESS header", "invoke_id")
    first, invoke_id = _HEADER.unpack_from(data, 0)
    if first != tag:
        raise DecodeError(
            f"expected ACCESS tag 0x{tag:02X}, found 0x{first:02X}", offset=0, path="tag"
        )
    size, pos = decode_length(data, 5, path="date_time")
    _need(data, pos, size, f"date-time of {size} octets", "date_time")
    return invoke_id, data[pos : pos + size], pos + size


# Records are filled slot by slot (object.__new__ and the slots' own setters), skipping
# __init__: every value below is range-checked by the reader (octets, a 16-bit class id, a
# choice number looked up in _KINDS); tests compare decoded records with __init__-built ones.
_new = object.__new__


# Choice octet -> kind (None where the choice is not one): one lookup checks and converts.
_KINDS: tuple[AccessKind | None, ...] = tuple(
    {int(kind): kind for kind in AccessKind}.get(i) for i in range(256)
)
_RESULT_KINDS: tuple[AccessKind | None, ...] = tuple(
    None if kind is AccessKind.GET_WITH_SELECTION else kind for kind in _KINDS
)
# A request specification's fixed part: choice, class id, instance id (6 octets), attribute.
_SPEC_HEAD = struct.Struct(">BH6sB")
_OBIS_SETTERS = slot_setters(Obis, "a", "b", "c", "d", "e", "f")
_SPEC_SETTERS = slot_setters(
    RequestSpec, "kind", "class_id", "instance", "attribute", "selector", "parameters", "offset"
)
_RESULT_SETTERS = slot_setters(ResponseSpec, "kind", "result", "offset")
_REQUEST_SETTERS = slot_setters(AccessRequest, "invoke_id", "specs", "data", "date_time", "offset")
_RESPONSE_SETTERS = slot_setters(
    AccessResponse, "invoke_id", "data", "results", "date_time", "request_specs", "offset"
)

# Obis is immutable and compared by value, so decodes share one per code: a fleet addresses
# few objects. Bounded: emptied when full, so hostile input cannot grow it without limit.
_OBIS_CACHE: dict[bytes, Obis] = {}
_OBIS_CACHE_SIZE = 1024


def _obis(octets: bytes) -> Obis:
    """The (shared) Obis of six instance-id octets."""
    obis = _OBIS_CACHE.get(octets)
    if obis is None:
        if len(_OBIS_CACHE) >= _OBIS_CACHE_SIZE:
            _OBIS_CACHE.clear()
        obis = _OBIS_CACHE[octets] = _new(Obis)
        set_a, set_b, set_c, set_d, set_e, set_f = _OBIS_SETTERS
        a, b, c, d, e, f = octets
        set_a(obis, a)
        set_b(obis, b)
        set_c(obis, c)
        set_d(obis, d)
        set_e(obis, e)
        set_f(obis, f)
    return obis


def _read_specs(
    data: bytes, pos: int, name: str, budget: DecodeBudget
) -> tuple[tuple[RequestSpec, ...], int]:
    count, pos = decode_length(data, pos, path=name)
    if count > len(data) - pos:
        raise DecodeError(f"{name} count {count} exceeds the data", offset=pos, path=name)
    budget._pay(count, pos, name, "request specifications")
    set_kind, set_class, set_instance, set_attribute, set_selector, set_parameters, set_offset = (
        _SPEC_SETTERS
    )
    new, unpack, kinds, cached = _new, _SPEC_HEAD.unpack_from, _KINDS, _OBIS_CACHE.get
    specs: list[RequestSpec] = []
    append = specs.append
    n = len(data)
    for i in range(count):
        start = pos
        if pos + 10 > n:
            raise DecodeError("truncated request specification", offset=pos, path=f"{name}[{i}]")
        choice, class_id, instance, attribute = unpack(data, pos)
        kind = kinds[choice]
        if kind is None:
            raise DecodeError(
                f"unknown request specification choice 0x{choice:02X}",
                offset=pos,
                path=f"{name}[{i}]",
            )
        pos += 10
        selector: int | None = None
        parameters: Data | None = None
        if choice == 4:
            path = f"{name}[{i}]"
            _need(data, pos, 1, "access selector", path + ".selector")
            selector = data[pos]
            try:
                parameters, pos = decode_data_at(data, pos + 1, budget=budget)
            except DecodeError as exc:
                exc.path = f"{path}.parameters{exc.path or ''}"
                raise
        obis = cached(instance)
        spec = new(RequestSpec)
        set_kind(spec, kind)
        set_class(spec, class_id)
        set_instance(spec, _obis(instance) if obis is None else obis)
        set_attribute(spec, attribute)
        set_selector(spec, selector)
        set_parameters(spec, parameters)
        set_offset(spec, start)
        append(spec)
    return tuple(specs), pos


def _read_data_list(data: bytes, pos: int, budget: DecodeBudget) -> tuple[tuple[Data, ...], int]:
    count, pos = decode_length(data, pos, path="data")
    if count > len(data) - pos:
        raise DecodeError(f"data count {count} exceeds the data", offset=pos, path="data")
    try:
        budget._pay(count, pos, "", "Data values")
        budget.depth = 0
        return _tagged_items("list", data, pos, len(data), count, budget)
    except DecodeError as exc:
        exc.path = f"data{exc.path or ''}"
        raise


def _read_results(
    data: bytes, pos: int, budget: DecodeBudget
) -> tuple[tuple[ResponseSpec, ...], int]:
    count, pos = decode_length(data, pos, path="results")
    if count > len(data) - pos:
        raise DecodeError(f"results count {count} exceeds the data", offset=pos, path="results")
    budget._pay(count, pos, "results", "response specifications")
    set_kind, set_result, set_offset = _RESULT_SETTERS
    kinds = _RESULT_KINDS
    new = _new
    results: list[ResponseSpec] = []
    append = results.append
    whole = min(count, (len(data) - pos) // 2)  # specifications not cut short by the end
    for i in range(whole):
        kind = kinds[data[pos]]
        if kind is None:
            raise DecodeError(
                f"unknown response specification choice 0x{data[pos]:02X}",
                offset=pos,
                path=f"results[{i}]",
            )
        result = new(ResponseSpec)
        set_kind(result, kind)
        set_result(result, data[pos + 1])
        set_offset(result, pos)
        append(result)
        pos += 2
    if whole < count:
        raise DecodeError("truncated response specification", offset=pos, path=f"results[{whole}]")
    return tuple(results), pos


def _check_end(data: bytes, pos: int) -> None:
    if pos != len(data):
        raise DecodeError(f"{len(data) - pos} trailing octets after ACCESS", offset=pos, path="")


def _request(data: bytes, budget: DecodeBudget) -> AccessRequest:
    invoke_id, date_time, pos = _read_header(data, ACCESS_REQUEST_TAG)
    specs, pos = _read_specs(data, pos, "specs", budget)
    items, pos = _read_data_list(data, pos, budget)
    _check_end(data, pos)
    set_invoke_id, set_specs, set_data, set_date_time, set_offset = _REQUEST_SETTERS
    request = _new(AccessRequest)
    set_invoke_id(request, invoke_id)
    set_specs(request, specs)
    set_data(request, items)
    set_date_time(request, date_time)
    set_offset(request, 0)
    return request


def _response(data: bytes, budget: DecodeBudget) -> AccessResponse:
    invoke_id, date_time, pos = _read_header(data, ACCESS_RESPONSE_TAG)
    _need(data, pos, 1, "echoed request specification flag", "request_specs")
    flag = data[pos]
    request_specs: tuple[RequestSpec, ...] | None
    if flag == 0:
        request_specs, pos = None, pos + 1
    elif flag == 1:
        request_specs, pos = _read_specs(data, pos + 1, "request_specs", budget)
    else:
        raise DecodeError(
            f"invalid OPTIONAL flag 0x{flag:02X} for the echoed request specification",
            offset=pos,
            path="request_specs",
        )
    items, pos = _read_data_list(data, pos, budget)
    results, pos = _read_results(data, pos, budget)
    _check_end(data, pos)
    set_invoke_id, set_data, set_results, set_date_time, set_request_specs, set_offset = (
        _RESPONSE_SETTERS
    )
    response = _new(AccessResponse)
    set_invoke_id(response, invoke_id)
    set_data(response, items)
    set_results(response, results)
    set_date_time(response, date_time)
    set_request_specs(response, request_specs)
    set_offset(response, 0)
    return response


_Record = TypeVar("_Record", AccessRequest, AccessResponse)


def _decode(
    data: object, budget: DecodeBudget | None, read: Callable[[bytes, DecodeBudget], _Record]
) -> _Record:
    """``read`` the ACCESS bytes ``data`` within ``budget``, the collector paused when large."""
    octets = _as_bytes(data)
    spend = _budget_for(len(octets), budget)
    paused = pause_gc(len(octets))
    try:
        return read(octets, spend)
    finally:
        if paused:
            gc.enable()


def decode_access_request(data: bytes, *, budget: DecodeBudget | None = None) -> AccessRequest:
    """Decode a complete ACCESS.request (``D9``); DecodeError with offset and path otherwise.

    Every specification and Data node is paid from ``budget`` (default: for the length of
    ``data``; see :class:`~secrules.dlms.data.DecodeBudget`).
    """
    return _decode(data, budget, _request)


def decode_access_response(data: bytes, *, budget: DecodeBudget | None = None) -> AccessResponse:
    """Decode a complete ACCESS.response (``DA``); DecodeError with offset and path otherwise.

    ``budget`` as for :func:`decode_access_request`.
    """
    return _decode(data, budget, _response)


def decode_access(
    data: bytes, *, budget: DecodeBudget | None = None
) -> AccessRequest | AccessResponse:
    """Decode an ACCESS.request (first octet ``D9``) or ACCESS.response (``DA``).

    ``budget`` as for :func:`decode_access_request`.
    """
    data = _as_bytes(data)
    if not data:
        raise DecodeError("empty ACCESS payload", offset=0, path="tag")
    if data[0] == ACCESS_REQUEST_TAG:
        return decode_access_request(data, budget=budget)
    if data[0] == ACCESS_RESPONSE_TAG:
        return decode_access_response(data, budget=budget)
    raise DecodeError(f"not a DLMS ACCESS payload (tag 0x{data[0]:02X})", offset=0, path="tag")


def encode_access(value: AccessRequest | AccessResponse) -> bytes:
    """Encode an :class:`AccessRequest` or :class:`AccessResponse` (exact round trip)."""
    if not isinstance(value, AccessRequest | AccessResponse):
        raise InvalidValueError(f"expected an ACCESS request or response, got {value!r}")
    return value.encode()
