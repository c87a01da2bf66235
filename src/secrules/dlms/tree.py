"""DLMS ACCESS content as a named tree: every field with its offset, octets, typed value, name.

:func:`access_tree` describes an ACCESS.request (``D9``) or ACCESS.response (``DA``) as a
:class:`~secrules.core.tree.Node` tree: invoke id, date-time, each request specification with
its interface-class name, OBIS code and attribute or method name, each Data value typed, each
result named. :func:`data_tree` does the same for one A-XDR Data value. Names come from
:mod:`secrules.dlms.names` (data with provenance). Offsets count from the start of ``raw``.

Octet-strings are interpreted by field, never guessed from their length: an attribute whose
name ends ``_time`` (``activate_passive_value_time``...) shows a 12-octet value as a COSEM
date-time; every other octet-string keeps its octets.
"""

from __future__ import annotations

import functools

from secrules.core.tree import Node
from secrules.dlms.access import AccessKind, AccessRequest, AccessResponse, RequestSpec
from secrules.dlms.cosem import CosemDate, CosemDateTime, CosemTime, Obis
from secrules.dlms.data import (
    Array,
    BitString,
    Boolean,
    CompactArray,
    Data,
    DateData,
    DateTimeData,
    NullData,
    OctetString,
    Structure,
    TimeData,
    Utf8String,
    VisibleString,
    _Float,
    _Int,
)
from secrules.dlms.lengths import encode_length
from secrules.dlms.names import CosemNames, cosem_names
from secrules.errors import DecodeError, InvalidValueError

__all__ = ["access_tree", "data_tree", "date_time_text"]

_KIND_NAMES = {
    AccessKind.GET: "GET",
    AccessKind.SET: "SET",
    AccessKind.ACTION: "ACTION",
    AccessKind.GET_WITH_SELECTION: "GET-with-selection",
}


def date_time_text(octets: bytes) -> str:
    """A 12-octet COSEM date-time rendered in full (``2030-01-15 09:00:00.00``)."""
    try:
        return str(CosemDateTime.from_bytes(octets))
    except (DecodeError, InvalidValueError):
        return ""


def _typed(value: Data) -> tuple[object, str]:
    """The typed value and its text for a leaf Data value."""
    if isinstance(value, NullData):
        return None, "null-data"
    if isinstance(value, Boolean):
        return value.value, "boolean"
    if isinstance(value, _Int):
        return value.value, value.type_name
    if isinstance(value, BitString):
        return str(value), f"bit-string({value.length_bits})"
    if isinstance(value, VisibleString | Utf8String):
        return value.value.decode("utf-8", "replace"), f"{value.type_name}({len(value.value)})"
    if isinstance(value, OctetString):
        return value.value, f"octet-string({len(value.value)})"
    if isinstance(value, _Float):
        return value.value, value.type_name
    if isinstance(value, DateTimeData | DateData | TimeData):
        cosem = value.value
        typed: object
        try:
            typed = (
                cosem.to_datetime()
                if isinstance(cosem, CosemDateTime)
                else cosem.to_date()
                if hasattr(cosem, "to_date")
                else cosem.to_time()
            )
        except InvalidValueError:
            typed = None
        return typed if typed is not None else str(cosem), f"{value.type_name} {cosem}"
    return None, value.type_name


def _size(value: Data) -> int:
    """The encoded size of a leaf value (its tag included), without encoding it."""
    if isinstance(value, _Int):
        return 1 + value._packer.size
    if isinstance(value, OctetString | VisibleString | Utf8String):
        n = len(value.value)
        return 1 + len(encode_length(n)) + n
    if isinstance(value, NullData):
        return 1
    if isinstance(value, Boolean):
        return 2
    return len(value.encode())


@functools.lru_cache(maxsize=4096)
def _interpreted(octets: bytes, kind: str) -> tuple[object, str]:
    """An octet-string member read as the field says: time, date, date-time or OBIS code.

    Cached (immutable results): schedules and profiles repeat the same few stamps and codes.
    """
    try:
        if kind == "time" and len(octets) == 4:
            time = CosemTime.from_bytes(octets)
            return time.to_time() or str(time), str(time)
        if kind == "date" and len(octets) == 5:
            date = CosemDate.from_bytes(octets)
            return date.to_date() or str(date), str(date)
        if kind == "datetime" and len(octets) == 12:
            stamp = CosemDateTime.from_bytes(octets)
            return stamp.to_datetime() or str(stamp), str(stamp)
        if kind == "obis" and len(octets) == 6:
            return str(Obis.from_bytes(octets)), ""
    except (DecodeError, InvalidValueError):
        pass
    return octets, ""


def _int_classes() -> dict[type, tuple[int, str]]:
    """Every concrete integer Data class: its encoded size (tag included) and type name."""
    found: dict[type, tuple[int, str]] = {}
    stack: list[type] = [_Int]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls is not _Int:
            found[cls] = (1 + cls._packer.size, cls.type_name)  # type: ignore[attr-defined]
    return found


#: Integer leaves by exact class (a dict lookup, not a chain of isinstance checks: measured).
_INTS = _int_classes()
_CONTAINERS = (Array, Structure)
#: Element names ``[0]``... made once.
_LABELS = tuple(f"[{i}]" for i in range(256))


def _data_node(  # noqa: PLR0917 - the tree's hot loop, positional on purpose
    value: Data,
    name: str,
    pos: int,
    raw: bytes,
    kind: str = "",
    element: tuple[str, ...] = (),
) -> Node:
    """The node for ``value`` encoded at ``raw[pos:]`` (positions walked, not trusted).

    ``kind`` says how an octet-string is read (``time``, ``date``, ``datetime``, ``obis``);
    ``element`` names the members of an array's structures (``switch_time:time``...).
    """
    cls = type(value)
    known = _INTS.get(cls)
    if known is not None:  # the commonest leaf
        size, type_name = known
        return Node(name, pos, raw[pos : pos + size], value.value, type_name)  # type: ignore[attr-defined]
    if cls is OctetString:
        octets = value.value  # type: ignore[attr-defined]
        n = len(octets)
        size = (2 if n < 0x80 else 1 + len(encode_length(n))) + n
        text = f"octet-string({n})"
        typed: object = octets
        if kind:
            typed, shown = _interpreted(octets, kind)
            if shown:
                text = f"{text} {shown}"
        return Node(name, pos, raw[pos : pos + size], typed, text)
    if cls in _CONTAINERS or isinstance(value, _CONTAINERS):
        return _container_node(value, name, pos, raw, kind, element)  # type: ignore[arg-type]
    if cls is NullData:
        return Node(name, pos, raw[pos : pos + 1], None, "null-data")
    if cls is Boolean:
        return Node(name, pos, raw[pos : pos + 2], value.value, "boolean")  # type: ignore[attr-defined]
    if cls is BitString:
        bits = value.length_bits  # type: ignore[attr-defined]
        size = 1 + (1 if bits < 0x80 else len(encode_length(bits))) + len(value.data)  # type: ignore[attr-defined]
        return Node(name, pos, raw[pos : pos + size], str(value), f"bit-string({bits})")
    size = _size(value)
    octets = raw[pos : pos + size]
    if isinstance(value, CompactArray):
        return Node(name, pos, octets, None, f"compact-array({len(value.items)})")
    typed, text = _typed(value)
    if isinstance(value, OctetString) and kind:
        typed, shown = _interpreted(value.value, kind)
        if shown:
            text = f"{text} {shown}"
    return Node(name, pos, octets, typed, text)


def _container_node(  # noqa: PLR0917 - see _data_node
    value: Array | Structure,
    name: str,
    pos: int,
    raw: bytes,
    kind: str,
    element: tuple[str, ...],
) -> Node:
    items = value.items
    count = len(items)
    at = pos + (2 if count < 0x80 else 1 + len(encode_length(count)))
    children: list[Node] = []
    append = children.append
    structure = isinstance(value, Structure)
    if structure and element and len(element) == count:
        for member, item in zip(element, items, strict=True):
            label, _, how = member.partition(":")
            child = _data_node(item, label, at, raw, how)
            append(child)
            at += len(child.raw)
    else:
        inner = () if structure else element
        ints = _INTS
        labels = _LABELS if count <= len(_LABELS) else [f"[{i}]" for i in range(count)]
        for i, item in enumerate(items):
            known = ints.get(type(item))
            if known is not None:  # an integer leaf, inline (most elements are)
                size, type_name = known
                append(Node(labels[i], at, raw[at : at + size], item.value, type_name))  # type: ignore[attr-defined]
                at += size
                continue
            child = _data_node(item, labels[i], at, raw, kind, inner)
            append(child)
            at += len(child.raw)
    return Node(name, pos, raw[pos:at], None, f"{value.type_name}({count})", children)


def data_tree(value: Data, raw: bytes, *, offset: int = 0, name: str = "data") -> Node:
    """One A-XDR Data value encoded at ``raw[offset:]`` as a named tree.

    InvalidValueError when ``raw`` does not hold ``value``'s encoding there.
    """
    encoded = value.encode()
    if raw[offset : offset + len(encoded)] != encoded:
        raise InvalidValueError(f"the octets at offset {offset} are not this Data value")
    return _data_node(value, name, offset, raw)


def _field(name: str, span: tuple[int, int], raw: bytes, value: object, text: str = "") -> Node:
    pos, size = span
    return Node(name, pos, raw[pos : pos + size], value, text)


def _date_time(raw: bytes, pos: int, octets: bytes) -> Node:
    size = len(encode_length(len(octets))) + len(octets)
    text = "absent" if not octets else date_time_text(octets) if len(octets) == 12 else ""
    return _field("date_time", (pos, size), raw, octets or None, text)


def _spec_node(
    pos: int, raw: bytes, names: CosemNames, spec: RequestSpec
) -> tuple[list[Node], int]:
    """The fixed part of a request specification: kind, class, instance, attribute/method."""
    kind, class_id, attribute = spec.kind, spec.class_id, spec.attribute
    nodes = [_field("kind", (pos, 1), raw, kind, _KIND_NAMES[kind])]
    class_name = names.class_name(class_id)
    nodes.append(_field("class_id", (pos + 1, 2), raw, class_id, class_name))
    nodes.append(_field("instance_id", (pos + 3, 6), raw, str(spec.instance)))
    if kind is AccessKind.ACTION:
        label, what = "method_id", names.method_name(class_id, attribute)
    else:
        label, what = "attribute_id", names.attribute_name(class_id, attribute)
    nodes.append(_field(label, (pos + 9, 1), raw, attribute, what))
    return nodes, pos + 10


def _request_specs(
    specs: tuple[RequestSpec, ...], pos: int, raw: bytes, names: CosemNames, label: str
) -> tuple[Node, int]:
    start = pos
    count = len(encode_length(len(specs)))
    children = []
    pos += count
    for i, spec in enumerate(specs):
        spec_start = pos
        fields, pos = _spec_node(pos, raw, names, spec)
        if spec.kind is AccessKind.GET_WITH_SELECTION:
            fields.append(_field("selector", (pos, 1), raw, spec.selector))
            pos += 1
            assert spec.parameters is not None  # noqa: S101 - checked by RequestSpec
            param = _data_node(spec.parameters, "parameters", pos, raw)
            fields.append(param)
            pos = param.end
        verb = "method" if spec.kind is AccessKind.ACTION else "attribute"
        member = fields[3].text
        text = (
            f"{_KIND_NAMES[spec.kind]} {names.class_name(spec.class_id)} {spec.instance} "
            f"{verb} {spec.attribute} {member}"
        )
        children.append(Node(f"[{i}]", spec_start, raw[spec_start:pos], None, text, fields))
    return Node(label, start, raw[start:pos], len(specs), f"{len(specs)} item(s)", children), pos


def _data_list(
    data: tuple[Data, ...], pos: int, raw: bytes, hints: list[tuple[str, tuple[str, ...]]]
) -> tuple[Node, int]:
    start = pos
    pos += len(encode_length(len(data)))
    children = []
    for i, item in enumerate(data):
        kind, element = hints[i] if i < len(hints) else ("", ())
        node = _data_node(item, f"[{i}]", pos, raw, kind, element)
        children.append(node)
        pos = node.end
    return Node("data", start, raw[start:pos], len(data), f"{len(data)} item(s)", children), pos


def access_tree(apdu: AccessRequest | AccessResponse, raw: bytes, *, at: int = 0) -> Node:
    """``apdu`` (decoded from ``raw``) as a named tree with offsets into ``raw``.

    Root ``ACCESS.request`` or ``ACCESS.response``; children ``tag``, ``invoke_id``,
    ``date_time``, ``specifications`` (request, and a response's echoed list), ``data`` and
    ``results``. ``raw`` is the APDU's encoding, or (with ``at``) holds it from offset ``at`` on
    (a whole message, say, so offsets count from the message's first octet).
    InvalidValueError when it does not.
    """
    if not isinstance(apdu, AccessRequest | AccessResponse):
        raise InvalidValueError(f"expected an ACCESS request or response, not {apdu!r}")
    raw = bytes(raw)
    encoded = apdu.encode()
    if raw[at:] != encoded or at < 0:
        raise InvalidValueError("raw is not the encoding of this ACCESS APDU")
    return _decoded_access_tree(apdu, raw, at=at)


def _decoded_access_tree(apdu: AccessRequest | AccessResponse, raw: bytes, *, at: int = 0) -> Node:
    """:func:`access_tree` of an APDU decoded from ``raw[at:]``, without re-encoding it.

    Decoding is byte-exact, so the re-encoding check is skipped; the walk must still end
    exactly at the end of ``raw`` (InvalidValueError otherwise).
    """
    names = cosem_names()
    request = isinstance(apdu, AccessRequest)
    nodes = [
        _field("tag", (at, 1), raw, raw[at], "ACCESS.request" if request else "ACCESS.response"),
        _field("invoke_id", (at + 1, 4), raw, apdu.invoke_id),
    ]
    pos = at + 5
    nodes.append(_date_time(raw, pos, apdu.date_time))
    pos = nodes[-1].end
    if isinstance(apdu, AccessRequest):
        specs_node, pos = _request_specs(apdu.specs, pos, raw, names, "specifications")
        nodes.append(specs_node)
        hints = [_hint(names, s.kind, s.class_id, s.attribute) for s in apdu.specs]
        data_node, pos = _data_list(apdu.data, pos, raw, hints)
        nodes.append(data_node)
        _check_end(pos, raw)
        return Node("ACCESS.request", at, raw[at:], None, _summary(apdu, names), nodes)
    if apdu.request_specs is None:
        nodes.append(_field("specifications", (pos, 1), raw, None, "absent"))
        pos += 1
    else:
        inner, end = _request_specs(apdu.request_specs, pos + 1, raw, names, "specifications")
        nodes.append(Node("specifications", pos, raw[pos:end], None, "present", inner.children))
        pos = end
    data_node, pos = _data_list(apdu.data, pos, raw, [])
    nodes.append(data_node)
    start = pos
    pos += len(encode_length(len(apdu.results)))
    results = []
    for i, result in enumerate(apdu.results):
        kind = AccessKind(result.kind)
        name = names.result_name(result.result)
        results.append(
            Node(
                f"[{i}]",
                pos,
                raw[pos : pos + 2],
                result.result,
                f"{_KIND_NAMES[kind]} {name}",
                (
                    _field("kind", (pos, 1), raw, kind, _KIND_NAMES[kind]),
                    _field("result", (pos + 1, 1), raw, result.result, name),
                ),
            )
        )
        pos += 2
    count = len(results)
    nodes.append(Node("results", start, raw[start:pos], count, f"{count} item(s)", results))
    _check_end(pos, raw)
    return Node("ACCESS.response", at, raw[at:], None, _summary(apdu, names), nodes)


def _check_end(pos: int, raw: bytes) -> None:
    if pos != len(raw):
        raise InvalidValueError("raw is not the encoding of this ACCESS APDU")


def _hint(
    names: CosemNames, kind: AccessKind, class_id: int, attribute: int
) -> tuple[str, tuple[str, ...]]:
    """How the Data of a GET/SET of this attribute is read: octet-string kind, element layout."""
    if kind is AccessKind.ACTION:
        return "", ()
    time = names.attribute_name(class_id, attribute).endswith("_time")
    return ("datetime" if time else ""), names.layouts.get((class_id, attribute), ())


def _summary(apdu: AccessRequest | AccessResponse, names: CosemNames) -> str:
    if isinstance(apdu, AccessRequest):
        return f"invoke id {apdu.invoke_id & 0xFFFFFF}, {len(apdu.specs)} specification(s)"
    failed = sum(1 for r in apdu.results if r.result)
    return f"invoke id {apdu.invoke_id & 0xFFFFFF}, {len(apdu.results)} result(s), {failed} failed"
