"""A decoded message as a named tree: every node has a name, an offset, its octets and a value.

Every content decoder (GBCS framing, DLMS ACCESS and data-notification, GBZ/ZCL, ASN.1 DER)
describes what it read as :class:`Node` values, so ``secrules gbcs inspect`` prints one tree
and ``--format json`` serialises one shape whatever the encoding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

__all__ = ["Node"]


@attrs.define(init=False, unsafe_hash=True)
class Node:
    """One decoded field or group of fields.

    ``offset`` is where the field starts, counted from the start of the buffer the decoder was
    given (:meth:`shifted` moves a subtree into an enclosing buffer's numbering); ``raw`` is the
    field's octets (``length == len(raw)``). ``value`` is the typed value (``int``, ``str``,
    ``bytes``, an enum, a date or time, or None for a group); ``text`` is its human rendering
    (``17:00:00``, ``Metering (0x0702)``), empty when ``value`` speaks for itself.
    ``children`` may be given as any iterable of nodes; it is kept as a tuple. Nodes are
    values: never change one (use ``attrs.evolve``); they compare and hash by their fields.
    """

    name: str
    offset: int
    raw: bytes = attrs.field(repr=False)
    value: object = None
    text: str = ""
    children: tuple[Node, ...] = ()

    def __init__(  # noqa: PLR0917 - the attrs fields, positional as attrs made them
        self,
        name: str,
        offset: int,
        raw: bytes,
        value: object = None,
        text: str = "",
        children: Iterable[Node] = (),
    ) -> None:
        # Plain slot assignments: a decoded message has hundreds of nodes, and attrs' frozen
        # __init__ (object.__setattr__ per field) took three times as long (measured). Nodes
        # are never changed once built (every builder makes new ones); treat them as frozen.
        self.name = name
        self.offset = offset
        self.raw = raw
        self.value = value
        self.text = text
        self.children = children if type(children) is tuple else tuple(children)

    @property
    def length(self) -> int:
        """Number of octets the node covers."""
        return len(self.raw)

    @property
    def end(self) -> int:
        """Offset one past the node's last octet."""
        return self.offset + len(self.raw)

    def shifted(self, by: int) -> Node:
        """The same subtree with every offset moved by ``by`` octets."""
        if by == 0:
            return self
        # Built directly, not with attrs.evolve: trees have thousands of nodes (measured).
        return Node(
            self.name,
            self.offset + by,
            self.raw,
            self.value,
            self.text,
            tuple([c.shifted(by) for c in self.children]),
        )

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """Every node of the subtree, depth first, with its dotted path (``a.b[0].c``)."""
        sep = "" if not prefix or self.name.startswith("[") else "."
        path = f"{prefix}{sep}{self.name}"
        yield path, self
        for child in self.children:
            yield from child.walk(path)

    def find(self, path: str) -> Node:
        """The node at dotted ``path`` below (and including) this one; KeyError when absent."""
        for here, node in self.walk():
            if here == path:
                return node
        raise KeyError(path)
