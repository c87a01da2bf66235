"""``secrules check`` end to end on the shared vectors and on copies mutated at test time."""

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


def test_ecs37_command_passes(cli, ecs37):
    proc = cli(["check", ecs37])
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "0 failed" in out
    assert "gbcs.ecs37.begin_date at entries[0].begin_date" in out


@pytest.mark.parametrize("regime", ["baseline", "proposed"])
def test_ecs37_command_passes_in_both_regimes_json(cli, ecs37, regime):
    proc = cli(["check", ecs37, "--regime", regime, "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["regime"] == regime
    assert data["failed"] == 0
    assert data["errors"] == []
    rule_ids = {f["rule_id"] for f in data["files"][0]["findings"]}
    assert "gbcs.ecs37.exec_weekdays" in rule_ids


def test_mutated_weekdays_fail_naming_rule_clause_offset_and_field(cli, ecs37, tmp_path):
    data = bytearray.fromhex(ecs37.read_text(encoding="ascii"))
    at = data.index(bytes.fromhex("0407FE"))  # entry 0's exec_weekdays
    data[at + 2] = 0x7E  # Monday bit cleared
    mutated = tmp_path / "ecs37_no_monday.hex"
    mutated.write_text(data.hex().upper(), encoding="ascii")
    proc = cli(["check", "--quiet", mutated])
    out = proc.stdout.decode()
    assert proc.returncode == 1, out
    assert "1 failed" in out
    assert f"FAIL  gbcs.ecs37.exec_weekdays at entries[0].exec_weekdays, offset {at}" in out
    assert "GBCS 18.2 ECS37 template" in out


def test_binary_input_is_accepted(cli, ecs37, tmp_path):
    binary = tmp_path / "ecs37.bin"
    binary.write_bytes(bytes.fromhex(ecs37.read_text(encoding="ascii")))
    assert cli(["check", binary]).returncode == 0


def test_undecodable_file_is_reported_and_the_others_still_checked(cli, ecs37, tmp_path):
    bad = tmp_path / "truncated.hex"
    bad.write_text(ecs37.read_text(encoding="ascii")[:60], encoding="ascii")
    proc = cli(["check", bad, ecs37])
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "truncated.hex" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert ECS37.split("/")[1] in proc.stdout.decode()


def test_keystore_adds_signature_verdicts(cli, rtds_dir, keystore_dir, tmp_path):
    message = rtds_dir / CS02C
    if not message.exists():
        pytest.skip(f"{CS02C} is not in this copy of the vectors")
    ok = cli(["check", message, "--keystore", keystore_dir, "--format", "json"])
    assert ok.returncode == 0, ok.stderr
    # The RTDS store files the WAN provider's KA credential under another EUI (spec section 10).
    assert b"secrules: key store warning: 90b3d51f30000007-ka" in ok.stderr
    findings = json.loads(ok.stdout)["files"][0]["findings"]
    assert [f["outcome"] for f in findings if f["rule_id"] == "gbcs.signature"] == ["pass"]
    data = bytearray.fromhex(message.read_text(encoding="ascii"))
    data[60] ^= 0x01  # a bit inside the signature
    tampered = tmp_path / "tampered.hex"
    tampered.write_text(data.hex(), encoding="ascii")
    bad = cli(["check", tampered, "--keystore", keystore_dir])
    assert bad.returncode == 1
    assert "FAIL  gbcs.signature" in bad.stdout.decode()


def test_duis_template_passes_and_bad_variant_fails(cli, duis_dir, tmp_path):
    template = duis_dir / PRENOTIFY
    ok = cli(["check", template])
    assert ok.returncode == 0, ok.stdout.decode() + ok.stderr.decode()
    text = template.read_text(encoding="utf-8")
    assert "<sr:ESMEVariant>AD</sr:ESMEVariant>" in text
    bad = tmp_path / "xyz.xml"
    bad.write_text(text.replace(">AD<", ">XYZ<"), encoding="utf-8")
    proc = cli(["check", bad, "--quiet"])
    out = proc.stdout.decode()
    assert proc.returncode == 1, out
    assert "/Request/Body/DevicePrenotification/ESMEVariant" in out
    assert "'XYZ'" in out


def test_hostile_xml_is_one_line_exit_2(cli, tmp_path):
    laughs = tmp_path / "laughs.xml"
    laughs.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
        encoding="utf-8",
    )
    proc = cli(["check", laughs])
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "DTD/entity declarations are not allowed" in err
    assert len(err.strip().splitlines()) == 1


def test_stdin(cli, ecs37):
    proc = cli(["check", "-"], stdin=ecs37.read_bytes())
    assert proc.returncode == 0, proc.stderr
