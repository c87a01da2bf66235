"""ZCL frames inside GBZ components: the ZCL header and the command payload, field by field.

The header (ZCL frame control, optional manufacturer code, transaction sequence number,
command id) is as zigpy 2.4.0 ``ZCLHeader`` reads it; GBCS keeps it in clear even in encrypted
components. Payloads are read by layout: the profile-wide (general) Read Attributes, Read
Attributes Response and Default Response, and the cluster-specific commands GBCS uses, declared
in ``data/zcl.toml``. Unknown commands, manufacturer-specific cluster commands and attribute
values of unknown data types are kept as raw octets, never an error (GBCS ZCL payloads; the
reference gbcs-parser refuses them). Fields are little-endian.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

import attrs

from secrules.core.slots import slot_setters
from secrules.core.tree import Node
from secrules.errors import DecodeError, InvalidValueError
from secrules.zigbee.names import Field, ZclNames, zcl_names
from secrules.zigbee.types import (
    FIELD_TYPES,
    FieldType,
    read_field,
    utc_datetime,
    utc_text,
    write_field,
    zcl_date,
)

__all__ = [
    "DEFAULT_RESPONSE",
    "READ_ATTRIBUTES",
    "READ_ATTRIBUTES_RESPONSE",
    "ZclGroup",
    "ZclHeader",
    "ZclItem",
    "ZclPayload",
    "ZclValue",
    "decode_zcl_header",
    "decode_zcl_plaintext",
]

READ_ATTRIBUTES: Final = 0x00
READ_ATTRIBUTES_RESPONSE: Final = 0x01
DEFAULT_RESPONSE: Final = 0x0B
_MANUFACTURER_SPECIFIC: Final = 0x04
_SUCCESS: Final = 0x00
_R = TypeVar("_R", bound=attrs.AttrsInstance)


def _field_type(_inst: object, _attr: object, value: str) -> None:
    if value not in FIELD_TYPES:
        raise InvalidValueError(f"unknown ZCL field type {value!r}")


def _items(value: Iterable[ZclItem]) -> tuple[ZclItem, ...]:
    return value if isinstance(value, tuple) else tuple(value)


@attrs.frozen
class ZclValue:
    """One field: ``name``, its field ``type`` (a key of ``FIELD_TYPES``) and its value."""

    name: str
    type: str = attrs.field(validator=_field_type)
    value: int | bytes

    def encode(self) -> bytes:
        """The field's octets (a string with its length octet)."""
        return write_field(FIELD_TYPES[self.type], self.value, self.name)


@attrs.frozen
class ZclGroup:
    """A group of fields: a list (``records``) or one of its items (``[0]``)."""

    name: str
    items: tuple[ZclItem, ...] = attrs.field(converter=_items)

    def encode(self) -> bytes:
        """The octets of every item in order."""
        return b"".join(item.encode() for item in self.items)


ZclItem = ZclValue | ZclGroup


def _uint(bits: int, what: str) -> Callable[[Any, Any, Any], None]:
    def check(_inst: object, _attr: object, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >> bits:
            raise InvalidValueError(f"{what} must be an unsigned {bits}-bit int")

    return check


@attrs.frozen
class ZclHeader:
    """A ZCL header (ZCL 2.4.1; zigpy ``ZCLHeader``).

    Frame control bits 0-1 frame type (0 profile-wide, 1 cluster-specific), bit 2
    manufacturer-specific (a 2-octet little-endian manufacturer code follows), bit 3 direction
    (0 client to server, 1 server to client), bit 4 disable default response.
    """

    frame_control: int = attrs.field(validator=_uint(8, "frame_control"))
    sequence_number: int = attrs.field(validator=_uint(8, "sequence_number"))
    command_id: int = attrs.field(validator=_uint(8, "command_id"))
    manufacturer_code: int | None = attrs.field(
        default=None,
        validator=_uint(16, "manufacturer_code"),
    )

    def __attrs_post_init__(self) -> None:
        if self.manufacturer_specific != (self.manufacturer_code is not None):
            raise InvalidValueError(
                "a manufacturer code is present exactly when frame control bit 2 is set"
            )

    @property
    def frame_type(self) -> int:
        """0 profile-wide (general), 1 cluster-specific, 2-3 reserved."""
        return self.frame_control & 0x03

    @property
    def cluster_specific(self) -> bool:
        """Whether the command is cluster-specific (frame type 1)."""
        return self.frame_type == 1

    @property
    def manufacturer_specific(self) -> bool:
        """Frame control bit 2."""
        return bool(self.frame_control & _MANUFACTURER_SPECIFIC)

    @property
    def direction(self) -> int:
        """0 client to server, 1 server to client (frame control bit 3)."""
        return (self.frame_control >> 3) & 1

    @property
    def disable_default_response(self) -> bool:
        """Frame control bit 4."""
        return bool(self.frame_control & 0x10)

    def encode(self) -> bytes:
        """The header's octets."""
        maker = (
            b"" if self.manufacturer_code is None else self.manufacturer_code.to_bytes(2, "little")
        )
        return bytes((self.frame_control,)) + maker + bytes((self.sequence_number, self.command_id))

    def frame_control_text(self) -> str:
        """``cluster-specific, server to client, default response allowed``."""
        kind = {0: "profile-wide", 1: "cluster-specific"}.get(
            self.frame_type, "reserved frame type"
        )
        parts = [
            kind,
            "manufacturer-specific" if self.manufacturer_specific else "",
            "server to client" if self.direction else "client to server",
            "default response disabled"
            if self.disable_default_response
            else "default response allowed",
        ]
        if self.frame_control & 0xE0:
            parts.append(f"reserved bits 0x{self.frame_control & 0xE0:02X}")
        return ", ".join(p for p in parts if p)

    def tree(self, offset: int = 0, *, cluster_id: int = 0, name: str = "zcl_header") -> Node:
        """The header as a node tree starting at ``offset``."""
        names = zcl_names()
        raw = self.encode()
        children = [
            Node("frame_control", offset, raw[:1], self.frame_control, self.frame_control_text())
        ]
        at = offset + 1
        if self.manufacturer_code is not None:
            children.append(
                Node(
                    "manufacturer_code",
                    at,
                    raw[1:3],
                    self.manufacturer_code,
                    f"0x{self.manufacturer_code:04X}",
                )
            )
            at += 2
        children.append(
            Node("sequence_number", at, raw[at - offset : at - offset + 1], self.sequence_number)
        )
        children.append(
            Node(
                "command_id",
                at + 1,
                raw[-1:],
                self.command_id,
                names.command(cluster_id, self.cluster_specific, self.direction, self.command_id),
            )
        )
        return Node(name, offset, raw, None, "", children)


# Decoded records are filled slot by slot (object.__new__ and the slots' own setters), skipping
# __init__'s validators and converters: every value below was range-checked by the reader
# itself (one octet is 0-255), and the property tests compare decoded records with
# __init__-built ones.
_new = object.__new__


def _filler(cls: type[_R]) -> Callable[..., _R]:
    """Build a ``cls`` from its attrs fields' values in order, bypassing ``__init__``.

    For records built a few times per payload; the hot ones below set their slots one by one.
    """
    setters = slot_setters(cls)

    def fill(*values: object) -> _R:
        item = _new(cls)
        for setter, value in zip(setters, values):  # noqa: B905  (as many as the fields)
            setter(item, value)
        return item

    return fill


_SET_HEADER: Final = slot_setters(ZclHeader)
_SET_GROUP: Final = slot_setters(ZclGroup)
_set_name, _set_type, _set_value = slot_setters(ZclValue)


def _header(frame_control: int, sequence: int, command: int, maker: int | None) -> ZclHeader:
    set_frame_control, set_sequence, set_command, set_maker = _SET_HEADER
    header = _new(ZclHeader)
    set_frame_control(header, frame_control)
    set_sequence(header, sequence)
    set_command(header, command)
    set_maker(header, maker)
    return header


def _group(name: str, items: tuple[ZclItem, ...]) -> ZclGroup:
    set_group_name, set_items = _SET_GROUP
    group = _new(ZclGroup)
    set_group_name(group, name)
    set_items(group, items)
    return group


def decode_zcl_header(data: bytes, pos: int, end: int, path: str) -> tuple[ZclHeader, int]:
    """Read a ZCL header at ``pos``: the header and the offset after it (DecodeError if short)."""
    if pos < end:
        fc = data[pos]
        if not fc & _MANUFACTURER_SPECIFIC:
            if pos + 3 <= end:
                return _header(fc, data[pos + 1], data[pos + 2], None), pos + 3
        elif pos + 5 <= end:
            maker = data[pos + 1] | data[pos + 2] << 8
            return _header(fc, data[pos + 3], data[pos + 4], maker), pos + 5
    layout: tuple[str, ...] = ("frame_control", "sequence_number", "command_id")
    if pos < end and data[pos] & _MANUFACTURER_SPECIFIC:
        layout = (
            "frame_control",
            "manufacturer_code",
            "manufacturer_code",
            "sequence_number",
            "command_id",
        )
    need = len(layout)
    missing = end - pos if end > pos else 0
    raise DecodeError(
        f"truncated ZCL header: {need} octets expected, {max(end - pos, 0)} left",
        offset=pos + missing,
        path=f"{path}.{layout[missing]}",
    )


# --- payloads ------------------------------------------------------------------------------

#: A field compiled for reading: name, type name, size (0: length-prefixed), signed, integer,
#: and the FieldType (read by :func:`read_field` when it is length-prefixed or runs short).
_Spec = tuple[str, str, int, bool, bool, FieldType]
#: A cluster-specific command compiled: its fields, its repeated record and its optional tail.
_Layout = tuple[tuple[_Spec, ...], tuple[_Spec, ...], tuple[_Spec, ...]]


def _spec(name: str, ftype: FieldType) -> _Spec:
    return (name, ftype.name, ftype.size or 0, ftype.signed, ftype.kind == "int", ftype)


def _specs(fields: tuple[Field, ...]) -> tuple[_Spec, ...]:
    return tuple(_spec(f.name, f.type) for f in fields)


@attrs.frozen
class _Compiled:
    """The names table's layouts compiled for reading (built once per table)."""

    names: ZclNames
    #: (cluster, direction, command) -> the command's layout.
    commands: dict[tuple[int, int, int], _Layout]
    #: Attribute data type id -> the spec of a value of it (raw octets when its length is
    #: unknown, as for a type the table does not list).
    values: dict[int, tuple[_Spec]]


def _compile(names: ZclNames) -> _Compiled:
    commands = {
        key: (_specs(c.fields), _specs(c.repeat), _specs(c.optional))
        for key, c in names.commands.items()
    }
    values = {
        type_id: _RAW_VALUE if ftype is None else (_spec("value", ftype),)
        for type_id, (_, ftype) in names.data_types.items()
    }
    return _Compiled(names, commands, values)


_COMPILED: list[_Compiled] = []


def _compiled() -> _Compiled:
    names = zcl_names()
    if not _COMPILED or _COMPILED[0].names is not names:
        _COMPILED[:] = [_compile(names)]
    return _COMPILED[0]


_from_bytes = int.from_bytes
_RECORD_HEAD: Final = (
    _spec("attribute_id", FIELD_TYPES["attribute_id"]),
    _spec("status", FIELD_TYPES["status"]),
)
_DATA_TYPE: Final = (_spec("data_type", FIELD_TYPES["data_type"]),)
# Raw octets to the end: an attribute value of a type whose length is unknown, the octets a
# known layout leaves over, a command without a layout.
_RAW_VALUE: Final = (_spec("value", FIELD_TYPES["raw"]),)
_TRAILING: Final = (_spec("trailing_octets", FIELD_TYPES["raw"]),)
_OCTETS: Final = (_spec("octets", FIELD_TYPES["raw"]),)
_DEFAULT_RESPONSE: Final = (
    _spec("command_id", FIELD_TYPES["command_id"]),
    _spec("status", FIELD_TYPES["status"]),
)


def _read(  # noqa: PLR0917
    specs: tuple[_Spec, ...], data: bytes, at: int, end: int, path: str, out: list[ZclItem]
) -> int:
    """Append the fields ``specs`` read at ``at`` to ``out``: the offset after them.

    A field that runs past ``end`` raises DecodeError at its offset, path ``{path}.{name}``.
    """
    for name, type_name, size, signed, integer, ftype in specs:
        nxt = at + size
        if size and nxt <= end:
            value: int | bytes = (
                _from_bytes(data[at:nxt], "little", signed=signed) if integer else data[at:nxt]
            )
        else:
            value, nxt = read_field(ftype, data, at, end, f"{path}.{name}")
        item = _new(ZclValue)
        _set_name(item, name)
        _set_type(item, type_name)
        _set_value(item, value)
        out.append(item)
        at = nxt
    return at


@functools.lru_cache(maxsize=256)
def _attribute_id(index: int) -> tuple[_Spec]:
    """The spec of the ``index``-th attribute id of a Read Attributes command (named ``[i]``)."""
    return (_spec(f"[{index}]", FIELD_TYPES["attribute_id"]),)


def _read_attributes(data: bytes, at: int, end: int, path: str) -> tuple[ZclItem, int]:
    ids: list[ZclItem] = []
    where = f"{path}.attribute_ids"
    while at < end:
        at = _read(_attribute_id(len(ids)), data, at, end, where, ids)
    return _group("attribute_ids", tuple(ids)), at


def _read_attributes_response(
    data: bytes, at: int, end: int, path: str, values: dict[int, tuple[_Spec]]
) -> tuple[ZclItem, int]:
    records: list[ZclItem] = []
    while at < end:
        where = f"{path}.records[{len(records)}]"
        record: list[ZclItem] = []
        at = _read(_RECORD_HEAD, data, at, end, where, record)
        if record[1].value == _SUCCESS:  # type: ignore[union-attr]
            at = _read(_DATA_TYPE, data, at, end, where, record)
            spec = values.get(record[2].value, _RAW_VALUE)  # type: ignore[union-attr,arg-type]
            at = _read(spec, data, at, end, where, record)
        records.append(_group(f"[{len(records)}]", tuple(record)))
    return _group("records", tuple(records)), at


def _cluster_command(  # noqa: PLR0917
    data: bytes,
    at: int,
    end: int,
    path: str,
    layout: _Layout,
    items: list[ZclItem],
) -> int:
    fields, repeat, optional = layout
    at = _read(fields, data, at, end, path, items)
    if repeat:
        records: list[ZclItem] = []
        while at < end:
            record: list[ZclItem] = []
            at = _read(repeat, data, at, end, f"{path}.records[{len(records)}]", record)
            records.append(_group(f"[{len(records)}]", tuple(record)))
        items.append(_group("records", tuple(records)))
    if optional and end - at >= sum(spec[2] or 1 for spec in optional):
        at = _read(optional, data, at, end, path, items)
    if at < end:
        at = _read(_TRAILING, data, at, end, path, items)
    return at


def _payload_items(  # noqa: PLR0917
    data: bytes, pos: int, end: int, cluster_id: int, header: ZclHeader, path: str
) -> tuple[ZclItem, ...]:
    compiled = _compiled()
    fc = header.frame_control
    command = header.command_id
    items: list[ZclItem] = []
    at = pos
    if fc & 0x03 == 0:  # profile-wide
        if command == READ_ATTRIBUTES:
            group, at = _read_attributes(data, at, end, path)
            items.append(group)
        elif command == READ_ATTRIBUTES_RESPONSE:
            group, at = _read_attributes_response(data, at, end, path, compiled.values)
            items.append(group)
        elif command == DEFAULT_RESPONSE:
            at = _read(_DEFAULT_RESPONSE, data, at, end, path, items)
    elif fc & 0x03 == 1 and not fc & _MANUFACTURER_SPECIFIC:
        layout = compiled.commands.get((cluster_id, (fc >> 3) & 1, command))
        if layout is not None:
            at = _cluster_command(data, at, end, path, layout, items)
    if at < end:
        _read(_OCTETS, data, at, end, path, items)
    return tuple(items)


@attrs.frozen
class ZclPayload:
    """A ZCL command payload read by layout, with the cluster and header that name it.

    ``items`` are the fields in wire order; a command without a known layout is one ``raw``
    item ``octets``; octets a known layout leaves over are a ``raw`` item ``trailing_octets``.
    """

    cluster_id: int
    header: ZclHeader
    items: tuple[ZclItem, ...] = attrs.field(converter=_items)

    @property
    def command_name(self) -> str:
        """``Start Sampling (0x07)``, or ``command 0x42``."""
        h = self.header
        return zcl_names().command(self.cluster_id, h.cluster_specific, h.direction, h.command_id)

    @property
    def decoded(self) -> bool:
        """Whether every octet was read by a layout (no ``octets`` or ``trailing_octets``)."""
        return not any(
            isinstance(i, ZclValue) and i.type == "raw" and i.name in ("octets", "trailing_octets")
            for i in self.items
        )

    def encode(self) -> bytes:
        """The payload's octets (the header is not included)."""
        return b"".join(item.encode() for item in self.items)

    def tree(self, offset: int = 0, *, name: str = "payload") -> Node:
        """The payload as a node tree starting at ``offset``."""
        return _payload_node(self, self.encode(), offset, name)


def decode_zcl_plaintext(data: bytes, *, cluster_id: int, header: ZclHeader) -> ZclPayload:
    """Decode the plaintext of an encrypted GBZ component: the ZCL payload its header names.

    ``cluster_id`` and ``header`` are the component's (in clear on the wire; see
    :attr:`secrules.zigbee.GbzComponent.header`). Offsets in errors count from the start of
    ``data``. Raises :class:`DecodeError` only.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    if not isinstance(header, ZclHeader):
        raise InvalidValueError("header must be a ZclHeader")
    raw = bytes(data)
    return ZclPayload(
        cluster_id, header, _payload_items(raw, 0, len(raw), cluster_id, header, "payload")
    )


# --- rendering -----------------------------------------------------------------------------


def _render(item: ZclValue, payload: ZclPayload) -> tuple[object, str]:
    names = zcl_names()
    ftype = FIELD_TYPES[item.type]
    value = item.value
    if isinstance(value, int):
        if item.type == "utc":
            return utc_datetime(value) or value, utc_text(value)
        if item.type == "status":
            return value, names.status(value)
        if item.type == "data_type":
            return value, names.data_type(value)
        if item.type == "attribute_id":
            return value, names.attribute(payload.cluster_id, value)
        if item.type == "cluster_id":
            return value, names.cluster(value)
        if item.type == "command_id":
            direction = 1 - payload.header.direction  # the command a response answers
            return value, names.command(payload.cluster_id, True, direction, value)  # noqa: FBT003
        if item.type == "bool":
            return value, {0: "false", 1: "true"}.get(value, f"0x{value:02X}")
        if item.type.startswith(("map", "data")):
            return value, f"0x{value:0{2 * (ftype.size or 1)}X}"
        return value, ""
    if item.type == "date":
        return zcl_date(value)
    if ftype.kind == "text":
        return value.decode("utf-8", "replace"), ""
    if item.type == "raw":
        return value, f"{len(value)} octet(s), not decoded"
    text = value.hex().upper()
    if item.type.startswith("octstr") and value and all(0x20 <= b < 0x7F for b in value):
        text += f' "{value.decode("ascii")}"'
    return value, text


def _size(item: ZclValue) -> int:
    """The encoded size of one field, without encoding it."""
    ftype = FIELD_TYPES[item.type]
    if ftype.kind == "raw":
        return len(item.value)  # type: ignore[arg-type]
    if ftype.size is not None:
        return ftype.size
    return ftype.prefix + len(item.value)  # type: ignore[arg-type]


def _payload_node(payload: ZclPayload, raw: bytes, offset: int, name: str) -> Node:
    """``payload`` (encoded as ``raw``, which starts at ``offset``) as a node tree."""
    nodes, _ = _nodes(payload.items, offset, payload, raw, offset)
    return Node(name, offset, raw, None, payload.command_name, nodes)


def _nodes(
    items: tuple[ZclItem, ...], offset: int, payload: ZclPayload, raw: bytes, base: int
) -> tuple[list[Node], int]:
    """Nodes for ``items`` from ``offset``; ``raw`` holds the payload's octets from ``base``."""
    out: list[Node] = []
    at = offset
    for item in items:
        if isinstance(item, ZclGroup):
            children, end = _nodes(item.items, at, payload, raw, base)
            text = ""
            first = item.items[0] if item.items else None
            if (
                isinstance(first, ZclValue)
                and first.name == "attribute_id"
                and isinstance(first.value, int)
            ):
                text = zcl_names().attribute(payload.cluster_id, first.value)
            out.append(Node(item.name, at, raw[at - base : end - base], None, text, children))
            at = end
        else:
            end = at + _size(item)
            value, text = _render(item, payload)
            out.append(Node(item.name, at, raw[at - base : end - base], value, text))
            at = end
    return out, at
