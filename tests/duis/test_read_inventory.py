"""SR 8.2 ReadInventory: every DeviceID is checked, each named by its own XML path.

Regression (issue 8, item 13): only the first DeviceID was checked, so a second, invalid one
passed. Requests are generated at test time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.cli import main
from secrules.core import Outcome
from secrules.duis import parse_request

GOOD = "00-DB-12-34-56-78-90-A2"
BASE = "/Request/Body/ReadInventory"


def read_inventory(body: str) -> bytes:
    """A DUIS SR 8.2 request whose ReadInventory holds ``body``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header>'
        "<sr:RequestID>90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000</sr:RequestID>"
        "<sr:CommandVariant>8</sr:CommandVariant><sr:ServiceReference>8.2</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant></sr:Header>"
        f"<sr:Body><sr:ReadInventory>{body}</sr:ReadInventory></sr:Body></sr:Request>"
    ).encode()


def device_ids(*values: str) -> str:
    return "".join(f"<sr:DeviceID>{v}</sr:DeviceID>" for v in values)


def eui_findings(data: bytes) -> list[secrules.Finding]:
    return [f for f in secrules.check(data) if f.rule_id == "duis.field.eui"]


def test_second_invalid_device_id_fails():
    data = read_inventory(device_ids(GOOD, "not-an-eui"))
    findings = eui_findings(data)
    assert [(f.outcome, f.path) for f in findings] == [
        (Outcome.PASS, f"{BASE}/DeviceID[1]"),
        (Outcome.FAIL, f"{BASE}/DeviceID[2]"),
    ]
    bad = findings[1]
    assert bad.offset is not None
    assert data[bad.offset :].startswith(b"<sr:DeviceID>not-an-eui")


def test_single_device_id_keeps_its_plain_path():
    (finding,) = eui_findings(read_inventory(device_ids(GOOD)))
    assert finding.outcome is Outcome.PASS
    assert finding.path == f"{BASE}/DeviceID"


def test_device_ids_inside_a_structured_criterion_are_checked():
    data = read_inventory(f"<sr:Devices>{device_ids(GOOD, 'zz')}</sr:Devices>")
    findings = eui_findings(data)
    assert [(f.outcome, f.path) for f in findings] == [
        (Outcome.PASS, f"{BASE}/Devices/DeviceID[1]"),
        (Outcome.FAIL, f"{BASE}/Devices/DeviceID[2]"),
    ]


def test_a_device_id_holding_elements_fails():
    data = read_inventory(f"<sr:DeviceID><sr:X>{GOOD}</sr:X></sr:DeviceID>")
    (finding,) = eui_findings(data)
    assert finding.outcome is Outcome.FAIL
    assert finding.path == f"{BASE}/DeviceID"


def test_parse_keeps_every_device_id():
    body = parse_request(read_inventory(device_ids(GOOD, "x", GOOD))).body
    assert [t.value for t in body.device_ids] == [GOOD, "x", GOOD]  # type: ignore[union-attr]
    first = body.device_id  # type: ignore[union-attr]
    assert first is not None
    assert first.value == GOOD


@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_every_device_id_is_judged(valid: list[bool]):
    values = [GOOD if ok else f"bad-{i}" for i, ok in enumerate(valid)]
    findings = eui_findings(read_inventory(device_ids(*values)))
    assert len(findings) == len(values)
    for i, (ok, finding) in enumerate(zip(valid, findings, strict=True)):
        assert finding.outcome is (Outcome.PASS if ok else Outcome.FAIL)
        suffix = f"[{i + 1}]" if len(values) > 1 else ""
        assert finding.path == f"{BASE}/DeviceID{suffix}"


def test_cli_exits_1_for_a_second_invalid_device_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "read_inventory.xml"
    path.write_bytes(read_inventory(device_ids(GOOD, "not-an-eui")))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{BASE}/DeviceID[2]" in out
