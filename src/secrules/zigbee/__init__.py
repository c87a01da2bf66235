"""GBCS ZigBee (GBZ) payloads and the ZCL frames inside them, as typed records and named trees.

``decode_gbz(data)`` reads a GBZ payload (``alert=True`` for the GBZ alert layout of a
CRA-flag-3 message) into a :class:`GbzPayload`; ``.encode()`` gives the octets back byte for
byte and ``.tree()`` a :class:`~secrules.core.tree.Node` tree with names, offsets and typed
values. ``decode_zcl_plaintext(plaintext, cluster_id=..., header=...)`` reads the decrypted
payload of an encrypted component. Names and command layouts are data (``data/zcl.toml``).
"""

from __future__ import annotations

from secrules.zigbee.gbz import (
    GbzAlert,
    GbzComponent,
    GbzField,
    GbzPayload,
    decode_gbz,
    encode_gbz,
)
from secrules.zigbee.names import ZclNames, load_zcl_names, zcl_names
from secrules.zigbee.zcl import (
    ZclGroup,
    ZclHeader,
    ZclItem,
    ZclPayload,
    ZclValue,
    decode_zcl_plaintext,
)

__all__ = [
    "GbzAlert",
    "GbzComponent",
    "GbzField",
    "GbzPayload",
    "ZclGroup",
    "ZclHeader",
    "ZclItem",
    "ZclNames",
    "ZclPayload",
    "ZclValue",
    "decode_gbz",
    "decode_zcl_plaintext",
    "encode_gbz",
    "load_zcl_names",
    "zcl_names",
]
