"""ASN.1 DER payloads of GBCS (security credentials, join, firmware, GPF device log).

:func:`decode_asn1` reads a payload into an exact :class:`Tlv` tree (non-minimal lengths kept,
so ``encode()`` is byte for byte), matches it against the use case's structure for its message
code (typed values: :class:`Record`, :class:`Named`, :class:`CertificateInfo`, datetimes,
bytes) and renders it as a :class:`~secrules.core.tree.Node` tree. Value names are data
(``data/asn1_names.toml``); unknown values stay numeric.
"""

from __future__ import annotations

from secrules.asn1.names import Asn1Names, NamedValue, asn1_names, load_asn1_names
from secrules.asn1.payload import Asn1Payload, decode_asn1
from secrules.asn1.schema import (
    STRUCTURES,
    CertificateInfo,
    Named,
    Record,
    Structure,
    structures_for,
)
from secrules.asn1.tlv import MAX_DEPTH, Tlv, decode_tlv, encode_length, parse_generalized_time

__all__ = [
    "MAX_DEPTH",
    "STRUCTURES",
    "Asn1Names",
    "Asn1Payload",
    "CertificateInfo",
    "Named",
    "NamedValue",
    "Record",
    "Structure",
    "Tlv",
    "asn1_names",
    "decode_asn1",
    "decode_tlv",
    "encode_length",
    "load_asn1_names",
    "parse_generalized_time",
    "structures_for",
]
