"""``secrules check`` (in-process) on the shared vectors and on copies mutated at test time."""

from __future__ import annotations

import json

import pytest

from support import missing_vectors

ECS37 = "6.18.1_ECS37/ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
CS02C = "6.17_CS02c/CS02c_6.17_SUCCESS_COMMAND_GBCS.HEX"
PRENOTIFY = "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML"


@pytest.fixture
def ecs37(rtds_dir):
    path = rtds_dir / ECS37
    if not path.exists():
        missing_vectors(f"{ECS37} is not in this copy of the vectors")
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
        missing_vectors(f"{CS02C} is not in this copy of the vectors")
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


# --- the table, the inventory and the sender: files named by options ----------------------------


def test_a_missing_table_is_blamed_on_the_table_not_the_payload(run_cli, fixtures_dir, tmp_path):
    payload = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    missing = tmp_path / "nosuch.toml"
    proc = run_cli("check", payload, "--default-configuration", "--table-28d", missing)
    assert proc.code == 2
    assert proc.err == f"secrules: {missing}: cannot read table: No such file or directory\n"
    assert proc.out == ""
    # Read before any payload: a missing payload is not even reached.
    proc = run_cli("check", tmp_path / "absent.hex", "--table-28d", missing)
    assert proc.err.splitlines() == [
        f"secrules: {missing}: cannot read table: No such file or directory"
    ]


def test_the_table_is_read_once_for_every_file(run_cli, fixtures_dir, monkeypatch):
    from secrules.gbcs import table_28d

    calls = []
    real = table_28d.load_table_28d

    def counting(path=None):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(table_28d, "load_table_28d", counting)
    payload = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    table = fixtures_dir.parent / "src" / "secrules" / "data" / "table_28d.toml"
    proc = run_cli("check", payload, payload, "--default-configuration", "--table-28d", table)
    assert proc.code in (0, 1), proc.err
    assert calls.count(str(table)) == 1  # (None: the bundled table, for the regime's rules)
    assert calls[0] == str(table)  # before any payload


def test_table_28d_without_default_configuration_says_it_is_not_applied(run_cli, fixtures_dir):
    payload = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    table = fixtures_dir.parent / "src" / "secrules" / "data" / "table_28d.toml"
    plain = run_cli("check", payload, "--format", "json")
    noted = run_cli("check", payload, "--table-28d", table, "--format", "json")
    assert noted.code == plain.code == 0
    assert noted.err.startswith("secrules: note: --table-28d is not applied")
    assert "--default-configuration" in noted.err
    assert len(noted.err.splitlines()) == 1
    assert noted.out == plain.out  # nothing else changed
    applied = run_cli("check", payload, "--table-28d", table, "--default-configuration")
    assert "note" not in applied.err


def test_summary_line_counts_in_words(run_cli, fixtures_dir):
    from secrules.report import FileFindings, render_findings

    first = run_cli("check", fixtures_dir / "dp131" / "ecs37_command_own.hex").out.splitlines()[0]
    assert " findings, 0 failed" in first
    assert "undecided" in first  # the MAC is never checked
    assert "????" not in first
    one = [FileFindings("a.hex", "A-XDR Data", secrules_one_finding())]
    assert "a.hex: A-XDR Data, 1 finding, 0 failed (proposed)" in render_findings(
        one, "text", regime="proposed"
    )


def secrules_one_finding():
    from secrules.core import Finding, Outcome
    from secrules.core.citations import cite

    return [Finding("x.pass", Outcome.PASS, "fine", (cite("duis.response-e5"),))]


UPDATE = "8.4_update_device_details_esme_variant.xml"
ACTOR = "inventory.variant-correction-actor"


def test_inventory_and_sender_decide_what_the_xml_cannot(run_cli, fixtures_dir):
    request = fixtures_dir / "duis" / UPDATE
    inventory = fixtures_dir / "duis" / "inventory.toml"
    alone = run_cli("check", request, "--format", "json", "--regime", "baseline")
    assert alone.code == 0, alone.err
    undecided = {
        f["rule_id"]: f["message"]
        for f in json.loads(alone.out)["files"][0]["findings"]
        if f["outcome"] == "indeterminate"
    }
    assert ACTOR in undecided
    assert "--inventory FILE --sender ROLE" in undecided[ACTOR]
    assert "inventory= and sender=" in undecided[ACTOR]
    # The sender's User ID comes from the RequestID; the inventory says it is the Responsible
    # Supplier but not the installer: refused before DP125, allowed by it.
    base = run_cli(
        "check", request, "--inventory", inventory, "--sender", "IS", "--regime", "baseline"
    )
    assert base.code == 1, base.err
    assert f"FAIL       {ACTOR}" in base.out
    assert "FAIL       duis.inventory.outcome" in base.out
    proposed = run_cli("check", request, "--inventory", inventory, "--sender", "IS", "-q")
    assert proposed.code == 0, proposed.out + proposed.err
    assert "UNDECIDED" not in proposed.out
    # Another User ID given on the command line: no longer the Responsible Supplier.
    other = run_cli(
        "check", request, "--inventory", inventory, "--sender", "IS:90-B3-D5-1F-30-01-00-55"
    )
    assert other.code == 1, other.out


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--sender", "IS"], "--inventory FILE and --sender ROLE go together"),
        (["--inventory", "INV"], "--inventory FILE and --sender ROLE go together"),
        (["--inventory", "INV", "--sender", "Supplier"], "--sender Supplier: "),
        (["--inventory", "INV", "--sender", "IS:nope"], "EUI-64"),
    ],
)
def test_inventory_and_sender_usage(run_cli, fixtures_dir, extra, fragment):
    inventory = str(fixtures_dir / "duis" / "inventory.toml")
    argv = [a.replace("INV", inventory) for a in extra]
    proc = run_cli("check", fixtures_dir / "duis" / UPDATE, *argv)
    assert proc.code == 2
    assert proc.err.startswith("secrules: ")
    assert fragment in proc.err
    assert len(proc.err.splitlines()) == 1


def test_a_broken_inventory_names_file_and_key(run_cli, fixtures_dir, tmp_path):
    bad = tmp_path / "inv.toml"
    bad.write_text('[[device]]\nid = "00-DB-12-34-56-78-90-C1"\ntype = "ESME"\n', encoding="utf-8")
    proc = run_cli("check", fixtures_dir / "duis" / UPDATE, "--inventory", bad, "--sender", "IS")
    assert proc.code == 2
    assert proc.err == f"secrules: {bad}: device[0].status: required key is missing\n"


def test_inventory_on_binary_payloads_says_it_is_not_applied(run_cli, fixtures_dir):
    inventory = fixtures_dir / "duis" / "inventory.toml"
    payload = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    proc = run_cli("check", payload, "--inventory", inventory, "--sender", "IS")
    assert proc.code == 0, proc.err
    assert proc.err == (
        "secrules: note: --inventory and --sender are not applied: no input was a DUIS request\n"
    )


def test_check_writes_its_report_with_output(run_cli, fixtures_dir, tmp_path):
    payload = fixtures_dir / "dp131" / "ecs37_command_own.hex"
    out = tmp_path / "findings.json"
    proc = run_cli("check", payload, "--format", "json", "-o", out)
    assert proc.code == 0, proc.err
    assert proc.out == ""
    assert json.loads(out.read_text(encoding="utf-8"))["failed"] == 0


def test_the_guides_sample_output_is_real(run_cli, ecs37, fixtures_dir):
    guide = (fixtures_dir.parent / "docs" / "index.md").read_text(encoding="utf-8")
    block = guide.split("ecs37.hex: ", 1)[1].split("```", 1)[0]
    summary, *lines = block.splitlines()
    proc = run_cli("check", ecs37)
    assert proc.out.splitlines()[0].endswith(summary)
    shown = [line for line in lines if not line.strip().startswith("[")]
    assert len(shown) == 3
    for line in shown:
        assert line in proc.out.splitlines(), line


def test_a_bad_acb_is_blamed_once_before_any_file(run_cli, ecs37):
    result = run_cli("check", ecs37, ecs37, "--keystore", ".", "--acb", "zz")
    assert result.code == 2
    assert result.err.strip().splitlines()[-1] == (
        "secrules: --acb 'zz' is not an EUI-64 (16 hex digits, e.g. 90B3D51F30000002)"
    )
    assert result.out == ""


def test_a_missing_inventory_is_named_as_the_inventory(run_cli, fixtures_dir):
    request = next((fixtures_dir / "duis").glob("*.xml"))
    result = run_cli("check", request, "--inventory", "/nonexistent/inv.toml", "--sender", "IS")
    assert result.code == 2
    assert "secrules: /nonexistent/inv.toml: cannot read inventory" in result.err


def test_acb_without_a_keystore_is_a_usage_error(run_cli, ecs37):
    result = run_cli("check", ecs37, "--acb", "90B3D51F30000002")
    assert result.code == 2
    assert result.err.strip() == (
        "secrules: check: --acb needs --keystore (the ACB's Key Agreement key is in it)"
    )


def test_json_counts_the_messages_that_fail_for_want_of_keys(
    run_cli, rtds_dir, keystore_dir, tmp_path
):
    # An encrypted, MAC'd response checked with a key store that lacks its keys: no finding is
    # FAIL, yet the check fails (exit 1); the JSON document says so, as the jsonl summary does.
    response = rtds_dir / "4.1.1_GCS13a" / "GCS13a_4.1.1_ERROR_RESPONSE_GBCS.HEX"
    empty = tmp_path / "no-keys"
    empty.mkdir()
    proc = run_cli("check", "--format", "json", "--keystore", empty, response)
    assert proc.code == 1, proc.err
    data = json.loads(proc.out)
    assert data["failed"] == 0
    assert data["failed_messages"] == 1
    outcomes = {f["rule_id"]: f["outcome"] for f in data["files"][0]["findings"]}
    assert outcomes["gbcs.mac"] == outcomes["gbcs.decrypt"] == "indeterminate"
    assert data["files"][0]["failed"] == 0
    assert data["files"][0]["fails_check"] is True
    (line, summary) = run_cli(
        "check", "--format", "jsonl", "--keystore", empty, response
    ).out.splitlines()
    assert json.loads(line)["fails_check"] is True
    assert json.loads(summary)["summary"]["failed_messages"] == 1
    proc = run_cli("check", "--format", "json", "--keystore", keystore_dir, response)
    assert proc.code == 0, proc.err
    assert json.loads(proc.out)["failed_messages"] == 0
    assert json.loads(proc.out)["files"][0]["fails_check"] is False
