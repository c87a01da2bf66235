"""Hostile input on the security layer: MAC'd and encrypted messages mutated in any way.

The inputs are drawn at test time with keys the store holds, so the MAC check, the search for
encrypted blocks, the decryption and the decoding of authenticated plaintext all run on them.
Whatever the mutation: findings or one one-line SecrulesError, within the watchdog; a message
whose octets changed never has its MAC, or any encrypted block, PASS.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secrules
import support
from secrules import Outcome
from secrules.errors import SecrulesError
from secrules.strategies import encrypted_messages, macd_messages, mutated

SAFETY_SECONDS = 20


@st.composite
def mutated_protected(draw: st.DrawFn):
    case = draw(st.one_of(macd_messages(max_content=60), encrypted_messages(max_blocks=2)))
    original = case.message.encoded
    changed = draw(mutated(st.just(original)))
    return case, original, changed


def _checked(case, raw: bytes) -> list | None:
    message = ""
    try:
        with support.watchdog(SAFETY_SECONDS):
            return secrules.check(raw, keystore=case.keystore, acb=case.acb)
    except SecrulesError as exc:
        message = str(exc).strip()
    assert message, "an empty error message"
    assert "\n" not in message, f"not one line: {message}"
    return None


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_protected())
def test_mutated_protected_messages_obey_the_contract(drawn):
    case, original, changed = drawn
    findings = _checked(case, changed)
    if findings is None or changed == original:
        return
    by_rule = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding.outcome)
    assert Outcome.PASS not in by_rule.get("gbcs.mac", []), "a changed message's MAC passed"
