"""The GBCS wire format, declared once with construct: GBCS 7.2.5 (MAC header) and 7.2.7 (APDU).

:data:`MACD_LAYOUT` is a General Ciphering MAC header (rows W1-W3), a General Signing APDU (rows
A1-A10) and a 12-octet MAC (W4); :data:`BARE_LAYOUT` is the APDU alone (signed, a pre-command with
no signature field, or a zero signature length). The field names are the field paths that
errors and :attr:`GbcsMessage.fields` use (``apdu.cra_flag``; a length-prefixed field ``x``
has its length at ``x.length``).

The declaration is what :func:`build_layout` writes (encoding) and what :func:`parse_layout`
reads (the checked, annotated reading behind ``gbcs inspect``, field spans and error reports).
Its leaves are small construct classes of this module that read exactly their octets, record
where each field sat (:func:`field_spans`) and fail with a :class:`WireError` carrying the byte
offset, so that a :class:`~secrules.errors.DecodeError` names the field path and offset. Lengths
are DER-style, minimal forms only (:mod:`secrules.dlms.lengths`). The hot path reads the same
format by hand (:mod:`secrules.gbcs.fastpath`); a differential property test keeps the two in
agreement.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, BinaryIO, Final

import construct as cs

from secrules.dlms.lengths import decode_length, encode_length
from secrules.errors import DecodeError
from secrules.gbcs.types import FieldSpan

__all__ = [
    "BARE_LAYOUT",
    "MACD_LAYOUT",
    "MAC_LENGTH",
    "SIGNATURE_LENGTH",
    "WireError",
    "build_layout",
    "field_spans",
    "parse_layout",
]

#: Truncated GMAC tag length (GBCS 7.2.5; row W4).
MAC_LENGTH: Final = 12
#: Plain-format ECDSA P-256 signature, r || s (row A10).
SIGNATURE_LENGTH: Final = 64
#: Row W1: the General Ciphering tag and six empty header fields.
GENERAL_CIPHERING: Final = b"\xdd\x00\x00\x00\x00\x00\x00"
#: Row W3: security control (authentication only, suite 1), then a 4-octet invocation counter;
#: counted in the ciphered service length (W2) together with the APDU and the MAC.
SECURITY_CONTROL: Final = 0x11
MAC_HEADER_FIELDS: Final = 5
#: Row A1, the General Signing tag; A2, the transaction id length (CRA flag + 8-octet counter).
GENERAL_SIGNING: Final = 0xDF
TRANSACTION_ID_LENGTH: Final = 9
SYSTEM_TITLE_LENGTH: Final = 8  # rows A5, A6
DATE_TIME_LENGTH: Final = 12  # row A7, when present
#: Row A8 body lengths: message code; + remote-party id; + its counter; + a supplementary
#: originator counter (26); or + a key-agreement certificate (more than 26).
OI_CODE: Final = 2
OI_RP_ID: Final = 10
OI_RP_COUNTER: Final = 18
OI_ORIG_COUNTER: Final = 26

_Check = Callable[[int, int], str | None]  # (value, octets after the field) -> problem or None


class WireError(cs.ConstructError):  # type: ignore[misc]  # construct is untyped
    """A field that does not decode: the message, construct's path and the input offset."""

    def __init__(self, message: str, *, path: str, offset: int) -> None:
        super().__init__(message, path=path)
        self.message = message
        self.offset = offset


def field_path(path: str) -> str:
    """Construct's path ``(parsing) -> apdu -> cra_flag`` as the field path ``apdu.cra_flag``."""
    return ".".join(path.split(" -> ")[1:])


class _Window(io.BytesIO):
    """Octets that sat at ``base`` in the input, read so that ``tell`` stays an input offset."""

    def __init__(self, data: bytes, base: int) -> None:
        super().__init__(data)
        self._base = base

    def tell(self) -> int:
        return super().tell() + self._base

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        shift = self._base if whence == io.SEEK_SET else 0
        return super().seek(pos - shift, whence) + self._base


def _note(context: cs.Container, path: str, start: int, end: int) -> None:
    spans = context._params.get("spans")
    if spans is not None:
        spans[path] = (start, end)


def _truncated(size: int, left: int, path: str, offset: int) -> WireError:
    return WireError(f"truncated: {size} octet(s) expected, {left} left", path=path, offset=offset)


def _read(stream: BinaryIO, size: int, path: str) -> bytes:
    start = stream.tell()
    raw = stream.read(size)
    if len(raw) != size:
        raise _truncated(size, len(raw), path, start)
    return raw


def _left(stream: BinaryIO) -> int:
    here = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return end - here


class _Octets(cs.Construct):  # type: ignore[misc]
    """Fixed octets (a tag, a fixed length); a wrong octet is reported at its own offset."""

    def __init__(self, *expected: int) -> None:
        super().__init__()
        self.expected = bytes(expected)
        self.flagbuildnone = True

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> bytes:
        start = stream.tell()
        raw = stream.read(len(self.expected))
        for i, (got, want) in enumerate(zip(raw, self.expected, strict=False)):
            if got != want:
                raise WireError(
                    f"expected 0x{want:02X}, found 0x{got:02X}", path=path, offset=start + i
                )
        if len(raw) != len(self.expected):
            raise _truncated(len(self.expected), len(raw), path, start)
        _note(context, path, start, start + len(raw))
        return raw

    def _build(self, obj: object, stream: BinaryIO, context: cs.Container, path: str) -> bytes:
        cs.stream_write(stream, self.expected, len(self.expected), path)
        return self.expected


class _Field(cs.Subconstruct):  # type: ignore[misc]
    """A field of known size (perhaps set by earlier fields), read as ``subcon`` from its octets.

    ``subcon`` is a primitive (an integer, an octet string).
    ``check`` may reject the value with a message (reported at the field's offset).
    """

    def __init__(
        self, subcon: cs.Construct, check: Callable[[Any], str | None] | None = None
    ) -> None:
        super().__init__(subcon)
        self.check = check

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> object:
        start = stream.tell()
        raw = _read(stream, self.subcon._sizeof(context, path), path)
        value = self.subcon._parsereport(io.BytesIO(raw), context, path)
        problem = None if self.check is None else self.check(value)
        if problem:
            raise WireError(problem, path=path, offset=start)
        _note(context, path, start, start + len(raw))
        return value


class _Length(cs.Construct):  # type: ignore[misc]
    """A DER-style length (GBCS 7.2.7; minimal forms only); ``check`` may reject its value."""

    def __init__(self, check: _Check | None = None) -> None:
        super().__init__()
        self.check = check

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> int:
        start = stream.tell()
        raw = stream.read(1)
        if raw and 0x80 < raw[0] <= 0x84:
            raw += stream.read(raw[0] & 0x7F)
        try:
            value, _ = decode_length(raw, 0)
        except DecodeError as exc:
            raise WireError(exc.message, path=path, offset=start + (exc.offset or 0)) from None
        problem = None if self.check is None else self.check(value, _left(stream))
        if problem:
            raise WireError(problem, path=path, offset=start)
        _note(context, path, start, start + len(raw))
        return value

    def _build(self, obj: int, stream: BinaryIO, context: cs.Container, path: str) -> int:
        raw = encode_length(obj)
        cs.stream_write(stream, raw, len(raw), path)
        return obj


class _Sized(cs.Construct):  # type: ignore[misc]
    """A length-prefixed octet string: a :class:`_Length` at ``<path>.length``, then the body.

    ``check`` may reject the length; ``optional``: the field may be missing at the end of its
    container (parsed as None); ``absent_when_empty``: an empty body has no span of its own;
    ``last``: nothing may follow the field in its container.
    """

    def __init__(
        self,
        check: _Check | None = None,
        *,
        optional: bool = False,
        absent_when_empty: bool = False,
        last: bool = False,
    ) -> None:
        super().__init__()
        self.length = _Length(check)
        self.optional = optional
        self.absent_when_empty = absent_when_empty
        self.last = last
        self.flagbuildnone = True

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> bytes | None:
        if self.optional and not _left(stream):
            return None
        length_path = f"{path} -> length"
        size = self.length._parsereport(stream, context, length_path)
        start = stream.tell()
        body = _read(stream, size, path)
        if body or not self.absent_when_empty:
            _note(context, path, start, start + size)
        if self.last and (extra := _left(stream)):
            what = path.rsplit(" -> ", 1)[-1]
            raise WireError(
                f"{extra} octet(s) after the {what} field",
                path=path if body else length_path,
                offset=start + size,
            )
        return body

    def _build(
        self, obj: bytes | None, stream: BinaryIO, context: cs.Container, path: str
    ) -> bytes | None:
        if obj is None and self.optional:
            return None
        body = obj or b""
        self.length._build(len(body), stream, context, path)
        cs.stream_write(stream, body, len(body), path)
        return obj


class _Bounded(cs.Subconstruct):  # type: ignore[misc]
    """``subcon`` within exactly the next ``size`` octets (FixedSized, keeping input offsets)."""

    def __init__(self, size: Callable[[cs.Container], int], subcon: cs.Construct) -> None:
        super().__init__(subcon)
        self.size = size

    def _parse(self, stream: BinaryIO, context: cs.Container, path: str) -> object:
        start = stream.tell()
        raw = _read(stream, self.size(context), path)
        return self.subcon._parsereport(_Window(raw, start), context, path)


def _one_of(what: str, allowed: str, *values: int) -> _Check:
    def check(value: int, _left: int) -> str | None:
        return None if value in values else f"{what} length {value} is {allowed}"

    return check


def _other_information_length(value: int, _left: int) -> str | None:
    if value in (OI_CODE, OI_RP_ID, OI_RP_COUNTER) or value >= OI_ORIG_COUNTER:
        return None
    return f"other-information length {value} is not one of 2, 10, 18, 26 or more than 26"


def _other_information_size(ctx: cs.Container) -> int:
    """A8: the length a build writes, from the optional fields present."""
    size = OI_CODE
    if ctx.supplementary_remote_party_id is not None:
        size = OI_RP_ID
    if ctx.supplementary_remote_party_counter is not None:
        size = OI_RP_COUNTER
    if ctx.supplementary_originator_counter is not None:
        size = OI_ORIG_COUNTER
    if ctx.ka_certificate is not None:
        size = OI_RP_COUNTER + len(ctx.ka_certificate)
    return size


def _cra_flag(value: int) -> str | None:
    if value in (1, 2, 3):
        return None
    return f"CRA flag 0x{value:02X} is not 1 (command), 2 (response) or 3 (alert)"


#: Row A8: the message code and the optional GBCS 7.2.7 fields, by the body length.
OTHER_INFORMATION: Final = cs.Struct(
    "length" / cs.Rebuild(_Length(_other_information_length), _other_information_size),
    "message_code" / _Field(cs.Int16ub),
    "supplementary_remote_party_id" / cs.If(cs.this.length >= OI_RP_ID, _Field(cs.Bytes(8))),
    "supplementary_remote_party_counter"
    / cs.If(cs.this.length >= OI_RP_COUNTER, _Field(cs.Int64ub)),
    "supplementary_originator_counter"
    / cs.If(cs.this.length == OI_ORIG_COUNTER, _Field(cs.Int64ub)),
    "ka_certificate"
    / cs.If(cs.this.length > OI_ORIG_COUNTER, _Field(cs.Bytes(cs.this.length - OI_RP_COUNTER))),
)


def _general_signing(*, macd: bool) -> cs.Struct:
    """Rows A1-A10. In a MAC'd message the signature length field is mandatory (A10)."""
    return cs.Struct(
        "tag" / _Octets(GENERAL_SIGNING),  # A1
        "transaction_id" / cs.Struct("length" / _Octets(TRANSACTION_ID_LENGTH)),  # A2
        "cra_flag" / _Field(cs.Int8ub, _cra_flag),  # A3
        "originator_counter" / _Field(cs.Int64ub),  # A4
        "originator_system_title"
        / _Sized(_one_of("system-title", "not 8", SYSTEM_TITLE_LENGTH)),  # A5
        "recipient_system_title"
        / _Sized(_one_of("system-title", "not 8", SYSTEM_TITLE_LENGTH)),  # A6
        "date_time"
        / _Sized(
            _one_of("date-time", "neither 0 (absent) nor 12", 0, DATE_TIME_LENGTH),
            absent_when_empty=True,
        ),  # A7
        "other_information" / OTHER_INFORMATION,  # A8
        "content" / _Sized(),  # A9
        "signature"
        / _Sized(
            _one_of("signature", f"neither 0 nor {SIGNATURE_LENGTH}", 0, SIGNATURE_LENGTH),
            optional=not macd,
            absent_when_empty=True,
            last=True,
        ),  # A10
    )


_MACD_APDU: Final = _general_signing(macd=True)


def _ciphered_service_length(value: int, left: int) -> str | None:
    if value != left:
        return f"ciphered service length {value} but {left} octet(s) follow"
    if value <= MAC_HEADER_FIELDS + MAC_LENGTH:
        return f"ciphered service length {value} leaves no room for an APDU"
    return None


def _built_service_length(ctx: cs.Container) -> int:
    return MAC_HEADER_FIELDS + len(_MACD_APDU.build(ctx._.apdu)) + MAC_LENGTH


#: A bare General Signing APDU (rows A1-A10): the whole input.
BARE_LAYOUT: Final = cs.Struct("apdu" / _general_signing(macd=False))

#: Rows W1-W4 around A1-A10: a MAC'd message.
MACD_LAYOUT: Final = cs.Struct(
    "mac_header"
    / cs.Struct(
        "general_ciphering" / _Octets(*GENERAL_CIPHERING),  # W1
        "ciphered_service_length"
        / cs.Rebuild(_Length(_ciphered_service_length), _built_service_length),  # W2
        # W3: read as received; gbcs.security_header judges it (GBCS requires 0x11).
        "security_control" / _Field(cs.Int8ub),
        "invocation_counter" / _Field(cs.Int32ub),  # W3
    ),
    "apdu"
    / _Bounded(
        lambda ctx: ctx.mac_header.ciphered_service_length - MAC_HEADER_FIELDS - MAC_LENGTH,
        _MACD_APDU,
    ),
    "mac" / _Field(cs.Bytes(MAC_LENGTH)),  # W4
)


def parse_layout(data: bytes, spans: dict[str, tuple[int, int]] | None = None) -> cs.Container:
    """Read ``data`` with the declaration (by its first octet).

    ``spans``, if given, receives construct's path of each field -> its start and end offsets.

    Raises :class:`DecodeError` with the field path and the byte offset of the first problem.
    """
    if not data:
        raise DecodeError("empty input: a GBCS message starts DD or DF", offset=0, path="tag")
    layout = {GENERAL_CIPHERING[0]: MACD_LAYOUT, GENERAL_SIGNING: BARE_LAYOUT}.get(data[0])
    if layout is None:
        raise DecodeError(
            f"first octet 0x{data[0]:02X} is neither DD (General Ciphering) nor DF (General "
            "Signing)",
            offset=0,
            path="tag",
        )
    stream = io.BytesIO(data)
    try:
        parsed: cs.Container = layout.parse_stream(stream, spans=spans)
    except WireError as exc:
        raise DecodeError(exc.message, offset=exc.offset, path=field_path(exc.path)) from None
    except cs.ConstructError as exc:  # not raised by this declaration; kept as the edge's guard
        raise DecodeError(
            str(exc).splitlines()[-1], offset=stream.tell(), path=field_path(exc.path or "")
        ) from None
    return parsed


def _around(spans: Mapping[str, FieldSpan], prefix: str) -> FieldSpan:
    """The span from the first to the last field whose path starts with ``prefix``."""
    inner = [span for path, span in spans.items() if path.startswith(prefix)]
    start = min(span.offset for span in inner)
    return FieldSpan(start, max(span.end for span in inner) - start)


def field_spans(data: bytes) -> Mapping[str, FieldSpan]:
    """Field path -> span for the accepted message ``data``, in wire order.

    Besides the declaration's fields: ``apdu`` (the whole APDU), ``apdu.other_information``
    (its body, after the length) and ``signed`` (the signed span, from the octet after ``DF``
    through the last content octet).
    """
    found: dict[str, tuple[int, int]] = {}
    parse_layout(data, found)
    spans = {
        field_path(path): FieldSpan(start, end - start) for path, (start, end) in found.items()
    }
    body = _around(spans, "apdu.other_information.")
    length = spans["apdu.other_information.length"]
    start = spans["apdu.transaction_id.length"].offset
    spans["apdu"] = _around(spans, "apdu.")
    spans["apdu.other_information"] = FieldSpan(length.end, body.end - length.end)
    spans["signed"] = FieldSpan(start, spans["apdu.content"].end - start)
    # An enclosing span (``apdu``, ``signed``) sorts before the fields inside it.
    ordered = sorted(spans.items(), key=lambda item: (item[1].offset, -item[1].length))
    return MappingProxyType(dict(ordered))


def build_layout(obj: Mapping[str, Any]) -> bytes:
    """Write ``obj`` (the declaration's fields): MAC'd when it has a ``mac_header``, else bare."""
    layout = MACD_LAYOUT if "mac_header" in obj else BARE_LAYOUT
    raw = layout.build(obj)
    assert isinstance(raw, bytes)  # noqa: S101 - construct's build always returns bytes
    return raw
