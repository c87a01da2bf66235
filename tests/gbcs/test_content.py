"""GBCS content: COSEM names, ACCESS trees, dispatch, the content rules and ``gbcs inspect``."""

from __future__ import annotations

import collections
import datetime as dt
import json

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome, Provenance
from secrules.dlms import (
    AccessKind,
    AccessRequest,
    RequestSpec,
    access_tree,
    cosem_names,
    decode_access,
)
from secrules.dlms.cosem import Obis
from secrules.errors import DecodeError, InvalidValueError
from secrules.gbcs import ContentKind, classify, decode_content, message_code_table, parse_message
from secrules.gbcs.content import use_case_content
from secrules.gbcs.inspect import message_tree
from secrules.gbcs.keystore import open_keystore
from secrules.gbcs.protection import encrypted_blocks
from secrules.strategies.dlms import simple_dlms_values

ECS37 = "6.18.1_ECS37/ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
ECS17D_RESPONSE = "4.1.2_ECS17d/ECS17d_4.1.2_SINGLE_SUCCESS_RESPONSE_GBCS.HEX"


def _message(rtds_dir, hexfile, name):
    return parse_message(hexfile(rtds_dir / name))


def _findings(data, rule_id, **kwargs):
    return [f for f in secrules.check(data, **kwargs) if f.rule_id == rule_id]


# --- names ------------------------------------------------------------------------------------


def test_cosem_names_are_data_with_provenance():
    names = cosem_names()
    assert names.class_name(10) == "Schedule"
    assert names.class_name(9000) == "GBCS extended data"
    assert names.attribute_name(10, 2) == "entries"
    assert names.attribute_name(10, 1) == "logical_name"
    assert names.method_name(30, 1) == "get_protected_attributes"
    assert names.result_name(250) == "other-reason"
    assert names.class_name(4711) == "class 4711"
    assert names.attribute_name(4711, 3) == "attribute 3"
    assert names.enum_name(70, 3, 1) == "connected"
    # Every interface class RTDS uses (20 of them) is named, with a source.
    used = {1, 3, 4, 7, 8, 9, 10, 11, 20, 21, 22, 30, 70, 71, 104, 111, 112, 113, 115, 9000}
    assert used <= set(names.classes)
    for row in names.classes.values():
        assert row.source in names.sources
        assert row.provenance in (Provenance.STATED, Provenance.INFERRED)


# --- ACCESS trees -------------------------------------------------------------------------------


def test_every_rtds_access_payload_is_a_tree_of_its_octets(rtds_files, hexfile):
    count = 0
    for path in rtds_files:
        message = parse_message(hexfile(path))
        if message.content[:1] not in (b"\xd9", b"\xda"):
            continue
        tree = access_tree(message.decode_content(), message.content)
        assert tree.length == len(message.content)
        for where, node in tree.walk():
            assert message.content[node.offset : node.end] == node.raw, (path.name, where)
            if node.children:  # a group's children tile it, after its own header octets
                assert node.children[-1].end == node.end, (path.name, where)
        count += 1
    assert count == 197 + 146  # the subset's D9 and DA payloads


def test_ecs37_tree_names_class_attribute_and_times(rtds_dir, hexfile):
    message = _message(rtds_dir, hexfile, ECS37)
    tree = access_tree(message.decode_content(), message.content)
    spec = tree.find("ACCESS.request.specifications[0]")
    assert spec.find("[0].class_id").text == "Schedule"
    assert spec.find("[0].instance_id").value == "0-0:12.0.0.255"
    assert spec.find("[0].attribute_id").text == "entries"
    switch = tree.find("ACCESS.request.data[0][0].switch_time")
    assert switch.value == dt.time(17, 0)
    assert "17:00:00" in switch.text


@settings(max_examples=40, deadline=None)
@given(values=st.lists(simple_dlms_values(), max_size=4), class_id=st.integers(0, 0xFFFF))
def test_access_tree_of_any_request_covers_its_encoding(values, class_id):
    specs = [RequestSpec(AccessKind.SET, class_id, Obis(0, 0, 1, 0, 0, 255), 2) for _ in values]
    raw = AccessRequest(0x20000001, specs, values).encode()
    tree = access_tree(decode_access(raw), raw)
    assert tree.raw == raw
    for _, node in tree.walk():
        assert raw[node.offset : node.end] == node.raw
    assert len(tree.find("ACCESS.request.data").children) == len(values)


def test_access_tree_refuses_other_octets():
    raw = AccessRequest(1, [], []).encode()
    with pytest.raises(InvalidValueError):
        access_tree(decode_access(raw), raw + b"\x00")


# --- dispatch -----------------------------------------------------------------------------------


def test_classify_counts_on_the_subset(rtds_files, hexfile):
    counts = collections.Counter(classify(parse_message(hexfile(p))) for p in rtds_files)
    assert counts == {
        ContentKind.ACCESS_REQUEST: 197,
        ContentKind.ACCESS_RESPONSE: 146,
        ContentKind.DATA_NOTIFICATION: 41,
        ContentKind.GBZ: 168,
        ContentKind.GBZ_ALERT: 12,
        ContentKind.ASN1: 73,
    }


def test_decode_content_offsets_are_in_the_message(rtds_dir, hexfile):
    message = _message(rtds_dir, hexfile, ECS37)
    decoded = decode_content(message)
    assert decoded.kind is ContentKind.ACCESS_REQUEST
    assert isinstance(decoded.value, AccessRequest)
    assert decoded.tree.offset == message.content_offset
    for _, node in decoded.tree.walk():
        assert message.encoded[node.offset : node.end] == node.raw


def test_undecodable_and_unrecognised_content_is_a_located_decode_error(rtds_dir, hexfile):
    message = _message(rtds_dir, hexfile, ECS37)
    broken = attrs.evolve(message, content=message.content[:7] + b"\x09" + message.content[8:])
    with pytest.raises(DecodeError) as info:
        decode_content(broken)
    assert info.value.offset == broken.content_offset + 7
    assert info.value.path.startswith("apdu.content")
    odd = attrs.evolve(message, content=b"\x77\x00")
    with pytest.raises(DecodeError) as info:
        classify(odd)
    assert info.value.offset == odd.content_offset


def test_every_rtds_content_decodes_and_re_encodes(rtds_files, hexfile):
    """All six kinds: 0 opaque contents, each re-encoded byte for byte, trees rooted in place."""
    kinds = collections.Counter()
    for path in rtds_files:
        message = parse_message(hexfile(path))
        decoded = decode_content(message)
        kinds[decoded.kind] += 1
        assert decoded.kind is classify(message)
        assert decoded.tree.offset == message.content_offset
        assert decoded.value.encode() == message.content, path
    assert set(kinds) == set(ContentKind)
    assert sum(kinds.values()) == len(rtds_files)


def test_with_the_keystore_every_rtds_content_passes(rtds_files, hexfile, rtds_dir):
    """Encrypted contents too: decrypted with the RTDS key store, their plaintext decodes."""
    store = open_keystore(rtds_dir / "keystore")
    outcomes = collections.Counter()
    for path in rtds_files:
        for finding in secrules.check(hexfile(path), keystore=store):
            if finding.rule_id in {"gbcs.content", "gbcs.message-code"}:
                outcomes[finding.rule_id, finding.outcome] += 1
    assert outcomes == {
        ("gbcs.content", Outcome.PASS): len(rtds_files),
        ("gbcs.message-code", Outcome.PASS): len(rtds_files),
    }


# --- the content rules --------------------------------------------------------------------------


def test_ecs37_relabelled_as_ecs38_fails_the_message_code_rule(rtds_dir, hexfile):
    message = _message(rtds_dir, hexfile, ECS37)
    relabelled = attrs.evolve(message, message_code=0x004B)
    (finding,) = _findings(relabelled.encoded, "gbcs.message-code")
    assert finding.outcome is Outcome.FAIL
    assert "ECS38" in finding.message
    assert "Schedule" in finding.message
    spec_at = relabelled.content_offset + 7
    assert finding.offset == spec_at
    assert finding.path == "apdu.content.specifications[0]"
    (ok,) = _findings(message.encoded, "gbcs.message-code")
    assert ok.outcome is Outcome.PASS


def test_unknown_code_and_wrong_kind_fail(rtds_dir, hexfile):
    message = _message(rtds_dir, hexfile, ECS37)
    unknown = attrs.evolve(message, message_code=0xEEEE)
    (finding,) = _findings(unknown.encoded, "gbcs.message-code")
    assert finding.outcome is Outcome.FAIL
    assert "0xEEEE" in finding.message
    assert finding.offset == unknown.offset("apdu.other_information.message_code")
    # An ACCESS request under a gas (GBZ) use case's code: not what the use case carries.
    gas = attrs.evolve(message, message_code=0x0080)
    (finding,) = _findings(gas.encoded, "gbcs.message-code")
    assert finding.outcome is Outcome.FAIL
    assert "GBZ" in finding.message


def test_every_rtds_message_gets_one_content_and_one_message_code_finding(rtds_files, hexfile):
    outcomes = collections.Counter()
    for path in rtds_files[::3]:
        findings = secrules.check(hexfile(path))
        ids = [f.rule_id for f in findings]
        assert ids.count("gbcs.content") == 1
        assert ids.count("gbcs.message-code") == 1
        (code,) = [f for f in findings if f.rule_id == "gbcs.message-code"]
        assert code.outcome is Outcome.PASS, (path.name, code.message)
        (content,) = [f for f in findings if f.rule_id == "gbcs.content"]
        outcomes[content.outcome] += 1
        assert content.outcome is not Outcome.FAIL, (path.name, content.message)
    assert outcomes[Outcome.PASS] > 0


def test_encrypted_content_is_undecided_without_a_key_store(rtds_dir, hexfile, keystore_dir):
    path = rtds_dir / ECS17D_RESPONSE
    data = hexfile(path)
    (finding,) = _findings(data, "gbcs.content")
    assert finding.outcome is Outcome.INDETERMINATE
    assert "no key store" in finding.message
    store = secrules.gbcs.open_keystore(keystore_dir)
    (finding,) = _findings(data, "gbcs.content", keystore=store)
    assert finding.outcome is Outcome.PASS
    assert "decrypted and decoded" in finding.message


# --- data ---------------------------------------------------------------------------------------


def test_message_codes_agree_with_the_mapping_table(gbcs_mapping_table_file):
    rows = json.loads(gbcs_mapping_table_file.read_text(encoding="utf-8"))
    names = {row["Code"]: row["Use Case Name"] for row in rows}
    table = message_code_table()
    inferred = [r for r in table if r.provenance is Provenance.INFERRED and r.use_case]
    # The codes read off RTDS folder names, including those gbcs-parser does not name.
    assert {0x011A, 0x011B, 0x011E, 0x0120, 0x0122, 0x0125, 0x0126, 0x012B} <= {
        r.code for r in inferred
    }
    for row in inferred:
        if row.use_case in names:
            assert row.title == names[row.use_case], row
    stated = [r for r in table if r.provenance is Provenance.STATED and r.use_case]
    known = sum(1 for r in stated if r.use_case in names)
    assert known >= 0.9 * len(stated)


def test_use_case_content_table_covers_every_tabled_code():
    table = use_case_content()
    direction_free = 0
    for row in message_code_table():
        found = [table.kinds(row.code, flag) for flag in secrules.gbcs.CraFlag]
        direction_free += all(f is None for f in found)
    # Only use cases of families RTDS does not test (HAN-device PECS/HECS) have no kinds.
    assert direction_free <= 6
    assert table.profiles[0x004A].cosem == {"SET 10/2"}
    assert table.profiles[0x004B].cosem == {"SET 1/2"}


# --- gbcs inspect -------------------------------------------------------------------------------


def test_inspect_json_for_several_files(run_cli, rtds_dir, keystore_dir):
    ecs37 = rtds_dir / ECS37
    response = rtds_dir / ECS17D_RESPONSE
    proc = run_cli("gbcs", "inspect", "--format", "json", ecs37, response)
    assert proc.code == 0, proc.err
    rows = json.loads(proc.out)
    assert [r["file"].rsplit("/", 1)[-1] for r in rows] == [ecs37.name, response.name]
    tree = rows[0]["tree"]
    assert tree["name"] == "message"
    assert {"name", "offset", "length", "hex", "value", "text", "children"} == set(tree)
    apdu = next(c for c in tree["children"] if c["name"] == "apdu")
    content = next(c for c in apdu["children"] if c["name"] == "content")
    assert content["text"].startswith("DLMS ACCESS.request")
    # Without a key store the MAC is reported, as not checked (never as a pass).
    mac = next(f for f in rows[0]["protection"] if f["rule_id"] == "gbcs.mac")
    assert mac["outcome"] == "indeterminate"
    assert all(
        f["outcome"] != "pass"
        for f in rows[0]["protection"]
        if f["rule_id"] != "gbcs.shape" and f["rule_id"] != "gbcs.security_header"
    )
    with_keys = run_cli("gbcs", "inspect", "--format", "json", "--keystore", keystore_dir, response)
    (row,) = json.loads(with_keys.out)
    assert {f["rule_id"] for f in row["protection"]} >= {"gbcs.mac", "gbcs.decrypt"}
    assert '"decrypted"' in json.dumps(row["tree"])


def test_inspect_reports_a_bad_file_and_shows_the_others(run_cli, rtds_dir, tmp_path):
    junk = tmp_path / "junk.hex"
    junk.write_text("DF00", encoding="ascii")
    proc = run_cli("gbcs", "inspect", rtds_dir / ECS37, junk)
    assert proc.code == 2
    assert proc.err.startswith("secrules: ")
    assert "ECS37 command" in proc.out
    assert "17:00:00" in proc.out


GCS13A_RESPONSE = "4.1.1_GCS13a/GCS13a_4.1.1_SUCCESS_UNRELIABLE_RESPONSE_GBCS.HEX"


@pytest.mark.parametrize("name", [ECS17D_RESPONSE, GCS13A_RESPONSE])
def test_inspect_without_a_key_store_says_an_encrypted_block_was_not_decrypted(
    run_cli, rtds_dir, name
):
    # Bare ciphertext must not read as plain content: the block carries a "not decrypted" note.
    text = run_cli("gbcs", "inspect", rtds_dir / name)
    assert text.code == 0, text.err
    assert "decrypted  not decrypted: no key store was given" in text.out
    proc = run_cli("gbcs", "inspect", "--format", "json", rtds_dir / name)
    (row,) = json.loads(proc.out)
    notes = [n for n in _json_nodes(row["tree"]) if n["name"] == "decrypted"]
    assert notes
    assert all(n["text"] == "not decrypted: no key store was given" for n in notes)


def test_inspect_of_clear_content_has_no_decryption_note(run_cli, rtds_dir):
    proc = run_cli("gbcs", "inspect", rtds_dir / ECS37)
    assert proc.code == 0, proc.err
    assert "decrypted" not in proc.out


@pytest.mark.parametrize("with_keys", [False, True])
def test_decryption_notes_sit_beside_the_encrypted_blocks_fields(
    rtds_files, rtds_dir, keystore_dir, with_keys
):
    # A "decrypted" node is a child of the node holding the whole encrypted block (its
    # security control, counter, ciphertext and tag), never of one of those fields.
    store = open_keystore(keystore_dir) if with_keys else None
    seen = collections.Counter()
    for path in rtds_files:
        message = parse_message(bytes.fromhex("".join(path.read_text().split())))
        blocks = encrypted_blocks(message)
        if not blocks:
            continue
        tree, _, _ = message_tree(message, keystore=store)
        parents = [p for p in _parents(tree) if any(c.name == "decrypted" for c in p.children)]
        assert len(parents) == len(blocks), path.name
        for parent, block in zip(sorted(parents, key=lambda n: n.offset), blocks, strict=True):
            assert parent.offset <= block.offset, path.name
            assert block.offset + len(block.block) <= parent.offset + parent.length, path.name
            assert parent.name != "security_control", path.name
            seen[block.kind] += 1
    assert seen["gbz"]
    assert seen["dlms"]


def _parents(node):
    if node.children:
        yield node
    for child in node.children:
        yield from _parents(child)


def _json_nodes(node):
    yield node
    for child in node.get("children", ()):
        yield from _json_nodes(child)


@pytest.mark.parametrize(
    ("option", "value"), [("--acb", "0102030405060708"), ("--at", "2025-06-01T12:00:00Z")]
)
def test_inspect_refuses_key_store_options_without_a_key_store(run_cli, rtds_dir, option, value):
    proc = run_cli("gbcs", "inspect", option, value, rtds_dir / ECS37)
    assert proc.code == 2
    assert proc.out == ""
    assert proc.err == f"secrules: gbcs inspect: {option} needs --keystore " + (
        "(the ACB's Key Agreement key is in it)\n"
        if option == "--acb"
        else "(validity is read from certificates)\n"
    )
