"""The fast tree paths agree with the plain ones: trees built in place, nodes as values."""

from __future__ import annotations

import attrs
import pytest

from secrules.core.tree import Node
from secrules.gbcs import ContentKind, decode_content, parse_message


def test_every_rtds_content_tree_is_the_message_octets_in_place(rtds_files, hexfile):
    """Every node of every content tree holds the message's octets at its offset."""
    seen = set()
    for path in rtds_files:
        message = parse_message(hexfile(path))
        decoded = decode_content(message)
        seen.add(decoded.kind)
        tree = decoded.tree
        assert tree.offset == message.content_offset, path.name
        assert tree.raw == message.content, path.name
        for where, node in tree.walk():
            assert message.encoded[node.offset : node.end] == node.raw, (path.name, where)
    assert seen == set(ContentKind)


@pytest.mark.parametrize("kind", [ContentKind.GBZ, ContentKind.GBZ_ALERT, ContentKind.ASN1])
def test_trees_built_at_an_offset_equal_shifted_trees(rtds_files, hexfile, kind):
    """GBZ and ASN.1 trees are built at the content's offset; the same as shifting them."""
    count = 0
    for path in rtds_files:
        message = parse_message(hexfile(path))
        decoded = decode_content(message)
        if decoded.kind is not kind:
            continue
        value = decoded.value
        assert value.tree(message.content_offset) == value.tree().shifted(message.content_offset)
        assert decoded.tree == value.tree(message.content_offset)
        count += 1
    assert count > 0


def test_asn1_tree_names_the_matched_structure_on_demand(rtds_files, hexfile):
    """Decoding reads the typed value only; the named tree is built when asked for."""
    for path in rtds_files:
        message = parse_message(hexfile(path))
        decoded = decode_content(message)
        if decoded.kind is not ContentKind.ASN1 or decoded.value.structure is None:
            continue
        payload = decoded.value
        assert payload.root is None
        assert payload.tree().text.startswith(payload.structure.name)
        assert payload.tree() == payload.tree()


def test_node_is_a_value():
    leaf = Node("b", 2, b"y")
    node = Node("a", 1, b"xy", None, "", [leaf])
    assert node.children == (leaf,)
    assert isinstance(node.children, tuple)
    same = Node("a", 1, b"xy", children=(Node("b", 2, b"y"),))
    assert node == same
    assert hash(node) == hash(same)
    renamed = attrs.evolve(node, name="z")
    assert renamed.name == "z"
    assert renamed.children == node.children
    assert node.name == "a"
    assert node.shifted(3).children[0].offset == 5
