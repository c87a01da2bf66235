"""What a GBCS message's content is, and the content decoded as a named tree.

GBCS carries five encodings as content (the Payload after the Grouping Header): DLMS ACCESS
requests (``D9``) and responses (``DA``), DLMS data-notification alerts (``0F``), ZigBee GBZ
payloads (``01 09``; the alert layout when the CRA flag is 3) and ASN.1 DER. :func:`classify`
dispatches on the message code first (the ASN.1 use cases and alert codes, as
SmartDCCInnovation/gbcs-parser's ``parsePayload`` does), then on the first octets.
:func:`decode_content` decodes the content with the decoder of its kind and describes it as a
:class:`~secrules.core.tree.Node` tree with offsets into :attr:`GbcsMessage.encoded`.

The table of what each message code's use case carries (content kinds per CRA flag, COSEM
pairs of the DLMS use cases) is data: ``secrules/data/gbcs_use_case_content.toml``
(:func:`use_case_content`).
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableReader, load_table
from secrules.core.tree import Node
from secrules.dlms.access import AccessRequest, AccessResponse, decode_access
from secrules.dlms.data import decode_data
from secrules.dlms.tree import _decoded_access_tree, data_tree
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs.message import GbcsMessage
from secrules.gbcs.message_codes import lookup
from secrules.gbcs.types import CraFlag

if TYPE_CHECKING:
    from secrules.asn1.payload import Asn1Payload
    from secrules.dlms.notification import DataNotification
    from secrules.zigbee.gbz import GbzPayload

__all__ = [
    "ContentKind",
    "ContentProfile",
    "DecodedContent",
    "UseCaseContent",
    "classify",
    "decode_content",
    "load_use_case_content",
    "use_case_content",
]


class ContentKind(enum.StrEnum):
    """The content kinds GBCS carries."""

    ACCESS_REQUEST = "DLMS ACCESS.request"
    ACCESS_RESPONSE = "DLMS ACCESS.response"
    DATA_NOTIFICATION = "DLMS data-notification"
    GBZ = "GBZ"
    GBZ_ALERT = "GBZ alert"
    ASN1 = "ASN.1"

    @property
    def is_dlms(self) -> bool:
        """True for the three DLMS kinds."""
        return self.value.startswith("DLMS")


_BY_OCTET = {
    0xD9: ContentKind.ACCESS_REQUEST,
    0xDA: ContentKind.ACCESS_RESPONSE,
    0x0F: ContentKind.DATA_NOTIFICATION,
}
#: First octets of the bare ASN.1 forms RTDS uses: SEQUENCE, INTEGER, OCTET STRING, NULL.
_ASN1_OCTETS = frozenset({0x30, 0x02, 0x04, 0x05})
_DIRECTIONS = {CraFlag.COMMAND: "command", CraFlag.RESPONSE: "response", CraFlag.ALERT: "alert"}


# --- the use-case content table -------------------------------------------------------------


@attrs.frozen
class ContentProfile:
    """What one code, use case or family carries: kinds per direction, COSEM pairs, origin.

    ``kinds`` maps ``command``/``response``/``alert`` to the allowed kinds (a direction absent
    means unknown). ``cosem`` holds ``"SET 10/2"``-style pairs (kind, class/attribute or
    class/method) a DLMS request of the use case addresses; empty when not tabled.
    """

    key: str
    kinds: Mapping[str, tuple[ContentKind, ...]]
    cosem: frozenset[str]
    source: str
    provenance: Provenance


_Kinds = tuple[tuple[ContentKind, ...], ContentProfile]
_KINDS_MEMO_SIZE = 4096


@attrs.frozen
class UseCaseContent:
    """The loaded table: rows by code, by use case and by family prefix, and the sources."""

    file: str
    codes: Mapping[int, ContentProfile]
    use_cases: Mapping[str, ContentProfile]
    families: Mapping[str, ContentProfile]
    profiles: Mapping[int, ContentProfile]
    sources: Mapping[str, str]

    def kinds(
        self, code: int, cra: CraFlag
    ) -> tuple[tuple[ContentKind, ...], ContentProfile] | None:
        """The kinds message ``code`` carries in direction ``cra``, with the row that says so.

        Worked out once per (code, direction) and remembered (the table never changes).
        """
        memo = self._kinds_memo
        key = (code, cra)
        if key in memo:
            return memo[key]
        found = self._kinds(code, cra)
        if len(memo) >= _KINDS_MEMO_SIZE:
            memo.clear()
        memo[key] = found
        return found

    @functools.cached_property
    def _kinds_memo(self) -> dict[tuple[int, CraFlag], _Kinds | None]:
        return {}

    def _kinds(self, code: int, cra: CraFlag) -> _Kinds | None:
        direction = _DIRECTIONS[cra]
        rows: list[ContentProfile | None] = [self.codes.get(code)]
        row = lookup(code)
        if row is not None and row.use_case is not None:
            rows.append(self.use_cases.get(row.use_case))
            rows.extend(
                self.families[prefix]
                for prefix in sorted(self.families, key=len, reverse=True)
                if row.use_case.startswith(prefix)
            )
        for found in rows:
            if found is not None and direction in found.kinds:
                return found.kinds[direction], found
        return None


def _kinds(row: TableReader) -> dict[str, tuple[ContentKind, ...]]:
    out: dict[str, tuple[ContentKind, ...]] = {}
    for direction in _DIRECTIONS.values():
        if direction in row:
            try:
                out[direction] = tuple(ContentKind(k) for k in row.texts(direction))
            except ValueError as exc:
                raise row.error(str(exc), direction) from None
    return out


def load_use_case_content(path: str | os.PathLike[str] | None = None) -> UseCaseContent:
    """Load the bundled table or ``path`` (same schema); DataFileError naming the key."""
    table = load_table(path, default="gbcs_use_case_content.toml")
    sources = table.sources()

    def profile(row: TableReader, key: str) -> ContentProfile:
        return ContentProfile(
            key=key,
            kinds=MappingProxyType(_kinds(row)),
            cosem=frozenset(row.texts("cosem")) if "cosem" in row else frozenset(),
            source=row.choice("source", tuple(sources)),
            provenance=row.provenance(),
        )

    def rows(name: str) -> list[TableReader]:
        return table.tables(name, allow_empty=True) if name in table else []

    codes = {}
    for row in rows("code"):
        codes[row.integer("code")] = profile(row, f"0x{row.integer('code'):04X}")
    use_cases = {
        row.text("use_case"): profile(row, row.text("use_case")) for row in rows("use_case")
    }
    families = {row.text("prefix"): profile(row, row.text("prefix")) for row in rows("family")}
    profiles = {}
    for row in rows("profile"):
        code = row.integer("code")
        found = profile(row, f"0x{code:04X}")
        for pair in found.cosem:
            verb, _, ids = pair.partition(" ")
            if verb not in ("GET", "SET", "ACTION") or not all(p.isdigit() for p in ids.split("/")):
                raise row.error(f"{pair!r} is not 'GET|SET|ACTION class/id'", "cosem")
        profiles[code] = found
    return UseCaseContent(
        file=table.file,
        codes=MappingProxyType(codes),
        use_cases=MappingProxyType(use_cases),
        families=MappingProxyType(families),
        profiles=MappingProxyType(profiles),
        sources=MappingProxyType(sources),
    )


@functools.cache
def use_case_content() -> UseCaseContent:
    """The bundled use-case content table (loaded once)."""
    return load_use_case_content(None)


# --- classification and decoding -------------------------------------------------------------


def _content_error(message: GbcsMessage, why: str, *, offset: int = 0) -> DecodeError:
    return DecodeError(why, offset=message.content_offset + offset, path="apdu.content")


def classify(message: GbcsMessage) -> ContentKind:
    """The kind of ``message``'s content: by message code first, then by its first octets.

    A code whose use case carries only ASN.1 in this direction (CS02-CS09, GCS28, GCS59,
    GCS62, CCS08 and their alerts) is ASN.1 whatever its first octet; otherwise ``01 09`` is
    GBZ (the GBZ alert layout with CRA flag 3), ``D9``/``DA``/``0F`` DLMS, and ``30``, ``02``,
    ``04`` or ``05`` ASN.1. Anything else raises DecodeError at the content's first octet.
    """
    if not isinstance(message, GbcsMessage):
        raise InvalidValueError(f"expected a GbcsMessage, not {type(message).__name__}")
    content = message.content
    if not content:
        raise _content_error(message, "the content is empty")
    known = use_case_content().kinds(message.message_code, message.cra_flag)
    if known is not None and known[0] == (ContentKind.ASN1,):
        return ContentKind.ASN1
    if content[:2] == b"\x01\x09":
        return ContentKind.GBZ_ALERT if message.cra_flag is CraFlag.ALERT else ContentKind.GBZ
    kind = _BY_OCTET.get(content[0])
    if kind is not None:
        return kind
    if content[0] in _ASN1_OCTETS:
        return ContentKind.ASN1
    raise _content_error(
        message, f"content kind not recognised from its first octet 0x{content[0]:02X}"
    )


@attrs.frozen
class DecodedContent:
    """A message's content decoded: its kind, the decoder's record and the named tree.

    ``tree`` offsets count from the start of the message (:attr:`GbcsMessage.encoded`). It is
    built when first asked for (``check`` needs only the record): pass a :class:`Node`, or a
    function that builds one.
    """

    kind: ContentKind
    value: object
    _tree: Node | Callable[[], Node] = attrs.field(alias="tree", repr=False, eq=False)

    @functools.cached_property
    def tree(self) -> Node:
        """The content as a named tree (built once, on first use)."""
        built = self._tree
        return built if isinstance(built, Node) else built()


# The decoders of the other kinds are imported when first needed (a DLMS-only run never loads
# them), once: an import statement in a function costs about 2 µs on every call.
@functools.cache
def _notification_decoder() -> Callable[[bytes], DataNotification]:
    from secrules.dlms.notification import decode_data_notification  # noqa: PLC0415

    return decode_data_notification


@functools.cache
def _gbz_decoder() -> Callable[..., GbzPayload]:
    from secrules.zigbee import decode_gbz  # noqa: PLC0415

    return decode_gbz


@functools.cache
def _asn1_decoder() -> Callable[..., Asn1Payload]:
    from secrules.asn1 import decode_asn1  # noqa: PLC0415

    return decode_asn1


def _decode(message: GbcsMessage, kind: ContentKind) -> tuple[object, Callable[[], Node]]:
    """The decoder's record, and how to build its tree (offsets from the message's start)."""
    content = message.content
    base = message.content_offset
    if kind is ContentKind.ACCESS_REQUEST or kind is ContentKind.ACCESS_RESPONSE:
        apdu: AccessRequest | AccessResponse = decode_access(content)
        # Built at the content's offset in the message (no shifted copy of a large tree).
        end = base + len(content)
        return apdu, lambda: _decoded_access_tree(apdu, message.encoded[:end], at=base)
    if kind is ContentKind.DATA_NOTIFICATION:
        notification = _notification_decoder()(content)
        return notification, lambda: notification.tree().shifted(base)
    value: GbzPayload | Asn1Payload
    if kind is ContentKind.GBZ or kind is ContentKind.GBZ_ALERT:
        value = _gbz_decoder()(content, alert=kind is ContentKind.GBZ_ALERT)
    else:
        value = _asn1_decoder()(content, message_code=message.message_code)
    # Built at the content's offset in the message (no shifted copy of the tree).
    return value, lambda: value.tree(base)


def decode_content(message: GbcsMessage) -> DecodedContent:
    """Decode ``message``'s content with the decoder of its :func:`classify` kind.

    Raises DecodeError with the offset in :attr:`GbcsMessage.encoded` and a path under
    ``apdu.content`` when the content does not decode.
    """
    kind = classify(message)
    base = message.content_offset
    try:
        value, tree = _decode(message, kind)
    except DecodeError as exc:
        raise DecodeError(
            exc.message,
            offset=None if exc.offset is None else base + exc.offset,
            path=f"apdu.content.{exc.path}" if exc.path else "apdu.content",
        ) from None
    return DecodedContent(kind, value, tree)


def plaintext_tree(
    plaintext: bytes,
    *,
    gbz: bool,
    name: str = "plaintext",
    message: GbcsMessage | None = None,
    where: str = "",
    decoded: DecodedContent | None = None,
) -> Node:
    """The decrypted octets of one encrypted block as a tree (offsets from its start).

    A DLMS block's plaintext is one A-XDR Data value. A GBZ block's is the ZCL payload of its
    component (``where`` is the block's ``GBZ component N``; ``message`` the message carrying
    it), read by :func:`secrules.zigbee.decode_zcl_plaintext` with that component's cluster and
    ZCL header, which travel in clear; ``decoded`` is the message's content already decoded
    (:func:`decode_content`), so that it is not decoded again.
    """
    if not gbz:
        value = decode_data(plaintext)
        return data_tree(value, plaintext, name=name)
    component = None if message is None else _encrypted_component(message, where, decoded)
    if component is None:
        return Node(name, 0, plaintext, plaintext, "ZCL payload (its component is not known)")
    tree: Node = component.decode_plaintext(plaintext).tree()
    return attrs.evolve(tree, name=name)


def _encrypted_component(message: GbcsMessage, where: str, decoded: DecodedContent | None) -> Any:  # noqa: ANN401 - a GbzComponent
    """The GBZ component ``where`` (``GBZ component 2``) names, counted from 1, or None."""
    number = where.rsplit(" ", 1)[-1]
    if not where.startswith("GBZ component") or not number.isdigit():
        return None
    if decoded is None:
        try:
            decoded = decode_content(message)
        except DecodeError:
            return None
    components = getattr(decoded.value, "components", ())
    index = int(number) - 1
    return components[index] if 0 <= index < len(components) else None
