"""GBCS: message framing (General Ciphering, General Signing), message codes and signatures.

``parse_message`` / ``encode_message`` read and write the four wire shapes of a GBCS message
exactly (GBCS 7.2.5, 7.2.7); the wire format is declared once in :mod:`secrules.gbcs.layout`,
the record is :mod:`secrules.gbcs.message`, reading is :mod:`secrules.gbcs.decode` (with the
hot path in :mod:`secrules.gbcs.fastpath`) and writing :mod:`secrules.gbcs.encode`.
``use_case_name`` looks up a message code in the bundled table ``data/gbcs_message_codes.toml``.
``classify`` / ``decode_content`` (:mod:`secrules.gbcs.content`) tell what the content is and
decode it as a named tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from secrules._lazy import attach

if TYPE_CHECKING:
    from secrules.gbcs.content import ContentKind, DecodedContent, classify, decode_content
    from secrules.gbcs.decode import decode_text, parse_message
    from secrules.gbcs.keystore import (
        DccBoxedKeyStore,
        DirectoryKeyStore,
        KeyStore,
        KeyUsage,
        MemoryKeyStore,
        cached_keystore,
        clear_keystore_cache,
        open_keystore,
    )
    from secrules.gbcs.layout import MAC_LENGTH, SIGNATURE_LENGTH
    from secrules.gbcs.message import GbcsMessage, encode_message
    from secrules.gbcs.message_codes import (
        MessageCode,
        MessageCodeTable,
        load_message_codes,
        lookup,
        message_code_table,
        use_case_name,
    )
    from secrules.gbcs.protection import add_mac, encrypt_for
    from secrules.gbcs.types import CraFlag, Eui64, FieldSpan, MessageShape
    from secrules.gbcs.variants import SigningVariant
    from secrules.gbcs.verification import sign_precommand, verify_mac, verify_message

# Imported when first used (secrules._lazy): importing the package stays cheap.
__getattr__, __dir__ = attach(
    __name__,
    {
        "ContentKind": "secrules.gbcs.content",
        "DecodedContent": "secrules.gbcs.content",
        "classify": "secrules.gbcs.content",
        "decode_content": "secrules.gbcs.content",
        "decode_text": "secrules.gbcs.decode",
        "parse_message": "secrules.gbcs.decode",
        "DccBoxedKeyStore": "secrules.gbcs.keystore",
        "DirectoryKeyStore": "secrules.gbcs.keystore",
        "KeyStore": "secrules.gbcs.keystore",
        "KeyUsage": "secrules.gbcs.keystore",
        "MemoryKeyStore": "secrules.gbcs.keystore",
        "cached_keystore": "secrules.gbcs.keystore",
        "clear_keystore_cache": "secrules.gbcs.keystore",
        "open_keystore": "secrules.gbcs.keystore",
        "MAC_LENGTH": "secrules.gbcs.layout",
        "SIGNATURE_LENGTH": "secrules.gbcs.layout",
        "GbcsMessage": "secrules.gbcs.message",
        "encode_message": "secrules.gbcs.message",
        "MessageCode": "secrules.gbcs.message_codes",
        "MessageCodeTable": "secrules.gbcs.message_codes",
        "load_message_codes": "secrules.gbcs.message_codes",
        "lookup": "secrules.gbcs.message_codes",
        "message_code_table": "secrules.gbcs.message_codes",
        "use_case_name": "secrules.gbcs.message_codes",
        "add_mac": "secrules.gbcs.protection",
        "encrypt_for": "secrules.gbcs.protection",
        "CraFlag": "secrules.gbcs.types",
        "Eui64": "secrules.gbcs.types",
        "FieldSpan": "secrules.gbcs.types",
        "MessageShape": "secrules.gbcs.types",
        "SigningVariant": "secrules.gbcs.variants",
        "sign_precommand": "secrules.gbcs.verification",
        "verify_mac": "secrules.gbcs.verification",
        "verify_message": "secrules.gbcs.verification",
    },
    globals(),
)

__all__ = [
    "MAC_LENGTH",
    "SIGNATURE_LENGTH",
    "ContentKind",
    "CraFlag",
    "DccBoxedKeyStore",
    "DecodedContent",
    "DirectoryKeyStore",
    "Eui64",
    "FieldSpan",
    "GbcsMessage",
    "KeyStore",
    "KeyUsage",
    "MemoryKeyStore",
    "MessageCode",
    "MessageCodeTable",
    "MessageShape",
    "SigningVariant",
    "add_mac",
    "cached_keystore",
    "classify",
    "clear_keystore_cache",
    "decode_content",
    "decode_text",
    "encode_message",
    "encrypt_for",
    "load_message_codes",
    "lookup",
    "message_code_table",
    "open_keystore",
    "parse_message",
    "sign_precommand",
    "use_case_name",
    "verify_mac",
    "verify_message",
]
