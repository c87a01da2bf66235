"""A whole GBCS message as one named tree, and its text and JSON renderings (``gbcs inspect``).

:func:`message_tree` joins the framing (the fields of :attr:`GbcsMessage.fields`) and the
content decoded by :func:`secrules.gbcs.content.decode_content` into one
:class:`~secrules.core.tree.Node` tree whose offsets count from the first octet of the message.
With a key store, each encrypted block's plaintext is decoded in place: a ``decrypted`` child
of the node holding the block, whose offsets point at the ciphertext octets each plaintext
octet was decrypted from (AES-GCM is a counter mode) and whose ``raw`` is the plaintext.
Without one, that child is an empty note saying the block was not decrypted.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import attrs

from secrules.core.tree import Node
from secrules.errors import DecodeError
from secrules.gbcs.content import DecodedContent, decode_content, plaintext_tree
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.message_codes import lookup
from secrules.gbcs.types import CraFlag, Eui64

if TYPE_CHECKING:
    from secrules.gbcs.keystore import KeyStore

__all__ = ["message_tree", "node_json", "render_node"]

_SHOWN_OCTETS = 16
#: Octets of an encrypted block before its ciphertext: security control (1), counter (4).
_BLOCK_HEADER = 5


def _framing_value(message: GbcsMessage, path: str, raw: bytes) -> tuple[object, str]:
    leaf = path.rsplit(".", 1)[-1]
    if leaf == "length":
        return (raw[0] if raw else None), ""
    if path == "apdu.cra_flag":
        flag = CraFlag(message.cra_flag)
        return flag, flag.name.title()
    if path == "apdu.originator_counter":
        return message.counter, ""
    if path.endswith(("system_title", "supplementary_remote_party_id")):
        return Eui64(raw[-8:]).hex, ""
    if leaf == "message_code":
        row = lookup(message.message_code)
        return message.message_code, f"0x{message.message_code:04X}" + (
            f" {row.name}" + (f" {row.title}" if row.title and row.use_case else "")
            if row
            else " (unknown use case)"
        )
    if leaf.endswith("counter") and raw:
        return int.from_bytes(raw, "big"), ""
    if path == "apdu.date_time":
        return message.date_time_value and str(message.date_time_value), ""
    if path == "apdu.signature":
        return None, "ECDSA P-256 r||s"
    if path == "mac":
        return None, "truncated GMAC (12 octets)"
    return None, ""


def _label(path: str) -> str:
    parts = path.split(".")
    if parts[-1] == "length" and len(parts) > 1:
        return f"{parts[-2]}_length"
    return parts[-1]


def _framing(message: GbcsMessage, content: Node) -> Node:
    raw = message.encoded
    fields = message.fields
    mac_header: list[Node] = []
    apdu: list[Node] = []
    other: list[Node] = []
    top: list[Node] = []
    for path, span in fields.items():
        if path in ("signed", "apdu", "apdu.other_information"):
            continue
        octets = raw[span.offset : span.end]
        value, text = _framing_value(message, path, octets)
        if path == "apdu.content":
            node = attrs.evolve(content, name="content")
        else:
            node = Node(_label(path), span.offset, octets, value, text)
        if path.startswith("mac_header."):
            mac_header.append(node)
        elif path.startswith("apdu.other_information."):
            other.append(node)
        elif path.startswith("apdu."):
            apdu.append(node)
        else:
            top.append(node)
    if other:
        start, end = min(n.offset for n in other), max(n.end for n in other)
        apdu.append(Node("other_information", start, raw[start:end], None, "", other))
    apdu.sort(key=lambda n: (n.offset, -n.length))
    children: list[Node] = []
    if mac_header:
        start, end = mac_header[0].offset, mac_header[-1].end
        children.append(
            Node("mac_header", start, raw[start:end], None, "General Ciphering", mac_header)
        )
    span = fields["apdu"]
    children.append(
        Node("apdu", span.offset, raw[span.offset : span.end], None, "General Signing", apdu)
    )
    children.extend(top)
    row = lookup(message.message_code)
    name = row.name if row else f"unknown use case 0x{message.message_code:04X}"
    text = f"{name} {CraFlag(message.cra_flag).name.lower()}, {message.shape.value}"
    return Node("message", 0, raw, None, text, children)


def _insert(node: Node, start: int, end: int, child: Node) -> Node:
    """``node`` with ``child`` added under the deepest node covering octets ``start``-``end``.

    The span is the whole encrypted block, so a note lands beside the block's own fields (its
    security control octet), not inside the first of them.
    """
    for i, sub in enumerate(node.children):
        if sub.offset <= start and end <= sub.end and sub.name != "decrypted":
            kids = list(node.children)
            kids[i] = _insert(sub, start, end, child)
            return attrs.evolve(node, children=tuple(kids))
    return attrs.evolve(node, children=(*node.children, child))


def _decrypted(message: GbcsMessage, keystore: KeyStore, content: Node) -> Node:
    from secrules.gbcs.protection import decrypt_content  # noqa: PLC0415 - needs cryptography

    for result in decrypt_content(message, keystore):
        block = result.block
        if result.plaintext is None:
            why = "no key pair" if result.pair is None else "GCM authentication fails"
            note = Node("decrypted", block.offset, b"", None, f"not decrypted: {why}")
        else:
            try:
                tree = plaintext_tree(
                    result.plaintext,
                    gbz=block.kind == "gbz",
                    name="decrypted",
                    message=message,
                    where=block.where,
                )
            except DecodeError as exc:
                tree = Node(
                    "decrypted",
                    0,
                    result.plaintext,
                    result.plaintext,
                    f"plaintext does not decode: {exc.message}",
                )
            note = tree.shifted(block.offset + _BLOCK_HEADER)
        content = _insert(content, block.offset, block.offset + len(block.block), note)
    return content


def _not_decrypted(message: GbcsMessage, content: Node) -> Node:
    """``content`` with a ``decrypted`` note on each encrypted block: no key store, not read.

    Without one an encrypted block would show as bare octets; the note says it was not read
    (GBCS 4.3.3 AES-128-GCM payload encryption), so nothing unread passes for plain content.
    """
    from secrules.gbcs.protection import encrypted_blocks  # noqa: PLC0415 - needs cryptography

    for block in encrypted_blocks(message):
        note = Node("decrypted", block.offset, b"", None, "not decrypted: no key store was given")
        content = _insert(content, block.offset, block.offset + len(block.block), note)
    return content


def message_tree(
    message: GbcsMessage, *, keystore: KeyStore | None = None
) -> tuple[Node, DecodedContent | None, str | None]:
    """The whole message as one tree, the decoded content, and why the content was not decoded.

    The content node holds the decoder's tree, or (when the content does not decode, or this
    build has no decoder for its kind) the raw octets and the reason, which is also returned.
    """
    span = message.fields["apdu.content"]
    raw = message.encoded[span.offset : span.end]
    decoded: DecodedContent | None = None
    problem: str | None = None
    try:
        decoded = decode_content(message)
        content = attrs.evolve(
            decoded.tree, text=f"{decoded.kind}: {decoded.tree.text}".rstrip(": ")
        )
    except DecodeError as exc:
        problem = str(exc)
        content = Node("content", span.offset, raw, None, f"not decoded: {problem}")
    if keystore is not None and decoded is not None:
        content = _decrypted(message, keystore, content)
    elif decoded is not None:
        content = _not_decrypted(message, content)
    return _framing(message, content), decoded, problem


# --- renderings -------------------------------------------------------------------------------


def _json_value(value: object) -> Any:  # noqa: ANN401 - JSON values are heterogeneous
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def node_json(node: Node) -> dict[str, Any]:
    """``node`` as JSON: name, offset, length, hex, value, text and children (recursively)."""
    out: dict[str, Any] = {
        "name": node.name,
        "offset": node.offset,
        "length": node.length,
        "hex": node.raw.hex().upper(),
        "value": _json_value(node.value),
        "text": node.text,
    }
    if node.children:
        out["children"] = [node_json(child) for child in node.children]
    return out


def _shown_value(node: Node) -> str:
    value = node.value
    if node.children or value is None or node.text.startswith("0x"):
        return node.text
    if isinstance(value, bytes | enum.Enum) or (
        isinstance(value, dt.time | dt.date | dt.datetime) and node.text
    ):
        shown = ""
    else:
        shown = str(value)
    if node.text and shown and shown not in node.text:
        return f"{shown} ({node.text})"
    return shown or node.text


def render_node(node: Node) -> str:
    """``node`` as indented text: offset, length, name, octets and value, one line per node."""
    lines: list[str] = []

    def walk(here: Node, depth: int) -> None:
        octets = here.raw[:_SHOWN_OCTETS].hex(" ").upper()
        if here.length > _SHOWN_OCTETS:
            octets += f" ..+{here.length - _SHOWN_OCTETS}"
        if here.children:
            octets = ""
        shown = _shown_value(here)
        line = f"{here.offset:>5} {here.length:>4}  {'  ' * depth}{here.name}"
        if octets:
            line = f"{line:<52} {octets}"
        if shown:
            line += f"  = {shown}" if octets else f"  {shown}"
        lines.append(line.rstrip())
        for child in here.children:
            walk(child, depth + 1)

    walk(node, 0)
    return "\n".join(lines) + "\n"
