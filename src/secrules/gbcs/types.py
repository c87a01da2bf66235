"""Small GBCS value types: EUI-64 system titles, the CRA flag and the message shapes."""

from __future__ import annotations

import enum
import re

import attrs

from secrules.errors import InvalidValueError

__all__ = ["CraFlag", "Eui64", "FieldSpan", "MessageShape"]

_EUI_TEXT = re.compile(r"^[0-9A-Fa-f]{2}(?:[-:\s]?[0-9A-Fa-f]{2}){7}$")


def _eight_octets(_inst: object, _attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes):
        raise InvalidValueError(f"octets must be bytes, not {type(value).__name__}")
    if len(value) != 8:
        raise InvalidValueError(f"an EUI-64 is exactly 8 octets, not {len(value)}")


@attrs.frozen(order=True)
class Eui64:
    """An EUI-64, as GBCS uses for system titles (GBCS 4.3.2; 8 octets, big-endian).

    ``str(eui)`` gives the IEEE form ``90-B3-D5-1F-30-02-00-00``; :attr:`hex` the compact upper
    case form ``90B3D51F30020000`` used in RTDS and DUIS; ``bytes(eui)`` the 8 octets.
    """

    octets: bytes = attrs.field(validator=_eight_octets)

    @classmethod
    def parse(cls, text: str) -> Eui64:
        """Read ``90B3D51F30020000``, ``90-B3-D5-1F-30-02-00-00`` or ``90:b3:...`` forms.

        InvalidValueError for anything else, ``text`` of another type included.
        """
        if not isinstance(text, str):
            raise InvalidValueError(f"text must be a str, not {type(text).__name__}")
        value = text.strip()
        if not _EUI_TEXT.match(value):
            raise InvalidValueError(f"not an EUI-64: {text[:40]!r}")
        return cls(bytes.fromhex(re.sub(r"[-:\s]", "", value)))

    @property
    def hex(self) -> str:
        """The 16 upper-case hex digits, no separators (``90B3D51F30020000``)."""
        return self.octets.hex().upper()

    def __bytes__(self) -> bytes:
        return self.octets

    def __str__(self) -> str:
        # bytes.hex with a separator: one C call (a generator over the octets cost ~24% of check()).
        return self.octets.hex("-").upper()


class CraFlag(enum.IntEnum):
    """The CRA flag of the General Signing transaction id (GBCS 7.2.7): what the message is."""

    COMMAND = 1
    RESPONSE = 2
    ALERT = 3


class MessageShape(enum.Enum):
    """Which of the four accepted wire forms a message had (kept so re-encoding is exact).

    ``MACD``: General Ciphering (``DD 00``) around a General Signing APDU, then a 12-octet MAC.
    ``SIGNED_APDU``: a bare General Signing APDU ending ``40`` + 64-octet signature.
    ``PRE_COMMAND``: a bare APDU with no signature field at all (DUIS pre-command form).
    ``UNSIGNED_APDU``: a bare APDU ending with a zero signature length ``00``.
    """

    MACD = "macd"
    SIGNED_APDU = "signed_apdu"
    PRE_COMMAND = "pre_command"
    UNSIGNED_APDU = "unsigned_apdu"


@attrs.frozen(order=True)
class FieldSpan:
    """Where a field sits in the encoded message: byte ``offset`` and ``length`` in octets."""

    offset: int
    length: int

    @property
    def end(self) -> int:
        """The offset just after the field."""
        return self.offset + self.length
