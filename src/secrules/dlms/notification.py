"""DLMS data-notification (``0F``): the GBCS DLMS alert payload, decoded and re-encoded exactly.

Layout (DLMS Green Book data-notification APDU as GBCS uses it; gbcs-parser reads the same
fields): tag ``0F``, long-invoke-id-and-priority (4 octets; GBCS puts the low 24 bits of the
alert's originator counter there), date-time (a length-prefixed octet string, ``00`` when
absent), and one A-XDR Data, the notification body. In GBCS alerts the body is a structure
whose element [0] is the alert code (long-unsigned) and element [1] the COSEM date-time of the
event (octet-string(12)); the elements after that depend on the alert. A body whose elements
[2] and [3] are ``array(1){protection parameters}`` and a ciphered octet string (the ECS68
billing-data-log alert) is shown as protection parameters plus security control, invocation
counter, ciphertext and tag. Alert codes are named from ``data/gbcs_alert_codes.toml``.
"""

from __future__ import annotations

import struct

import attrs

from secrules.core.slots import slot_setters
from secrules.core.tree import Node
from secrules.dlms.cosem import CosemDateTime, Obis
from secrules.dlms.data import (
    Array,
    Data,
    DecodeBudget,
    Enum,
    LongUnsigned,
    OctetString,
    Structure,
    Utf8String,
    VisibleString,
    _budget_for,
    _decode_at,
)
from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "DATA_NOTIFICATION_TAG",
    "DataNotification",
    "ProtectedBody",
    "data_node",
    "decode_data_notification",
]

#: The data-notification APDU tag.
DATA_NOTIFICATION_TAG = 0x0F

_HEADER = struct.Struct(">BI")
#: Future-dated alerts (0x8F66 / 0x8F67) carry message code, counter and attribute descriptor.
_FUTURE_DATED = {0x8F66, 0x8F67}


def alert_code_name(code: int) -> str | None:
    """The name of GBCS alert ``code`` (bundled table), or None; imported late (no cycle)."""
    from secrules.gbcs.alert_codes import alert_code_name as name  # noqa: PLC0415

    return name(code)


def use_case_name(code: int) -> str | None:
    """The use case of message ``code`` (bundled table), or None; imported late (no cycle)."""
    from secrules.gbcs.message_codes import use_case_name as name  # noqa: PLC0415

    return name(code)


def _uint32(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
        raise InvalidValueError(f"{attribute.name} must be a uint32, not {value!r}")


def _data(_inst: object, attribute: attrs.Attribute[Data], value: Data) -> None:
    if not isinstance(value, Data):
        raise InvalidValueError(f"{attribute.name} must be a Data value, not {value!r}")


@attrs.frozen
class ProtectedBody:
    """Protection parameters and ciphered octets of an encrypted alert body (GBCS §6.2 form).

    The ciphered octets are security control (1), invocation counter (4), ciphertext and a
    12-octet tag.
    """

    protection_type: int
    transaction_id: bytes
    originator_system_title: bytes
    recipient_system_title: bytes
    other_information: bytes
    key_info: Data
    security_control: int
    invocation_counter: int
    ciphertext: bytes
    tag: bytes


def _protected(items: tuple[Data, ...]) -> ProtectedBody | None:
    if len(items) != 4:
        return None
    params, ciphered = items[2], items[3]
    if not (
        isinstance(params, Array)
        and len(params) == 1
        and isinstance(ciphered, OctetString)
        and len(ciphered.value) >= 17
    ):
        return None
    entry = params[0]
    if not (isinstance(entry, Structure) and len(entry) == 2 and isinstance(entry[0], Enum)):
        return None
    options = entry[1]
    if not (isinstance(options, Structure) and len(options) == 5):
        return None
    strings = [item for item in options.items[:4] if isinstance(item, OctetString)]
    if len(strings) != 4:
        return None
    octets = ciphered.value
    return ProtectedBody(
        protection_type=int(entry[0]),
        transaction_id=strings[0].value,
        originator_system_title=strings[1].value,
        recipient_system_title=strings[2].value,
        other_information=strings[3].value,
        key_info=options[4],
        security_control=octets[0],
        invocation_counter=int.from_bytes(octets[1:5], "big"),
        ciphertext=octets[5:-12],
        tag=octets[-12:],
    )


@attrs.frozen
class DataNotification:
    """A DLMS data-notification: invoke id, optional date-time (raw octets) and body.

    ``offset`` is not compared. :attr:`alert_code`, :attr:`event_time` and :attr:`protected`
    read the GBCS alert fields of the body when it has them (None otherwise).
    """

    invoke_id: int = attrs.field(validator=_uint32)
    body: Data = attrs.field(validator=_data)
    date_time: bytes = attrs.field(default=b"", converter=bytes)
    offset: int | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)

    def _items(self) -> tuple[Data, ...]:
        return self.body.items if isinstance(self.body, Structure | Array) else ()

    @property
    def alert_code(self) -> int | None:
        """Element [0] of the body when it is a long-unsigned (the GBCS alert code)."""
        items = self._items()
        return int(items[0]) if items and isinstance(items[0], LongUnsigned) else None

    @property
    def alert_name(self) -> str | None:
        """The alert code's name from the bundled table, or None."""
        code = self.alert_code
        return None if code is None else alert_code_name(code)

    @property
    def event_time(self) -> CosemDateTime | None:
        """Element [1] of the body read as the COSEM date-time it is (octet-string(12))."""
        items = self._items()
        if len(items) > 1 and isinstance(items[1], OctetString) and len(items[1].value) == 12:
            return CosemDateTime.from_bytes(items[1].value)
        return None

    @property
    def protected(self) -> ProtectedBody | None:
        """Protection parameters and ciphered octets when the body is the encrypted form."""
        return _protected(self._items())

    def encode(self) -> bytes:
        """The data-notification octets (exact round trip of what was decoded)."""
        return (
            _HEADER.pack(DATA_NOTIFICATION_TAG, self.invoke_id)
            + encode_length(len(self.date_time))
            + self.date_time
            + self.body.encode()
        )

    def tree(self) -> Node:
        """The notification as a named tree rooted at ``data_notification``."""
        return _tree(self)


def decode_data_notification(
    data: bytes, *, budget: DecodeBudget | None = None
) -> DataNotification:
    """Decode a complete data-notification; DecodeError with offset and path otherwise.

    The body is decoded with the A-XDR Data codec within ``budget`` (default: proportional to
    the length of ``data``); trailing octets are an error.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidValueError(f"data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise DecodeError("truncated data-notification header", offset=len(data), path="invoke_id")
    tag, invoke_id = _HEADER.unpack_from(data, 0)
    if tag != DATA_NOTIFICATION_TAG:
        raise DecodeError(
            f"expected data-notification tag 0x0F, found 0x{tag:02X}", offset=0, path="tag"
        )
    size, pos = decode_length(data, _HEADER.size, path="date_time")
    if pos + size > len(data):
        raise DecodeError(f"truncated date-time of {size} octets", offset=pos, path="date_time")
    date_time = data[pos : pos + size]
    pos += size
    try:
        body, end = _decode_at(data, pos, len(data), _budget_for(len(data) - pos, budget))
    except DecodeError as exc:
        exc.path = f"body{exc.path}" if exc.path else "body"
        raise
    if end != len(data):
        raise DecodeError(
            f"{len(data) - end} trailing octets after the notification body", offset=end, path=""
        )
    # Filled slot by slot: the reader checked every field (tests compare with __init__).
    set_invoke_id, set_body, set_date_time, set_offset = _NOTE_SETTERS
    note = _new(DataNotification)
    set_invoke_id(note, invoke_id)
    set_body(note, body)
    set_date_time(note, date_time)
    set_offset(note, 0)
    return note


_new = object.__new__
_NOTE_SETTERS = slot_setters(DataNotification, "invoke_id", "body", "date_time", "offset")


# --------------------------------------------------------------------------------------------
# The named tree


def _raw(value: Data) -> bytes:
    return value.encode()


def data_node(name: str, value: Data, text: str = "") -> Node:
    """A node for any A-XDR Data value (offsets as recorded by the decoder; 0 when unknown).

    Structures and arrays get ``[i]`` children; octet strings keep their bytes as the value
    (their meaning depends on the field, so none is guessed from the length).
    """
    offset = value.offset or 0
    kind = value.type_name
    if isinstance(value, Structure | Array):
        children = tuple(data_node(f"[{i}]", item) for i, item in enumerate(value))
        return Node(name, offset, _raw(value), None, text or f"{kind} of {len(value)}", children)
    typed: object
    if isinstance(value, Utf8String | VisibleString):
        try:
            typed = value.text
        except DecodeError:  # shown as the octets they are
            typed = value.value
            shown = text or f"{kind}({len(value.value)}), not valid text"
        else:
            shown = text or f"{kind} {typed!r}"
    elif isinstance(value, OctetString):
        typed = value.value
        shown = text or f"{kind}({len(typed)})"
    elif hasattr(value, "value"):
        typed = value.value
        shown = text or f"{kind} {typed}"
    else:
        typed = None
        shown = text or kind
    return Node(name, offset, _raw(value), typed, shown)


def _datetime_node(name: str, item: OctetString) -> Node:
    when = CosemDateTime.from_bytes(item.value)
    node = data_node(name, item)
    return attrs.evolve(
        node,
        value=when,
        text=f"{when} (deviation {_deviation(when)}, clock status 0x{when.clock_status:02X})",
    )


def _deviation(when: CosemDateTime) -> str:
    return "unspecified" if not when.deviation_specified else f"{when.deviation} min"


def _future_dated_node(name: str, item: OctetString) -> Node:
    """Message code (2), originator counter (8), class id (2), OBIS (6), attribute id (1)."""
    raw = item.value
    node = data_node(name, item)
    if len(raw) != 19:
        return node
    base = node.end - len(raw)
    code = int.from_bytes(raw[0:2], "big")
    parts = (
        ("message_code", 0, 2, code, _message_code_text(code)),
        ("originator_counter", 2, 10, int.from_bytes(raw[2:10], "big"), ""),
        ("class_id", 10, 12, int.from_bytes(raw[10:12], "big"), ""),
        ("instance", 12, 18, Obis.from_bytes(raw[12:18]), str(Obis.from_bytes(raw[12:18]))),
        ("attribute_id", 18, 19, raw[18], ""),
    )
    children = tuple(Node(n, base + a, raw[a:b], v, t) for n, a, b, v, t in parts)
    return attrs.evolve(node, text="future-dated command and attribute", children=children)


def _message_code_text(code: int) -> str:
    name = use_case_name(code)
    return f"{name} (0x{code:04X})" if name else f"0x{code:04X}"


def _protected_nodes(params: Data, ciphered: OctetString, body: ProtectedBody) -> tuple[Node, ...]:
    pnode = data_node("protection_parameters", params)
    entry = pnode.children[0]
    options = entry.children[1]
    names = (
        "transaction_id",
        "originator_system_title",
        "recipient_system_title",
        "other_information",
        "key_info",
    )
    options = attrs.evolve(
        options,
        name="protection_options",
        children=tuple(
            attrs.evolve(c, name=n) for n, c in zip(names, options.children, strict=True)
        ),
    )
    ptype = attrs.evolve(
        entry.children[0],
        name="protection_type",
        text=f"{body.protection_type}"
        + (" (authentication and encryption)" if body.protection_type == 2 else ""),
    )
    entry = attrs.evolve(entry, children=(ptype, options))
    pnode = attrs.evolve(pnode, children=(entry,))
    cnode = data_node("ciphered_content", ciphered)
    base = cnode.end - len(ciphered.value)
    n = len(ciphered.value)
    octets = ciphered.value
    cnode = attrs.evolve(
        cnode,
        children=(
            Node("security_control", base, octets[0:1], body.security_control, ""),
            Node("invocation_counter", base + 1, octets[1:5], body.invocation_counter, ""),
            Node("ciphertext", base + 5, body.ciphertext, body.ciphertext, ""),
            Node("tag", base + n - 12, body.tag, body.tag, "12-octet GCM tag"),
        ),
    )
    return pnode, cnode


def _body_node(note: DataNotification) -> Node:
    body = note.body
    if not isinstance(body, Structure) or not body.items:
        return data_node("body", body)
    items = body.items
    code = note.alert_code
    children: list[Node] = []
    protected = note.protected
    for i, item in enumerate(items):
        if i == 0 and code is not None:
            name = alert_code_name(code)
            text = f"{name} (0x{code:04X})" if name else f"0x{code:04X}"
            children.append(attrs.evolve(data_node("alert_code", item), value=code, text=text))
        elif i == 1 and note.event_time is not None and isinstance(item, OctetString):
            children.append(_datetime_node("event_time", item))
        elif protected is not None and i == 2:
            assert isinstance(items[3], OctetString)  # noqa: S101 - checked by _protected
            children.extend(_protected_nodes(item, items[3], protected))
        elif protected is not None and i == 3:
            continue
        elif i == 2 and code in _FUTURE_DATED and isinstance(item, OctetString):
            children.append(_future_dated_node(f"[{i}]", item))
        else:
            children.append(data_node(f"[{i}]", item))
    node = data_node("body", body)
    return attrs.evolve(node, children=tuple(children))


def _tree(note: DataNotification) -> Node:
    raw = note.encode()
    if note.body.offset is None:  # built, not decoded: read it back for the offsets
        note = decode_data_notification(raw)
    size = encode_length(len(note.date_time))
    dt_end = 5 + len(size) + len(note.date_time)
    if note.date_time:
        when: object = (
            CosemDateTime.from_bytes(note.date_time) if len(note.date_time) == 12 else None
        )
        dt_text = str(when) if when is not None else f"{len(note.date_time)} octets"
    else:
        when, dt_text = None, "absent"
    body = _body_node(note)
    code = note.alert_code
    if code is not None:
        name = note.alert_name
        title = f"alert {name} (0x{code:04X})" if name else f"alert 0x{code:04X}"
    else:
        title = "data-notification"
    children = (
        Node("tag", 0, raw[0:1], DATA_NOTIFICATION_TAG, "data-notification"),
        Node(
            "invoke_id",
            1,
            raw[1:5],
            note.invoke_id,
            f"0x{note.invoke_id:08X} (priority octet 0x{note.invoke_id >> 24:02X}, "
            f"low 24 bits {note.invoke_id & 0xFFFFFF})",
        ),
        Node("date_time", 5, raw[5:dt_end], when, dt_text),
        body,
    )
    return Node("data_notification", 0, raw, None, title, children)
