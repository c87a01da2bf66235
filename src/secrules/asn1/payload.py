"""``decode_asn1``: a GBCS ASN.1 DER payload as a typed record, a TLV tree and a named tree."""

from __future__ import annotations

import attrs

from secrules.asn1.schema import (
    CertificateInfo,
    Structure,
    generic_node,
    match,
    match_value,
    structures_for,
)
from secrules.asn1.tlv import Tlv, decode_tlv
from secrules.core.tree import Node
from secrules.errors import InvalidValueError

__all__ = ["Asn1Payload", "decode_asn1"]


@attrs.frozen
class Asn1Payload:
    """A decoded ASN.1 payload.

    ``tlv`` is the exact TLV tree (``encode()`` reproduces the input, non-minimal lengths
    included); ``structure`` is the typed structure it matched for its message code (None when
    no code was given or none of that use case's structures matches: the tree is then the
    generic TLV rendering); ``value`` is the typed value (a :class:`~secrules.asn1.Record` for a
    SEQUENCE, a tuple for a SEQUENCE OF, :class:`~secrules.asn1.Named` for named integers...),
    None when generic.
    """

    tlv: Tlv
    message_code: int | None = None
    structure: Structure | None = None
    value: object = None
    #: A prebuilt tree :meth:`tree` returns (``decode_asn1`` leaves it None: built on demand).
    root: Node | None = attrs.field(default=None, eq=False, repr=False)

    def encode(self) -> bytes:
        """The payload octets, exactly as decoded."""
        return self.tlv.encode()

    def tree(self, offset: int = 0) -> Node:
        """The payload as a named tree rooted at ``asn1``, offsets moved by ``offset``.

        Offsets count from the payload's start (plus ``offset``). The tree is built on each
        call: decoding builds only the typed value.
        """
        if self.root is not None:
            return self.root if not offset else self.root.shifted(offset)
        node = None
        if self.structure is not None:
            found = match(self.structure, self.tlv, offset)
            node = None if found is None else found[0]
        return _root(self.tlv, self.structure if node is not None else None, node, offset)

    @property
    def certificates(self) -> tuple[CertificateInfo, ...]:
        """Every embedded certificate that loaded, in order."""
        return tuple(
            node.value for _, node in self.tree().walk() if isinstance(node.value, CertificateInfo)
        )

    @property
    def non_minimal_lengths(self) -> tuple[int, ...]:
        """Offsets of the TLVs whose length octets are not the DER (minimal) form."""
        found: list[int] = []
        stack = [self.tlv]
        while stack:
            tlv = stack.pop()
            if not tlv.minimal:
                found.append(tlv.offset or 0)
            stack.extend(tlv.children or ())
        return tuple(sorted(found))


def _root(tlv: Tlv, structure: Structure | None, node: Node | None, at: int = 0) -> Node:
    if node is None:
        return generic_node("asn1", tlv, at)
    label = f"{structure.name} ({node.name})" if structure is not None else node.name
    text = f"{label}: {node.text}" if node.text else label
    return attrs.evolve(node, name="asn1", text=text)


def decode_asn1(data: bytes, *, message_code: int | None = None) -> Asn1Payload:
    """Decode a GBCS ASN.1 DER payload; DecodeError with offset and path if it is not DER/BER.

    With ``message_code`` the structures of that use case (command, response or alert; GBCS
    use-case ASN.1 modules, §4.2 of the project's content notes) are tried in turn and the
    first that matches every octet gives the typed value; otherwise (no code, a code without
    ASN.1 structures, or no match) the result is the generic TLV tree. Bare INTEGER, OCTET
    STRING and NULL payloads are structures too (CS03/CS04/CS07 responses and commands).
    """
    if message_code is not None and (
        not isinstance(message_code, int)
        or isinstance(message_code, bool)
        or not 0 <= message_code <= 0xFFFF
    ):
        raise InvalidValueError(f"message_code must be a 16-bit int, not {message_code!r}")
    tlv = decode_tlv(data)
    if message_code is not None:
        for structure in structures_for(message_code):
            found = match_value(structure, tlv)
            if found is not None:
                return Asn1Payload(tlv, message_code, structure, found[0])
    return Asn1Payload(tlv, message_code)
