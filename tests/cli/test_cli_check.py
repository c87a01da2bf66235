"""``secrules check`` (in-process) on the shared vectors and on copies mutated at test time."""

from __future__ import annotations

import json

import pytest

ECS37 = "6.18.1_ECS37/ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
CS02C = "6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"
PRENOTIFY = "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML"


@pytest.fixture
def ecs37(rtds_dir):
    path = rtds_dir / ECS37
    if not path.exists():
        pytest.skip(f"{ECS37} is not in this copy of the vectors")
    return path


def test_ecs37_command_passes(run_cli, ecs37):
    proc = run_cli("check", ecs37)
    out = proc.out
    assert proc.code == 0, out + proc.err
    assert "0 failed" in out
    assert "gbcs.ecs37.begin_date at entries[0].begin_date" in out


@pytest.mark.parametrize("regime", ["baseline", "proposed"])
def test_ecs37_command_passes_in_both_regimes_json(run_cli, ecs37, regime):
    proc = run_cli("check", ecs37, "--regime", regime, "--format", "json")
    assert proc.code == 0, proc.err
    data = json.loads(proc.out)
    assert data["regime"] == regime
    assert data["failed"] == 0
    assert data["errors"] == []
    rule_ids = {f["rule_id"] for f in data["files"][0]["findings"]}
    assert "gbcs.ecs37.exec_weekdays" in rule_ids


def test_mutated_weekdays_fail_naming_rule_clause_offset_and_field(run_cli, ecs37, tmp_path):
    data = bytearray.fromhex(ecs37.read_text(encoding="ascii"))
    at = data.index(bytes.fromhex("0407FE"))  # entry 0's exec_weekdays
    data[at + 2] = 0x7E  # Monday bit cleared
    mutated = tmp_path / "ecs37_no_monday.hex"
    mutated.write_text(data.hex().upper(), encoding="ascii")
    proc = run_cli("check", "--quiet", mutated)
    out = proc.out
    assert proc.code == 1, out
    assert "1 failed" in out
    assert f"  FAIL       gbcs.ecs37.exec_weekdays at entries[0].exec_weekdays, offset {at}" in out
    assert "GBCS 18.2 ECS37 template" in out


def test_binary_input_is_accepted(run_cli, ecs37, tmp_path):
    binary = tmp_path / "ecs37.bin"
    binary.write_bytes(bytes.fromhex(ecs37.read_text(encoding="ascii")))
    assert run_cli("check", binary).code == 0


def test_undecodable_file_is_reported_and_the_others_still_checked(run_cli, ecs37, tmp_path):
    bad = tmp_path / "truncated.hex"
    bad.write_text(ecs37.read_text(encoding="ascii")[:60], encoding="ascii")
    proc = run_cli("check", bad, ecs37)
    err = proc.err
    assert proc.code == 2
    assert "truncated.hex" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert ECS37.split("/")[1] in proc.out


def test_keystore_adds_signature_verdicts(run_cli, rtds_dir, keystore_dir, tmp_path):
    message = rtds_dir / CS02C
    if not message.exists():
        pytest.skip(f"{CS02C} is not in this copy of the vectors")
    ok = run_cli("check", message, "--keystore", keystore_dir, "--format", "json")
    assert ok.code == 0, ok.err
    # The RTDS store files the WAN provider's KA credential under another EUI (spec section 10).
    assert f"secrules: {keystore_dir}: warning: 90b3d51f30000007-ka" in ok.err
    findings = json.loads(ok.out)["files"][0]["findings"]
    assert [f["outcome"] for f in findings if f["rule_id"] == "gbcs.signature"] == ["pass"]
    data = bytearray.fromhex(message.read_text(encoding="ascii"))
    data[60] ^= 0x01  # a bit inside the signature
    tampered = tmp_path / "tampered.hex"
    tampered.write_text(data.hex(), encoding="ascii")
    bad = run_cli("check", tampered, "--keystore", keystore_dir)
    assert bad.code == 1
    assert "  FAIL       gbcs.signature" in bad.out


def test_duis_template_passes_and_bad_variant_fails(run_cli, duis_dir, tmp_path):
    template = duis_dir / PRENOTIFY
    ok = run_cli("check", template)
    assert ok.code == 0, ok.out + ok.err
    text = template.read_text(encoding="utf-8")
    assert "<sr:ESMEVariant>AD</sr:ESMEVariant>" in text
    bad = tmp_path / "xyz.xml"
    bad.write_text(text.replace(">AD<", ">XYZ<"), encoding="utf-8")
    proc = run_cli("check", bad, "--quiet")
    out = proc.out
    assert proc.code == 1, out
    assert "/Request/Body/DevicePrenotification/ESMEVariant" in out
    assert "'XYZ'" in out


def test_hostile_xml_is_one_line_exit_2(run_cli, tmp_path):
    laughs = tmp_path / "laughs.xml"
    laughs.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
        encoding="utf-8",
    )
    proc = run_cli("check", laughs)
    err = proc.err
    assert proc.code == 2
    assert "DTD/entity declarations are not allowed" in err
    assert len(err.strip().splitlines()) == 1


def test_stdin(run_cli, ecs37):
    proc = run_cli("check", "-", stdin=ecs37.read_bytes())
    assert proc.code == 0, proc.err
