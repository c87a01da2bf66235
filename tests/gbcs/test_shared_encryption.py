"""check finds and decrypts a message's encrypted blocks once, for gbcs.content and gbcs.decrypt.

The shared :class:`EncryptedContent` is a second code path: the findings must be those of the
rules run separately, each finding the blocks afresh (on every RTDS message, with and without
the key store).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import secrules
from secrules.errors import InvalidValueError
from secrules.gbcs import parse_message
from secrules.gbcs.content_rules import CONTENT_RULES, content_subject
from secrules.gbcs.keystore import open_keystore
from secrules.gbcs.protection import EncryptedContent, decrypt_content, encrypted_blocks
from secrules.gbcs.verification import protection_findings


def _read(path: Path) -> bytes:
    return bytes.fromhex("".join(path.read_text().split()))


@pytest.fixture(scope="module")
def store(keystore_dir: Path) -> secrules.gbcs.KeyStore:
    return open_keystore(keystore_dir)


def test_shared_blocks_give_the_findings_of_separate_rules(rtds_files, store):
    encrypted_seen = 0
    for path in rtds_files:
        message = parse_message(_read(path))
        for keys in (None, store):
            shared = EncryptedContent(message)
            together = CONTENT_RULES.evaluate(content_subject(message, keys, shared))
            together += protection_findings(message, keys, encrypted=shared)
            apart = CONTENT_RULES.evaluate(content_subject(message, keys))
            apart += protection_findings(message, keys)
            assert together == apart, path.name
        encrypted_seen += bool(shared.blocks)
    assert encrypted_seen  # the corpus has encrypted content, so the sharing was exercised


def test_blocks_are_found_and_decrypted_once(rtds_files, store):
    messages = [parse_message(_read(p)) for p in rtds_files]
    message = next(m for m in messages if encrypted_blocks(m))
    shared = EncryptedContent(message)
    assert shared.blocks == encrypted_blocks(message)
    assert shared.blocks is shared.blocks
    first = shared.decrypt(store)
    assert shared.decrypt(store) is first
    assert list(first) == decrypt_content(message, store)
    assert any(result.plaintext is not None for result in first)


def test_protection_findings_refuses_another_messages_blocks(rtds_files):
    first, second = (parse_message(_read(p)) for p in rtds_files[:2])
    with pytest.raises(InvalidValueError, match="encrypted"):
        protection_findings(first, encrypted=EncryptedContent(second))
    with pytest.raises(InvalidValueError, match="encrypted"):
        protection_findings(first, encrypted="blocks")  # type: ignore[arg-type]
