"""One door for input: what ``secrules.check``, the payload checker and every command read.

:func:`read_input` takes the input itself (``bytes``, ``bytearray``, ``memoryview`` or ``str``)
or an :class:`os.PathLike` naming a file, and returns a typed :class:`Input`: the decoded octets
of a binary payload or the bytes of an XML document, how the input was written
(:class:`InputForm`) and what the payload is (:class:`PayloadKind`, read once from its first
octet). The accepted forms, each within :data:`MAX_INPUT_BYTES` (the one size cap, applied to the
input as given, before it is copied):

- **hex**: upper or lower case, white space (spaces, tabs, new lines) anywhere, an optional
  ``0x`` before the text or before any group of digits;
- **base64**: the standard alphabet (``+/``) or the URL-safe one (``-_``), with its ``=``
  padding, white space anywhere;
- **binary**: octets as sent, starting with a GBCS (``DD``, ``DF``), DLMS ACCESS (``D9``,
  ``DA``) or A-XDR Data tag octet;
- **XML**: UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order mark, which is
  converted to UTF-8 (an ``encoding="UTF-16"`` declaration becomes ``"UTF-8"``; byte offsets in
  the findings then count the UTF-8 form).

Text is tried as XML, then hex, then base64: text that is valid hex is hex, even when it would
also read as base64. Anything else raises one :class:`~secrules.errors.DecodeError` saying what
was expected; empty input, an odd number of hex digits and base64 whose length is not a multiple
of four also raise :class:`DecodeError`, each with the offset in the input.
"""

from __future__ import annotations

import base64
import binascii
import enum
import os
import re

import attrs

from secrules.core.files import display_name, read_bounded
from secrules.core.validation import BYTES_LIKE, require_path, require_type
from secrules.dlms.data import DataTag
from secrules.errors import DecodeError, InvalidValueError

__all__ = [
    "EXPECTED",
    "MAX_INPUT_BYTES",
    "Input",
    "InputForm",
    "InputKind",
    "PayloadKind",
    "read_input",
    "sniff",
]

#: The one input size cap: 16 MiB, in bytes or characters as given (DUIS XML has its own,
#: smaller cap: :data:`secrules.duis.safexml.DEFAULT_MAX_BYTES`).
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: What an unrecognised input is told.
EXPECTED = "expected hex, base64, binary GBCS/DLMS octets or XML"

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# White space, then an optional 0x, at the start of the text or of any group of digits.
_HEX_SEPARATORS = re.compile(rb"(?:\A|\s+)(?:0[xX])?")
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")
_WHITESPACE = re.compile(rb"\s+")
# What ``\s`` matches in a bytes pattern (the hex fast path removes exactly these).
_ASCII_WHITESPACE = b" \t\n\r\x0b\x0c"
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_BASE64_URLSAFE = re.compile(rb"[A-Za-z0-9_-]*={0,2}")
_NEITHER = re.compile(rb"[^0-9A-Za-z+/=_\s-]")
_UTF16_NAMES = frozenset({"utf-16", "utf-16le", "utf-16be", "utf16", "utf16le", "utf16be"})
_XML_ENCODING = re.compile(r"""\A<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"'>]*)\1""")


class InputKind(enum.Enum):
    """What the input holds: an XML document or binary octets."""

    XML = "xml"
    BINARY = "binary"


class InputForm(enum.Enum):
    """How the input was written."""

    BINARY = "binary"
    HEX = "hex"
    BASE64 = "base64"
    XML_UTF8 = "xml-utf8"
    XML_UTF16 = "xml-utf16"


class PayloadKind(enum.Enum):
    """What a payload is, by its first octet (or XML)."""

    GBCS_CIPHERING = "gbcs-ciphering"
    GBCS_SIGNING = "gbcs-signing"
    ACCESS_REQUEST = "access-request"
    ACCESS_RESPONSE = "access-response"
    DATA = "data"
    DUIS_XML = "duis-xml"

    @property
    def description(self) -> str:
        """A short name for reports: ``"GBCS message (General Ciphering)"``..."""
        return _DESCRIPTIONS[self]

    @property
    def is_gbcs(self) -> bool:
        """A GBCS message (General Ciphering ``DD`` or General Signing ``DF``)."""
        return self in (PayloadKind.GBCS_CIPHERING, PayloadKind.GBCS_SIGNING)

    @property
    def is_access(self) -> bool:
        """A bare DLMS ACCESS request (``D9``) or response (``DA``)."""
        return self in (PayloadKind.ACCESS_REQUEST, PayloadKind.ACCESS_RESPONSE)


_DESCRIPTIONS = {
    PayloadKind.GBCS_CIPHERING: "GBCS message (General Ciphering)",
    PayloadKind.GBCS_SIGNING: "GBCS General Signing APDU",
    PayloadKind.ACCESS_REQUEST: "DLMS ACCESS request",
    PayloadKind.ACCESS_RESPONSE: "DLMS ACCESS response",
    PayloadKind.DATA: "A-XDR Data",
    PayloadKind.DUIS_XML: "DUIS request XML",
}
_BY_FIRST_OCTET = {
    0xDD: PayloadKind.GBCS_CIPHERING,
    0xDF: PayloadKind.GBCS_SIGNING,
    0xD9: PayloadKind.ACCESS_REQUEST,
    0xDA: PayloadKind.ACCESS_RESPONSE,
}
_DATA_TAGS = frozenset(int(tag) for tag in DataTag)


def sniff(data: bytes | bytearray | memoryview) -> PayloadKind:
    """What binary ``data`` is, from its first octet (anything but DD/DF/D9/DA is A-XDR Data).

    Empty ``data`` raises :class:`DecodeError`.
    """
    if not data:
        raise DecodeError("empty input", offset=0)
    return _BY_FIRST_OCTET.get(data[0], PayloadKind.DATA)


def _payload_of(inp: Input) -> PayloadKind:
    if inp.kind is InputKind.XML:
        return PayloadKind.DUIS_XML
    return _BY_FIRST_OCTET.get(inp.data[0], PayloadKind.DATA) if inp.data else PayloadKind.DATA


def _check_data(_inst: object, _attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if type(value) is not bytes or not value:
        raise InvalidValueError("Input.data must be non-empty bytes")


@attrs.frozen
class Input:
    """An input read once: its kind, how it was written, its octets and where it came from.

    ``data`` is the decoded octets of a binary payload, or the XML document (UTF-8, or as given
    when it was UTF-8 with a byte-order mark). ``payload`` is decided once, at construction.
    """

    kind: InputKind
    form: InputForm
    data: bytes = attrs.field(validator=_check_data, repr=lambda d: f"<{len(d)} octets>")
    source: str | None = None
    payload: PayloadKind = attrs.field(
        init=False, default=attrs.Factory(_payload_of, takes_self=True)
    )

    @property
    def description(self) -> str:
        """What the input is, for reports (``"DLMS ACCESS request"``, ``"DUIS request XML"``)."""
        return self.payload.description


def read_input(
    source: bytes | bytearray | memoryview | str | os.PathLike[str], *, name: str | None = None
) -> Input:
    """Read ``source`` once into a typed :class:`Input` (see the module docstring for the forms).

    ``source`` is the input itself (a ``str`` is always data, never a file name) or an
    :class:`os.PathLike` naming a file to read within :data:`MAX_INPUT_BYTES`. ``name`` is kept
    as :attr:`Input.source` (default: the file's name, or None for data).
    Raises :class:`DecodeError` (with an offset into the input) for input that is empty, too
    large or none of the accepted forms; :class:`~secrules.errors.DataFileError` for a file that
    cannot be read; :class:`~secrules.errors.InvalidValueError` for a ``source`` of another type.
    """
    if isinstance(source, os.PathLike):
        require_path(source, "source")
        data: bytes | bytearray | memoryview | str = read_bounded(
            source, MAX_INPUT_BYTES, what="input"
        )
        name = display_name(source) if name is None else name
    else:
        require_type(source, "source", (*BYTES_LIKE, str), "bytes, str or os.PathLike")
        data = source
    # Refuse oversized input before copying or encoding it (a str character is >= 1 byte).
    size = data.nbytes if isinstance(data, memoryview) else len(data)
    if size > MAX_INPUT_BYTES:
        raise DecodeError(f"input is larger than {MAX_INPUT_BYTES} bytes", offset=MAX_INPUT_BYTES)
    if isinstance(data, str):
        return _from_text(data, name, utf16=False)
    return _from_octets(bytes(data), name)


def _from_octets(raw: bytes, name: str | None) -> Input:
    if not raw:
        raise DecodeError("empty input", offset=0)
    if raw[0] in _BY_FIRST_OCTET:
        return Input(InputKind.BINARY, InputForm.BINARY, raw, name)
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"UTF-16 text (it starts with a byte-order mark) that does not decode: "
                f"{exc.reason}",
                offset=exc.start,
            ) from None
        return _from_text(text, name, utf16=True)
    start = len(_UTF8_BOM) if raw.startswith(_UTF8_BOM) else 0
    body = raw[start:].lstrip()
    if not body:
        raise DecodeError("empty input", offset=0)
    if body.startswith(b"<"):
        return Input(InputKind.XML, InputForm.XML_UTF8, raw, name)
    found = _from_ascii(raw, start, name)
    if found is not None:
        return found
    if start == 0 and raw[0] in _DATA_TAGS:
        return Input(InputKind.BINARY, InputForm.BINARY, raw, name)
    raise _unrecognised(raw, start)


def _from_text(text: str, name: str | None, *, utf16: bool) -> Input:
    start = 1 if text.startswith("\ufeff") else 0
    stripped = text[start:].lstrip()
    if not stripped:
        raise DecodeError("empty input", offset=0)
    if stripped.startswith("<"):
        return _xml_from_text(text[start:] if utf16 else text, name, utf16=utf16)
    try:  # a byte-order mark counts as one blank, so offsets stay offsets into ``text``
        ascii_text = (" " + text[1:] if start else text).encode("ascii")
    except UnicodeEncodeError as exc:
        raise DecodeError(
            f"unrecognised input: {EXPECTED} (a non-ASCII character is neither hex nor base64)",
            offset=exc.start,
        ) from None
    found = _from_ascii(ascii_text, 0, name)
    if found is None:
        raise _unrecognised(ascii_text, 0)
    return found


def _xml_from_text(text: str, name: str | None, *, utf16: bool) -> Input:
    declared = _XML_ENCODING.match(text, 0, 512)
    if declared is not None:
        encoding = declared.group(2).strip().lower().replace("_", "-")
        if encoding in _UTF16_NAMES:
            text = text[: declared.start(2)] + "UTF-8" + text[declared.end(2) :]
        elif utf16:
            raise DecodeError(
                f"UTF-16 XML (it starts with a byte-order mark) declares encoding "
                f"{declared.group(2)!r}",
                offset=declared.start(2),
                path="/",
            )
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DecodeError(
            "XML text cannot be encoded as UTF-8 (lone surrogate)", offset=exc.start, path="/"
        ) from None
    return Input(InputKind.XML, InputForm.XML_UTF16 if utf16 else InputForm.XML_UTF8, data, name)


def _from_ascii(raw: bytes, start: int, name: str | None) -> Input | None:
    """Hex, else base64, read from ``raw[start:]``; None when it is neither."""
    body = raw[start:]
    # The common case first: hex with white space only (no 0x), decoded by one C call; anything
    # else (0x prefixes, odd length, other characters) takes the checked path below.
    compact_hex = body.translate(None, _ASCII_WHITESPACE)
    if compact_hex and b"x" not in compact_hex and b"X" not in compact_hex:
        try:
            return Input(InputKind.BINARY, InputForm.HEX, binascii.unhexlify(compact_hex), name)
        except (binascii.Error, ValueError):
            pass
    digits = _HEX_SEPARATORS.sub(b"", body)
    if digits and _HEX_DIGITS.fullmatch(digits):
        if len(digits) % 2:
            last = start + len(body.rstrip()) - 1
            raise DecodeError(
                f"hex input has an odd number of digits ({len(digits)}): the last one has no pair",
                offset=last,
            )
        return Input(InputKind.BINARY, InputForm.HEX, binascii.unhexlify(digits), name)
    compact = _WHITESPACE.sub(b"", body)
    urlsafe = False
    if not _BASE64.fullmatch(compact):
        if not _BASE64_URLSAFE.fullmatch(compact):
            return None
        urlsafe = True
    if len(compact) % 4:
        raise DecodeError(
            f"base64 input has {len(compact)} characters, not a multiple of 4 (missing or extra "
            "'=' padding)",
            offset=start + len(body.rstrip()),
        )
    try:
        octets = base64.b64decode(compact, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the patterns rule it out
        raise DecodeError(f"base64 input does not decode: {exc}", offset=start) from None
    if not octets:
        return None
    return Input(InputKind.BINARY, InputForm.BASE64, octets, name)


def _unrecognised(raw: bytes, start: int) -> DecodeError:
    """The one error for input that is none of the accepted forms."""
    if raw[start] >= 0x80:
        what = f"its first octet 0x{raw[start]:02X} starts no GBCS message, DLMS APDU or A-XDR Data"
        return DecodeError(f"unrecognised input: {EXPECTED} ({what})", offset=start)
    bad = _NEITHER.search(raw, start)
    offset = bad.start() if bad is not None else start
    return DecodeError(
        f"unrecognised input: {EXPECTED} (text that is neither hex nor base64)", offset=offset
    )
