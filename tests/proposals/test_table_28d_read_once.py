"""A user's Table 28d is read once per check, however many schedules a payload carries.

Before the fix every SET spec of an ACCESS request re-read the ``--table-28d`` file (a 220 KB
payload took 26 s). The loader is counted, not timed; payloads are built at test time.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import secrules
from secrules.cli import main
from secrules.core import Outcome
from secrules.dlms.access import AccessKind, AccessRequest, RequestSpec
from secrules.dlms.cosem import CosemTime
from secrules.dlms.schedule import entries_to_data
from secrules.gbcs import ecs37, table_28d
from secrules.payloads import MAX_SCHEDULES, check_payload

FIX = Path(__file__).resolve().parent.parent.parent / "fixtures" / "dp131"
TABLE = FIX / "table_28d_made_up_values.toml"


def ecs37_request(sets: int) -> bytes:
    """An ACCESS.request with ``sets`` SETs of Schedule 0-0:12.0.0.255 attribute 2."""
    tpl = ecs37.template()
    entries = entries_to_data(ecs37.template_entries(CosemTime(7, 0, 0, 0), CosemTime(9, 30, 0, 0)))
    spec = RequestSpec(AccessKind.SET, tpl.class_id, tpl.logical_name, tpl.attribute)
    return AccessRequest(0x131000, (spec,) * sets, (entries,) * sets).encode()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of the Table 28d loader with a user's file."""
    calls: list[object] = []
    real = table_28d.load_table_28d

    def counting(path=None):
        if path is not None:
            calls.append(path)
        return real(path)

    monkeypatch.setattr(table_28d, "load_table_28d", counting)
    return calls


@pytest.mark.parametrize("sets", [1, 2, 40])
def test_check_payload_reads_the_table_once(loads: list[object], sets: int):
    findings = check_payload(ecs37_request(sets), table_28d=TABLE, default_configuration=True)
    assert loads == [TABLE]
    table_rules = [f for f in findings if f.rule_id.startswith("gbcs.table28d.")]
    checked = min(sets, MAX_SCHEDULES)
    assert table_rules
    assert len(table_rules) % checked == 0  # every SET up to the limit is checked
    # ...and the rest are reported as not checked, never passed over in silence.
    limits = [f for f in findings if f.rule_id == "check.limits"]
    assert len(limits) == (1 if sets > MAX_SCHEDULES else 0)
    assert all(f.outcome is Outcome.INDETERMINATE for f in limits)


def test_check_reads_the_table_once(loads: list[object]):
    data = ecs37_request(25).hex()
    findings = secrules.check(data, table_28d=TABLE, default_configuration=True)
    assert loads == [TABLE]
    assert any(f.outcome is Outcome.PASS for f in findings)


def test_a_loaded_table_is_not_read_again(loads: list[object]):
    table = table_28d.load_table_28d(TABLE)
    loads.clear()
    check_payload(ecs37_request(10), table_28d=table, default_configuration=True)
    assert loads == []


def test_cli_reads_the_table_once_per_run(
    tmp_path: Path, loads: list[object], capsys: pytest.CaptureFixture[str]
):
    files = []
    for i in range(3):
        path = tmp_path / f"set{i}.hex"
        path.write_text(ecs37_request(5).hex(), encoding="ascii")
        files.append(str(path))
    status = main(["check", *files, "--table-28d", str(TABLE), "--default-configuration"])
    out, err = capsys.readouterr()
    assert status in (0, 1), err
    assert len(loads) == 1
    assert all(name in out for name in files)


def test_a_220_kb_payload(loads: list[object]):
    one = len(ecs37_request(1))
    each = len(ecs37_request(2)) - one
    sets = 1 + -(-(220_000 - one) // each)
    data = ecs37_request(sets)
    assert 220_000 <= len(data) < 220_000 + each
    start = time.perf_counter()
    findings = check_payload(data, table_28d=TABLE, default_configuration=True)
    elapsed = time.perf_counter() - start
    assert loads == [TABLE]
    assert len([f for f in findings if f.rule_id == "gbcs.ecs37.entries"]) == MAX_SCHEDULES
    (limits,) = [f for f in findings if f.rule_id == "check.limits"]
    assert f"{sets - MAX_SCHEDULES} further schedule(s) not checked" in limits.message
    assert elapsed < 120, "safety net only"


def test_a_changed_table_is_read_afresh(tmp_path: Path):
    """No stale cache: a second call after the file changed sees the new file."""
    path = tmp_path / "t.toml"
    text = TABLE.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = check_payload(
        ecs37_request(1), table_28d=path, default_configuration=True, regime="baseline"
    )
    old = 'exec_weekdays = { value = "1111100"'
    assert text.count(old) == 1
    path.write_text(text.replace(old, 'exec_weekdays = { value = "1111111"'), encoding="utf-8")
    second = check_payload(
        ecs37_request(1), table_28d=path, default_configuration=True, regime="baseline"
    )

    def weekdays(findings: list[secrules.Finding]) -> list[str]:
        return [f.message for f in findings if f.rule_id == "gbcs.table28d.exec_weekdays"]

    assert weekdays(first) != weekdays(second)
