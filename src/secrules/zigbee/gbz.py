"""GBZ payloads: the GBCS ZigBee content of gas and HAN use cases, and of GBZ alerts.

Layout (GBCS GBZ message templates; Wireshark ``packet-gbcs.c``; gbcs-parser ``zigbee.ts``;
checked on RTDS 4.5.0). GBZ header fields are big-endian; the ZCL frame inside is little-endian.

* Payload: Profile ID ``01 09`` (2), number of components (1), the components.
* Alert payload (CRA flag 3): Profile ID (2), number of components (1), alert code (2), time
  stamp (UTCTime, 4, big-endian), then a part that depends on the alert code: a future-dated
  command outcome (length ``0E``, message code, originator counter, cluster, frame control,
  command), a firmware receipt (2 + 32-octet image hash), an "other info" code (2), one GBZ
  component, or nothing. An alert code without a known layout keeps its octets raw.
* Component: extended header control (bit 0 last component, bit 1 encrypted, bit 4 From Date
  Time present), cluster id (2), GBZ command length (2: the octets that follow), From Date Time
  (4, if bit 4), additional header control and frame counter (1 + 1, if bit 1), the ZCL header
  (in clear), then the ZCL payload, or when encrypted the ciphered information length (2) and
  the block (security control, invocation counter, ciphertext, 12-octet tag). With both bits set,
  From Date Time comes first (as Wireshark reads it; no RTDS message has both).

Decoding is linear in the input (every loop consumes octets) and refuses nothing it can read:
unknown clusters, commands and data types stay raw octets. It raises only
:class:`~secrules.errors.DecodeError`, with the byte offset and the field path.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from secrules.core.slots import slot_setters
from secrules.core.tree import Node
from secrules.errors import DecodeError, InvalidValueError
from secrules.zigbee.names import zcl_names
from secrules.zigbee.types import utc_datetime, utc_text
from secrules.zigbee.zcl import (
    ZclHeader,
    ZclItem,
    ZclPayload,
    _filler,
    _items,
    _new,
    _payload_items,
    _payload_node,
    decode_zcl_header,
    decode_zcl_plaintext,
)

__all__ = [
    "ENCRYPTED",
    "FROM_DATE_TIME",
    "LAST_COMPONENT",
    "SMART_ENERGY_PROFILE",
    "GbzAlert",
    "GbzComponent",
    "GbzField",
    "GbzPayload",
    "decode_gbz",
    "encode_gbz",
]

#: Profile ID of every GBZ payload: ZigBee Smart Energy.
SMART_ENERGY_PROFILE: Final = 0x0109
#: Extended header control bits.
LAST_COMPONENT: Final = 0x01
ENCRYPTED: Final = 0x02
FROM_DATE_TIME: Final = 0x10
_FUTURE_DATED_LENGTH: Final = 14
_TAG: Final = 12
_BLOCK_HEADER: Final = 5


def _check_uint(bits: int, what: str) -> Callable[[Any, Any, Any], None]:
    def check(_inst: object, _attr: object, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >> bits:
            raise InvalidValueError(f"{what} must be an unsigned {bits}-bit int")

    return check


def _truncated(size: int, left: int, offset: int, path: str) -> DecodeError:
    return DecodeError(
        f"truncated: {size} octet(s) expected, {left} left", offset=offset, path=path
    )


def _take(data: bytes, pos: int, size: int, end: int, path: str) -> bytes:
    if pos + size > end:
        raise _truncated(size, max(end - pos, 0), pos, path)
    return data[pos : pos + size]


def _int(data: bytes, pos: int, size: int, end: int, path: str) -> int:
    return int.from_bytes(_take(data, pos, size, end, path), "big")


# --- components ----------------------------------------------------------------------------


@attrs.frozen
class GbzComponent:
    """One GBZ Use Case Specific Component.

    ``control`` is the extended header control field as received (bit 0 last, bit 1 encrypted,
    bit 4 From Date Time; other bits kept). A plaintext component has its ZCL payload ``items``;
    an encrypted one has ``ciphered`` (security control ``31``, invocation counter, ciphertext,
    tag), ``additional_header_control`` and ``frame_counter``, and no items: decrypt the block
    (:mod:`secrules.gbcs.protection`) and read the plaintext with :meth:`decode_plaintext`.
    ``from_date_time`` is the UTCTime seconds of From Date Time (big-endian on the wire).
    """

    control: int = attrs.field(validator=_check_uint(8, "control"))
    cluster_id: int = attrs.field(validator=_check_uint(16, "cluster_id"))
    header: ZclHeader
    items: tuple[ZclItem, ...] = attrs.field(default=(), converter=_items)
    ciphered: bytes | None = None
    from_date_time: int | None = attrs.field(
        default=None, validator=_check_uint(32, "from_date_time")
    )
    additional_header_control: int | None = attrs.field(
        default=None, validator=_check_uint(8, "additional_header_control")
    )
    frame_counter: int | None = attrs.field(default=None, validator=_check_uint(8, "frame_counter"))

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.header, ZclHeader):
            raise InvalidValueError("header must be a ZclHeader")
        if (self.from_date_time is not None) != bool(self.control & FROM_DATE_TIME):
            raise InvalidValueError("from_date_time is present exactly when control bit 4 is set")
        encrypted = bool(self.control & ENCRYPTED)
        extra = (self.ciphered, self.additional_header_control, self.frame_counter)
        if encrypted and any(x is None for x in extra):
            raise InvalidValueError(
                "an encrypted component (control bit 1) has ciphered, additional_header_control "
                "and frame_counter"
            )
        if not encrypted and any(x is not None for x in extra):
            raise InvalidValueError("only an encrypted component (control bit 1) has ciphered")
        if encrypted and self.items:
            raise InvalidValueError("an encrypted component carries its payload in ciphered")
        if self.ciphered is not None and (
            not isinstance(self.ciphered, bytes) or len(self.ciphered) > 0xFFFF
        ):
            raise InvalidValueError("ciphered must be bytes of at most 65535 octets")

    @property
    def last(self) -> bool:
        """Control bit 0: the last component of the payload."""
        return bool(self.control & LAST_COMPONENT)

    @property
    def encrypted(self) -> bool:
        """Control bit 1: the ZCL payload is encrypted."""
        return bool(self.control & ENCRYPTED)

    @property
    def payload(self) -> ZclPayload | None:
        """The plaintext ZCL payload (None for an encrypted component)."""
        if self.encrypted:
            return None
        return ZclPayload(self.cluster_id, self.header, self.items)

    def decode_plaintext(self, plaintext: bytes) -> ZclPayload:
        """The decrypted ZCL payload of this (encrypted) component, read by its header."""
        return decode_zcl_plaintext(plaintext, cluster_id=self.cluster_id, header=self.header)

    def _body(self) -> bytes:
        out = b""
        if self.from_date_time is not None:
            out += self.from_date_time.to_bytes(4, "big")
        if self.ciphered is not None:
            out += bytes((self.additional_header_control or 0, self.frame_counter or 0))
        out += self.header.encode()
        if self.ciphered is not None:
            out += len(self.ciphered).to_bytes(2, "big") + self.ciphered
        else:
            out += b"".join(item.encode() for item in self.items)
        return out

    def encode(self) -> bytes:
        """The component's octets; the GBZ command length is the body's length."""
        body = self._body()
        if len(body) > 0xFFFF:
            raise InvalidValueError(f"component body of {len(body)} octets exceeds 65535")
        return (
            bytes((self.control,))
            + self.cluster_id.to_bytes(2, "big")
            + len(body).to_bytes(2, "big")
            + body
        )

    def control_text(self) -> str:
        """``last, encrypted`` / ``not last, plaintext, From Date Time``."""
        parts = [
            "last" if self.last else "not last",
            "encrypted" if self.encrypted else "plaintext",
        ]
        if self.control & FROM_DATE_TIME:
            parts.append("From Date Time")
        other = self.control & ~(LAST_COMPONENT | ENCRYPTED | FROM_DATE_TIME) & 0xFF
        if other:
            parts.append(f"reserved bits 0x{other:02X}")
        return ", ".join(parts)

    def tree(self, offset: int = 0, name: str = "component") -> Node:
        """The component as a node tree starting at ``offset``."""
        return self._tree(self.encode(), offset, name)

    def _tree(self, raw: bytes, offset: int, name: str) -> Node:
        """The tree of this component, encoded as ``raw``, starting at ``offset``."""
        names = zcl_names()
        at = offset
        kids = [
            Node("control", at, raw[0:1], self.control, self.control_text()),
            Node("cluster_id", at + 1, raw[1:3], self.cluster_id, names.cluster(self.cluster_id)),
            Node("length", at + 3, raw[3:5], len(raw) - 5),
        ]
        at += 5
        if self.from_date_time is not None:
            kids.append(
                Node(
                    "from_date_time",
                    at,
                    raw[at - offset : at - offset + 4],
                    utc_datetime(self.from_date_time) or self.from_date_time,
                    utc_text(self.from_date_time),
                )
            )
            at += 4
        if self.ciphered is not None:
            kids.append(
                Node(
                    "additional_header_control",
                    at,
                    raw[at - offset : at - offset + 1],
                    self.additional_header_control,
                )
            )
            kids.append(
                Node(
                    "frame_counter",
                    at + 1,
                    raw[at - offset + 1 : at - offset + 2],
                    self.frame_counter,
                )
            )
            at += 2
        header = self.header.tree(at, cluster_id=self.cluster_id)
        kids.append(header)
        at = header.end
        if self.ciphered is not None:
            block = self.ciphered
            kids.append(Node("ciphered_length", at, raw[at - offset : at - offset + 2], len(block)))
            at += 2
            kids.append(_block_node(block, at))
        else:
            payload = ZclPayload(self.cluster_id, self.header, self.items)
            kids.append(_payload_node(payload, raw[at - offset :], at, "payload"))
        return Node(name, offset, raw, None, names.cluster(self.cluster_id), kids)


_SET_COMPONENT: Final = slot_setters(GbzComponent)


def _component(  # noqa: PLR0917  (one per slot: filled once per component, the hot path)
    control: int,
    cluster_id: int,
    header: ZclHeader,
    items: tuple[ZclItem, ...],
    ciphered: bytes | None,
    from_date_time: int | None,
    additional_header_control: int | None,
    frame_counter: int | None,
) -> GbzComponent:
    """A decoded component filled slot by slot (the decoder checked what ``__init__`` would)."""
    (
        set_control,
        set_cluster,
        set_header,
        set_items,
        set_ciphered,
        set_fdt,
        set_extra,
        set_counter,
    ) = _SET_COMPONENT
    component = _new(GbzComponent)
    set_control(component, control)
    set_cluster(component, cluster_id)
    set_header(component, header)
    set_items(component, items)
    set_ciphered(component, ciphered)
    set_fdt(component, from_date_time)
    set_extra(component, additional_header_control)
    set_counter(component, frame_counter)
    return component


def _block_node(block: bytes, at: int) -> Node:
    if len(block) < _BLOCK_HEADER + _TAG:
        return Node("ciphered", at, block, block, f"{len(block)} octet(s): too short for a block")
    body = len(block) - _TAG
    kids = [
        Node("security_control", at, block[:1], block[0], f"0x{block[0]:02X}"),
        Node("invocation_counter", at + 1, block[1:5], int.from_bytes(block[1:5], "big")),
        Node("ciphertext", at + 5, block[5:body], block[5:body], f"{body - 5} octet(s)"),
        Node("tag", at + body, block[body:], block[body:], block[body:].hex().upper()),
    ]
    return Node("ciphered", at, block, None, "encrypted ZCL payload (AES-128-GCM)", kids)


_COMPONENT_HEAD: Final = struct.Struct(">BHH")  # control, cluster id, GBZ command length


def _decode_component(data: bytes, pos: int, end: int, index: int) -> tuple[GbzComponent, int]:
    """Read component ``index`` at ``pos``; error paths are built only when one is raised."""
    body_at = pos + 5
    if body_at <= end:
        control, cluster, length = _COMPONENT_HEAD.unpack_from(data, pos)
    else:  # short: read field by field for the error naming the first missing one
        path = f"components[{index}]"
        control = _int(data, pos, 1, end, f"{path}.control")
        cluster = _int(data, pos + 1, 2, end, f"{path}.cluster_id")
        length = _int(data, pos + 3, 2, end, f"{path}.length")
    body_end = body_at + length
    if body_end > end:
        raise DecodeError(
            f"GBZ command length {length} runs past the end ({end - body_at} octet(s) left)",
            offset=pos + 3,
            path=f"components[{index}].length",
        )
    at = body_at
    fdt = None
    if control & FROM_DATE_TIME:
        fdt = _int(data, at, 4, body_end, f"components[{index}].from_date_time")
        at += 4
    if control & ENCRYPTED:
        return _encrypted(data, at, body_end, index, (control, cluster, length, fdt)), body_end
    header, at = decode_zcl_header(data, at, body_end, f"components[{index}].zcl_header")
    path = f"components[{index}].payload"
    items = _payload_items(data, at, body_end, cluster, header, path)
    return _component(control, cluster, header, items, None, fdt, None, None), body_end


def _encrypted(
    data: bytes, at: int, body_end: int, index: int, head: tuple[int, int, int, int | None]
) -> GbzComponent:
    """An encrypted component from ``at`` (``head``: control, cluster, length, From Date Time).

    Read: additional header control, frame counter, ZCL header, ciphered information length
    and the block.
    """
    control, cluster, length, fdt = head
    path = f"components[{index}]"
    extra_control = _int(data, at, 1, body_end, f"{path}.additional_header_control")
    counter = _int(data, at + 1, 1, body_end, f"{path}.frame_counter")
    header, at = decode_zcl_header(data, at + 2, body_end, f"{path}.zcl_header")
    ciphered = _int(data, at, 2, body_end, f"{path}.ciphered_length")
    if ciphered != body_end - at - 2:
        raise DecodeError(
            f"ciphered information length {ciphered} disagrees with the GBZ command length "
            f"{length} ({body_end - at - 2} octet(s) follow)",
            offset=at,
            path=f"{path}.ciphered_length",
        )
    block = data[at + 2 : body_end]
    return _component(control, cluster, header, (), block, fdt, extra_control, counter)


# --- alerts --------------------------------------------------------------------------------


@attrs.frozen
class GbzField:
    """A field of a GBZ alert's specific part: a big-endian int of ``size`` octets, or octets."""

    name: str
    size: int
    value: int | bytes

    def encode(self) -> bytes:
        """The field's octets."""
        if isinstance(self.value, int):
            try:
                return self.value.to_bytes(self.size, "big")
            except OverflowError:
                raise InvalidValueError(
                    f"{self.name}: {self.value} does not fit {self.size} octet(s)"
                ) from None
        if len(self.value) != self.size:
            raise InvalidValueError(f"{self.name}: {len(self.value)} octets, not {self.size}")
        return bytes(self.value)


_ALERT_LAYOUTS: Final[dict[str, tuple[tuple[str, int, bool], ...]]] = {
    # name, size, integer?
    "future-dated": (
        ("length", 1, True),
        ("message_code", 2, True),
        ("originator_counter", 8, True),
        ("cluster_id", 2, True),
        ("frame_control", 1, True),
        ("command_id", 1, True),
    ),
    "firmware-receipt": (("firmware_alert_start", 2, False), ("image_hash", 32, False)),
    "other-info": (("other_info", 2, True),),
    "none": (),
    "component": (),
}


def _fields(value: Iterable[GbzField]) -> tuple[GbzField, ...]:
    return value if isinstance(value, tuple) else tuple(value)


@attrs.frozen
class GbzAlert:
    """The GBZ alert header after the component count: alert code, time stamp, specific part.

    ``timestamp`` is UTCTime seconds (big-endian on the wire); ``fields`` is the specific part
    laid out by the alert code (``data/zcl.toml`` ``alerts``); an unknown code keeps its octets
    as one field ``octets``.
    """

    alert_code: int = attrs.field(validator=_check_uint(16, "alert_code"))
    timestamp: int = attrs.field(validator=_check_uint(32, "timestamp"))
    fields: tuple[GbzField, ...] = attrs.field(default=(), converter=_fields)

    @property
    def layout(self) -> str | None:
        """The layout of the specific part named by the alert code (None when unknown)."""
        row = zcl_names().alerts.get(self.alert_code)
        return row[1] if row else None

    def encode(self) -> bytes:
        """Alert code, time stamp and specific part."""
        return (
            self.alert_code.to_bytes(2, "big")
            + self.timestamp.to_bytes(4, "big")
            + b"".join(f.encode() for f in self.fields)
        )


_INT_FORMATS: Final = {1: "B", 2: "H", 4: "I", 8: "Q"}
#: Each alert layout's fields as one big-endian struct (a field of octets is ``{size}s``).
_ALERT_STRUCTS: Final = {
    layout: struct.Struct(
        ">" + "".join(_INT_FORMATS[size] if integer else f"{size}s" for _, size, integer in spec)
    )
    for layout, spec in _ALERT_LAYOUTS.items()
}
_ALERT_HEAD: Final = struct.Struct(">HI")  # alert code, time stamp


def _decode_alert(data: bytes, end: int) -> tuple[GbzAlert, str | None, int]:
    """The alert header at offset 3, the layout its code names, and the offset after it."""
    if end >= 9:
        code, stamp = _ALERT_HEAD.unpack_from(data, 3)
    else:  # short: the error names the first missing field
        code = _int(data, 3, 2, end, "alert_code")
        stamp = _int(data, 5, 4, end, "timestamp")
    row = zcl_names().alerts.get(code)
    layout = row[1] if row else None
    at = 9
    fields: list[GbzField] = []
    if layout is None:
        if at < end:
            fields.append(_field("octets", end - at, data[at:end]))
            at = end
    else:
        spec = _ALERT_LAYOUTS[layout]
        if spec and spec[0][0] == "length" and at < end and data[at] != _FUTURE_DATED_LENGTH:
            raise DecodeError(
                f"future-dated alert length {data[at]}; the layout has {_FUTURE_DATED_LENGTH}",
                offset=at,
                path="length",
            )
        part = _ALERT_STRUCTS[layout]
        if at + part.size > end:
            raise _short_field(spec, at, end)
        for (name, size, _), value in zip(spec, part.unpack_from(data, at), strict=True):
            fields.append(_field(name, size, value))
        at += part.size
    return _alert(code, stamp, tuple(fields)), layout, at


def _short_field(spec: tuple[tuple[str, int, bool], ...], at: int, end: int) -> DecodeError:
    """The truncation error of the first field of ``spec`` (read from ``at``) past ``end``."""
    field = ("", 0, False)
    for field in spec:
        if at + field[1] > end:
            break
        at += field[1]
    return _truncated(field[1], max(end - at, 0), at, field[0])


_field = _filler(GbzField)
_alert = _filler(GbzAlert)


# --- payloads ------------------------------------------------------------------------------


def _components(value: Iterable[GbzComponent]) -> tuple[GbzComponent, ...]:
    return value if isinstance(value, tuple) else tuple(value)


@attrs.frozen
class GbzPayload:
    """A decoded GBZ payload: components and, for a GBZ alert, the alert header.

    ``component_count`` is the count field as received: the number of components, except in an
    alert whose specific part is not a component (a future-dated alert says 1).
    """

    components: tuple[GbzComponent, ...] = attrs.field(converter=_components)
    alert: GbzAlert | None = None
    component_count: int = attrs.field(default=-1)

    def __attrs_post_init__(self) -> None:
        if self.component_count == -1:
            object.__setattr__(self, "component_count", len(self.components))
        if not 0 <= self.component_count <= 0xFF:
            raise InvalidValueError("component_count must fit one octet")
        carries = self.alert is None or self.alert.layout == "component"
        if carries and self.component_count != len(self.components):
            raise InvalidValueError(
                f"component_count {self.component_count} but {len(self.components)} components"
            )
        if not carries and self.components:
            raise InvalidValueError("this alert's specific part is not a GBZ component")

    def encode(self) -> bytes:
        """The payload's octets, byte for byte as decoded."""
        out = SMART_ENERGY_PROFILE.to_bytes(2, "big") + bytes((self.component_count,))
        if self.alert is not None:
            out += self.alert.encode()
        return out + b"".join(c.encode() for c in self.components)

    def tree(self, offset: int = 0) -> Node:
        """The payload as a named tree (root ``gbz``, or ``gbz_alert``) starting at ``offset``."""
        names = zcl_names()
        raw = self.encode()
        o = offset
        kids = [
            Node("profile_id", o, raw[0:2], SMART_ENERGY_PROFILE, "Smart Energy (0x0109)"),
            Node("component_count", o + 2, raw[2:3], self.component_count),
        ]
        at = 3
        if self.alert is not None:
            alert = self.alert
            kids.append(
                Node("alert_code", o + 3, raw[3:5], alert.alert_code, names.alert(alert.alert_code))
            )
            kids.append(
                Node(
                    "timestamp",
                    o + 5,
                    raw[5:9],
                    utc_datetime(alert.timestamp) or alert.timestamp,
                    utc_text(alert.timestamp),
                )
            )
            at = 9
            for f in alert.fields:
                octets = f.encode()
                kids.append(Node(f.name, o + at, octets, f.value, _alert_field_text(f)))
                at += len(octets)
        nodes = []
        start = at
        for i, component in enumerate(self.components):
            size = 5 + int.from_bytes(raw[at + 3 : at + 5], "big")  # header and GBZ length
            node = component._tree(raw[at : at + size], o + at, f"[{i}]")
            nodes.append(node)
            at += size
        if self.components or self.alert is None:
            kids.append(Node("components", o + start, raw[start:at], None, "", nodes))
        return Node("gbz" if self.alert is None else "gbz_alert", o, raw, None, "", kids)


def _alert_field_text(f: GbzField) -> str:
    if isinstance(f.value, bytes):
        return f.value.hex().upper()
    if f.name == "cluster_id":
        return zcl_names().cluster(f.value)
    if f.name == "message_code":
        from secrules.gbcs.message_codes import use_case_name  # noqa: PLC0415  (no cycle at import)

        name = use_case_name(f.value)
        return f"{name} (0x{f.value:04X})" if name else f"0x{f.value:04X}"
    if f.name in ("frame_control", "command_id", "other_info"):
        return f"0x{f.value:0{2 * f.size}X}"
    return ""


_payload = _filler(GbzPayload)
_PAYLOAD_HEAD: Final = struct.Struct(">HB")  # profile id, component count


def decode_gbz(data: bytes, *, alert: bool = False) -> GbzPayload:
    """Decode a GBZ payload (``alert=True``: the GBZ alert layout of a CRA-flag-3 message).

    Every octet must be read: octets after the last component (or after an alert's specific
    part) are an error. Raises :class:`DecodeError` (offset into ``data``, field path) only.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    raw = bytes(data)
    end = len(raw)
    if end >= 3:
        profile, count = _PAYLOAD_HEAD.unpack_from(raw)
    else:  # short: the error names the first missing field
        profile = _int(raw, 0, 2, end, "profile_id")
        count = _int(raw, 2, 1, end, "component_count")
    if profile != SMART_ENERGY_PROFILE:
        raise DecodeError(
            f"profile id 0x{profile:04X} is not Smart Energy (0x0109)", offset=0, path="profile_id"
        )
    header: GbzAlert | None = None
    at = 3
    carries = True
    if alert:
        header, layout, at = _decode_alert(raw, end)
        carries = layout == "component"
    components = []
    if carries:
        for i in range(count):
            component, at = _decode_component(raw, at, end, i)
            components.append(component)
    if at != end:
        raise DecodeError(
            f"{end - at} octet(s) after the end of the GBZ payload", offset=at, path="components"
        )
    return _payload(tuple(components), header, count)


def encode_gbz(payload: GbzPayload) -> bytes:
    """The octets of ``payload`` (the same as ``payload.encode()``)."""
    if not isinstance(payload, GbzPayload):
        raise InvalidValueError(f"encode_gbz takes a GbzPayload, not {type(payload).__name__}")
    return payload.encode()
