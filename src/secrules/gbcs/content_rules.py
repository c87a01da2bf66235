"""The content rules of a GBCS message: ``gbcs.content`` and ``gbcs.message-code``.

``gbcs.content``: the content decodes as the kind :func:`~secrules.gbcs.content.classify`
names (PASS naming it; FAIL with offset and path when it does not decode; INDETERMINATE when
an encrypted block could not be decrypted for want of a key store or a key).

``gbcs.message-code``: the message code is a known use case and the content is what that use
case carries: the kind tabled for its direction and, for a DLMS ACCESS request, only COSEM
class/attribute and class/method pairs the use case addresses (``data/gbcs_use_case_content.toml``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from secrules.core.citations import cite
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.dlms.access import AccessKind, AccessRequest, AccessResponse
from secrules.dlms.names import cosem_names
from secrules.errors import DecodeError
from secrules.gbcs.content import (
    DecodedContent,
    classify,
    decode_content,
    plaintext_tree,
    use_case_content,
)
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.message_codes import lookup
from secrules.gbcs.protection import EncryptedContent

if TYPE_CHECKING:
    from secrules.gbcs.keystore import KeyStore

__all__ = [
    "CONTENT_RULE",
    "CONTENT_RULES",
    "MESSAGE_CODE_RULE",
    "ContentSubject",
    "content_subject",
]

_CONTENT_CLAUSE = cite("gbcs.payload-content")
_USE_CASE_CLAUSE = cite("gbcs.use-case-content")
_DIRECTION = {1: "command", 2: "response", 3: "alert"}


@attrs.frozen
class ContentSubject:
    """A message with its content decoded once (or the error met), and the key store.

    ``encrypted`` is the message's encrypted blocks as ``check`` found (and decrypts) them once
    for this rule and ``gbcs.decrypt``; None finds them afresh.
    """

    message: GbcsMessage
    decoded: DecodedContent | None
    error: DecodeError | None
    keystore: KeyStore | None = None
    encrypted: EncryptedContent | None = attrs.field(default=None, eq=False, repr=False)


def content_subject(
    message: GbcsMessage,
    keystore: KeyStore | None = None,
    encrypted: EncryptedContent | None = None,
) -> ContentSubject:
    """Decode ``message``'s content once for the content rules (errors kept, not raised).

    ``encrypted`` (for ``message``) shares its blocks and their decryption with other rules.
    """
    try:
        return ContentSubject(message, decode_content(message), None, keystore, encrypted)
    except DecodeError as exc:
        return ContentSubject(message, None, exc, keystore, encrypted)


def _summary(decoded: DecodedContent) -> str:
    value = decoded.value
    if isinstance(value, AccessRequest):
        return f"{decoded.kind} ({len(value.specs)} specification(s))"
    if isinstance(value, AccessResponse):
        failed = sum(1 for r in value.results if r.result)
        return f"{decoded.kind} ({len(value.results)} result(s), {failed} not success)"
    return str(decoded.kind)


def _encrypted(subject: ContentSubject, what: str) -> Verdict | None:
    """The verdict on the encrypted blocks of the content, or None when it has none."""
    message = subject.message
    encrypted = EncryptedContent(message) if subject.encrypted is None else subject.encrypted
    blocks = encrypted.blocks
    if not blocks:
        return None
    if subject.keystore is None:
        return Verdict(
            Outcome.INDETERMINATE,
            f"{what}; {len(blocks)} encrypted block(s) not decoded: no key store was given",
            path="apdu.content",
            offset=blocks[0].offset,
            label="not checked",
        )
    for result in encrypted.decrypt(subject.keystore):
        block = result.block
        if result.plaintext is None:
            return Verdict(
                Outcome.INDETERMINATE,
                f"{what}; {block.where} not decrypted (gbcs.decrypt says why), so not decoded",
                path="apdu.content",
                offset=block.offset,
                label="not checked",
            )
        try:
            plaintext_tree(
                result.plaintext,
                gbz=block.kind == "gbz",
                message=message,
                where=block.where,
                decoded=subject.decoded,
            )
        except DecodeError as exc:
            return Verdict(
                Outcome.FAIL,
                f"{what}; the plaintext of {block.where} does not decode: {exc.message}",
                path="apdu.content",
                offset=block.offset,
                label="undecodable",
            )
    return Verdict(
        Outcome.PASS,
        f"{what}; {len(blocks)} encrypted block(s) decrypted and decoded",
        offset=message.content_offset,
        label="decoded",
    )


def _check_content(subject: ContentSubject) -> Verdict:
    message = subject.message
    if subject.error is not None or subject.decoded is None:
        error = subject.error
        assert error is not None  # noqa: S101 - content_subject sets one of the two
        return Verdict(
            Outcome.FAIL,
            f"content does not decode: {error.message}",
            path=error.path or "apdu.content",
            offset=error.offset,
            label="undecodable",
        )
    what = f"content decoded as {_summary(subject.decoded)}"
    encrypted = _encrypted(subject, what)
    if encrypted is not None:
        return encrypted
    return Verdict(Outcome.PASS, what, offset=message.content_offset, label="decoded")


_VERBS = {AccessKind.SET: "SET", AccessKind.ACTION: "ACTION"}


def _pair(spec_kind: AccessKind, class_id: int, attribute: int) -> str:
    verb = _VERBS.get(spec_kind, "GET")
    return f"{verb} {class_id}/{attribute}"


def _pair_text(spec_kind: AccessKind, class_id: int, attribute: int) -> str:
    names = cosem_names()
    member = (
        names.method_name(class_id, attribute)
        if spec_kind is AccessKind.ACTION
        else names.attribute_name(class_id, attribute)
    )
    verb = _pair(spec_kind, class_id, attribute).split()[0]
    return f"{verb} {names.class_name(class_id)} ({class_id}) {member} ({attribute})"


def _check_message_code(subject: ContentSubject) -> Verdict:
    message = subject.message
    code = message.message_code
    at = message.message_code_offset
    path = "apdu.other_information.message_code"
    row = lookup(code)
    if row is None:
        return Verdict(
            Outcome.FAIL,
            f"message code 0x{code:04X} names no known GBCS use case",
            path=path,
            offset=at,
            label="unknown use case",
        )
    direction = _DIRECTION[int(message.cra_flag)]
    name = f"{row.name} {direction} (0x{code:04X})"
    if subject.decoded is not None:
        kind = subject.decoded.kind
    else:
        try:
            kind = classify(message)
        except DecodeError:
            return Verdict(
                Outcome.INDETERMINATE,
                f"{name}: the content's kind is not recognised, so not compared",
                path="apdu.content",
                offset=message.content_offset,
                label="not checked",
            )
    table = use_case_content()
    expected = table.kinds(code, message.cra_flag)
    if expected is None:
        return Verdict(
            Outcome.INDETERMINATE,
            f"{name}: no content kind is tabled for this use case's {direction}s; "
            f"content ({kind}) not compared",
            path=path,
            offset=at,
            label="not checked",
        )
    kinds, source_row = expected
    if kind not in kinds:
        carried = " or ".join(str(k) for k in kinds)
        return Verdict(
            Outcome.FAIL,
            f"{name}: content is {kind}, but the use case's {direction} carries {carried} "
            f"(table row {source_row.key}, {source_row.provenance})",
            path="apdu.content",
            offset=message.content_offset,
            label="not the use case's content",
        )
    value = subject.decoded.value if subject.decoded is not None else None
    if not isinstance(value, AccessRequest):
        return Verdict(Outcome.PASS, f"{name}: content is {kind}", offset=at, label="consistent")
    profile = table.profiles.get(code)
    if profile is None:
        return Verdict(
            Outcome.INDETERMINATE,
            f"{name}: content is {kind}; the COSEM objects it addresses are not compared "
            "(no COSEM profile is tabled for this use case)",
            path=path,
            offset=at,
            label="not checked",
        )
    for i, spec in enumerate(value.specs):
        pair = _pair(spec.kind, spec.class_id, spec.attribute)
        if pair not in profile.cosem:
            offset = None if spec.offset is None else message.content_offset + spec.offset
            what = _pair_text(spec.kind, spec.class_id, spec.attribute)
            return Verdict(
                Outcome.FAIL,
                f"{name}: specification {i} addresses {what} "
                f"of {spec.instance}, which the use case does not address (it uses "
                f"{', '.join(sorted(profile.cosem))})",
                path=f"apdu.content.specifications[{i}]",
                offset=offset,
                label="not the use case's content",
            )
    return Verdict(
        Outcome.PASS,
        f"{name}: {kind} addressing only the COSEM attributes and methods the use case uses",
        offset=at,
        label="consistent",
    )


CONTENT_RULE = Rule(
    id="gbcs.content",
    title="A GBCS message's content decodes as DLMS ACCESS, DLMS data-notification, GBZ or ASN.1",
    clauses=(_CONTENT_CLAUSE,),
    fn=_check_content,
    defined_in=__name__,
    data_files=("secrules/data/gbcs_use_case_content.toml", "secrules/data/cosem_names.toml"),
    text="The content (Payload) of a GBCS message is DLMS COSEM (an ACCESS request D9 or "
    "response DA, or a data-notification 0F alert), a ZigBee GBZ payload (01 09; the alert "
    "layout when the CRA flag is 3) or ASN.1 DER, told apart by the message code first and "
    "then by the first octets. PASS names the kind decoded; FAIL gives the offset and path "
    "where decoding stopped; INDETERMINATE when an encrypted block was not decrypted (no key "
    "store, or no key).",
)
MESSAGE_CODE_RULE = Rule(
    id="gbcs.message-code",
    title="A GBCS message code names a known use case, and the content is what that use case "
    "carries",
    clauses=(_USE_CASE_CLAUSE,),
    fn=_check_message_code,
    defined_in=__name__,
    data_files=(
        "secrules/data/gbcs_message_codes.toml",
        "secrules/data/gbcs_use_case_content.toml",
    ),
    text="The message code (first two octets of other-information) names the use case, and the "
    "use case fixes the content: its kind for the message's direction (command, response, "
    "alert) and, for a DLMS ACCESS request, the COSEM class/attribute (GET, SET) and "
    "class/method (ACTION) pairs it addresses. FAIL: an unknown code, another content kind, "
    "or a request addressing a pair the use case does not use (an ECS37 payload relabelled "
    "with ECS38's code); INDETERMINATE when the table holds nothing to compare with.",
)
#: The two content rules, in the order ``check`` reports them.
CONTENT_RULES: RuleSet[ContentSubject] = RuleSet.of(
    "GBCS content", (CONTENT_RULE, MESSAGE_CODE_RULE)
)
