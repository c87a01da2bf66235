"""Safe XML reading with the standard library's Expat, for untrusted DUIS requests.

The parser refuses, before any expansion, every DOCTYPE (internal subset or external DTD), entity
and unparsed-entity declarations, notation and element/attribute-list declarations, and
external or skipped entity references; parameter-entity parsing is set to "never". Only the five
predefined entities and numeric character references are read. Nothing here opens a file or a
socket. The input is capped (1 MiB by default, an assumption) before Expat sees it, and the
element depth, the element count and the attributes per element are capped, so neither billion
laughs, quadratic blowup, XXE nor large or wide documents get anywhere. This does not rely on
Expat's own defaults (the Python documentation warns that Expat older than 2.7.2 may be
vulnerable; this machine links 2.5.0).

Every refusal is a :class:`~secrules.errors.DecodeError` with a one-line message, the byte
``offset`` of the construct and the XML ``path`` (``/`` for the prolog).
"""

from __future__ import annotations

from typing import NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

import attrs

from secrules.errors import DecodeError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DTD_MESSAGE",
    "MAX_ATTRIBUTES",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "ParsedXml",
    "local_name",
    "namespace",
    "parse_xml",
]

#: Input cap: 1 MiB (assumption: the 12.2 and 8.4 templates are about 2 KB, the largest of the
#: 297 public DUIS templates about 26.6 KB).
DEFAULT_MAX_BYTES = 1024 * 1024
#: Element nesting cap (DUIS requests nest well under 20 deep).
MAX_DEPTH = 64
#: Element count cap (assumption: the largest public DUIS template has well under 1,000
#: elements). Bounds the tree built, and the time, whatever the input's shape.
MAX_ELEMENTS = 20_000
#: Attributes allowed on one element (DUIS elements carry at most a few).
MAX_ATTRIBUTES = 64
DTD_MESSAGE = "DTD/entity declarations are not allowed in DUIS XML"


def namespace(tag: str) -> str:
    """The namespace URI of an ``{uri}local`` tag ("" when none)."""
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def local_name(tag: str) -> str:
    """The local part of an ``{uri}local`` tag."""
    return tag.rsplit("}", 1)[-1]


@attrs.frozen(eq=False)
class ParsedXml:
    """A parsed document: the root element and the byte offset of every element's start tag."""

    root: Element
    _offsets: dict[int, int] = attrs.field(alias="offsets", repr=False)
    size: int

    def offset(self, element: Element) -> int | None:
        """Byte offset of ``element``'s start tag in the input."""
        return self._offsets.get(id(element))


class _Refusal(Exception):  # noqa: N818 - internal control flow, translated to DecodeError
    def __init__(self, message: str, offset: int, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.path = path


def _to_bytes(data: bytes | str, max_bytes: int) -> tuple[bytes, bool]:
    if isinstance(data, str):
        # A character is at least one UTF-8 byte, so a long str is refused without encoding it.
        if len(data) > max_bytes:
            raise DecodeError(
                f"DUIS XML is larger than the {max_bytes}-byte limit", offset=max_bytes, path="/"
            )
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DecodeError(
                "DUIS XML text cannot be encoded as UTF-8 (lone surrogate)",
                offset=len(data[: exc.start].encode("utf-8", "surrogatepass")),
                path="/",
            ) from None
        is_text = True
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        is_text = False
    else:
        raise DecodeError(f"DUIS XML must be bytes or str, not {type(data).__name__}", path="/")
    if len(raw) > max_bytes:
        raise DecodeError(
            f"DUIS XML is larger than the {max_bytes}-byte limit", offset=max_bytes, path="/"
        )
    return raw, is_text


def parse_xml(  # noqa: PLR0915 - one driver whose closures share the parser state
    data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedXml:
    """Parse ``data`` safely into an ElementTree element (tags as ``{uri}local``).

    ``str`` input is encoded as UTF-8 (offsets then count UTF-8 bytes) and any encoding named in
    its XML declaration is overridden; ``bytes`` are decoded as their BOM or declaration says.
    """
    if max_bytes < 1:
        raise DecodeError("max_bytes must be positive", path="/")
    raw, is_text = _to_bytes(data, max_bytes)
    parser = expat.ParserCreate("UTF-8" if is_text else None, "}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.ordered_attributes = False
    parser.specified_attributes = True
    builder = TreeBuilder()
    offsets: dict[int, int] = {}
    stack: list[str] = []

    def here() -> str:
        return "/" + "/".join(stack) if stack else "/"

    def refuse(*_args: object) -> NoReturn:
        raise _Refusal(DTD_MESSAGE, parser.CurrentByteIndex, here())

    def refuse_doctype(*_args: object) -> NoReturn:
        # Expat reports the DOCTYPE once it has read its name and ids; point at "<!DOCTYPE".
        index = parser.CurrentByteIndex
        start = raw.rfind(b"<!DOCTYPE", 0, index + 1)
        raise _Refusal(DTD_MESSAGE, start if start >= 0 else index, here())

    def refuse_reference(*_args: object) -> NoReturn:
        raise _Refusal(
            "entity references other than the five predefined ones are not allowed in DUIS XML",
            parser.CurrentByteIndex,
            here(),
        )

    def start(tag: str, attributes: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _Refusal(
                f"DUIS XML nests deeper than {MAX_DEPTH} elements",
                parser.CurrentByteIndex,
                here(),
            )
        if len(offsets) >= MAX_ELEMENTS:
            raise _Refusal(
                f"DUIS XML has more than {MAX_ELEMENTS} elements",
                parser.CurrentByteIndex,
                here(),
            )
        if len(attributes) > MAX_ATTRIBUTES:
            raise _Refusal(
                f"an element carries {len(attributes)} attributes, more than {MAX_ATTRIBUTES}",
                parser.CurrentByteIndex,
                here(),
            )
        name = "{" + tag if "}" in tag else tag
        element = builder.start(name, _attrs(attributes))
        offsets[id(element)] = parser.CurrentByteIndex
        stack.append(local_name(name))

    def end(_tag: str) -> None:
        builder.end("{" + _tag if "}" in _tag else _tag)
        stack.pop()

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.NotationDeclHandler = refuse
    parser.ElementDeclHandler = refuse
    parser.AttlistDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_reference
    parser.SkippedEntityHandler = refuse_reference
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(raw, True)  # noqa: FBT003 - pyexpat takes isfinal positionally
    except _Refusal as exc:
        raise DecodeError(exc.message, offset=exc.offset, path=exc.path) from None
    except expat.ExpatError as exc:
        code = exc.code
        if code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
            message = (
                "entity references other than the five predefined ones are not allowed in DUIS XML"
            )
        else:
            message = f"not well-formed XML: {expat.ErrorString(code)}"
        raise DecodeError(
            # Expat counts columns from 0; people (and editors) count them from 1.
            f"{message} (line {exc.lineno}, column {exc.offset + 1})",
            offset=parser.ErrorByteIndex if parser.ErrorByteIndex >= 0 else None,
            path=here(),
        ) from None
    except (ValueError, LookupError, UnicodeError) as exc:
        # Unknown or broken declared encodings surface as codec errors from Expat's handler.
        raise DecodeError(
            f"cannot decode DUIS XML: {type(exc).__name__}: {exc}".splitlines()[0],
            offset=max(parser.CurrentByteIndex, 0),
            path=here(),
        ) from None
    root = builder.close()
    return ParsedXml(root=root, offsets=offsets, size=len(raw))


def _attrs(attributes: dict[str, str]) -> dict[str, str]:
    return {("{" + k if "}" in k else k): v for k, v in attributes.items()}
