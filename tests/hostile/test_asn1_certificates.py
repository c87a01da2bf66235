"""Regression: one octet changed inside a certificate or CSR an ASN.1 payload carries.

``cryptography`` reports such DER with exceptions that are not ValueError (InvalidVersion,
DuplicateExtension, and a TypeError when a malformed subject name is first read); each once
escaped ``decode_asn1`` and ``secrules.check``. Found by mutating the RTDS messages below; the
mutation is made here, at test time.
"""

from __future__ import annotations

import pytest

import secrules
from secrules.gbcs import decode_content, parse_message
from secrules.gbcs.inspect import message_tree, node_json

CASES = {
    # A subject name attribute's tag turned into a BIT STRING (TypeError when first read).
    "name-bit-string": (
        "6.23_CS02bSupplierByTransCoS/CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX",
        1093,
        0x1E,
    ),
    # An extension's OID changed into one the certificate already carries (DuplicateExtension).
    "duplicate-extension": ("NA_CS02bWPByWP/CS02bWPByWP_NA_SUCCESS_COMMAND_GBCS.HEX", 339, 0x0F),
    # A CSR's version 0 made 104 (InvalidVersion).
    "csr-version": ("6.17_CS02c/CS02c_6.17_SUCCESS_RESPONSE_GBCS.HEX", 45, 0x68),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_certificate_is_reported_not_raised(case, rtds_dir, hexfile):
    name, at, octet = CASES[case]
    message = bytearray(hexfile(rtds_dir / name))
    assert message[at] != octet
    message[at] = octet
    data = bytes(message)
    # The framing is intact: the message decodes, the damaged DER is described in its tree.
    assert secrules.check(data)
    parsed = parse_message(data)
    tree = node_json(message_tree(parsed)[0])
    assert tree["name"] == "message"
    assert decode_content(parsed).tree.length == len(parsed.content)
