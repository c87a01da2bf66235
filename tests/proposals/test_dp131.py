"""DP131 / MP131: the ECS37 template rules, Table 28d and DP131's reform of it, and impact.

RTDS messages are read at test time; every mutated copy is made here, at test time.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import secrules
from secrules.core import Outcome, Provenance
from secrules.dlms.access import decode_access
from secrules.dlms.cosem import CosemDate, CosemTime
from secrules.dlms.data import BitString, Boolean
from secrules.dlms.schedule import entries_from_data, entries_to_data
from secrules.errors import DataFileError, RegimeError
from secrules.gbcs import ecs37, encode_message, parse_message
from secrules.gbcs import table_28d as t28d
from secrules.gbcs.ecs37 import (
    CONSTANT_FIELDS,
    LABELS,
    load_template,
    schedule_subject,
    template_entries,
)
from secrules.gbcs.table_28d import TABLE_28D_FIELDS, load_table_28d
from secrules.payloads import check_payload
from secrules.proposals.dp131 import Dp131Model, load_amendment
from support import missing_vectors

ECS37_DIR = "6.18.1_ECS37"
ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "fixtures" / "dp131"
WEEK_AND_DATES = {"exec_weekdays", "begin_date", "end_date"}
SCHEDULE_RULES = ("gbcs.ecs37.", "gbcs.table28d.")


def _model():
    return secrules.get_proposal("DP131").require_model()


def rulesets():
    return _model().rulesets()


def _key(f):
    return (f.rule_id, f.outcome, f.path, f.offset)


def _failures(findings):
    # The DP131 findings that do not pass (a GBCS message's gbcs.* findings are checked elsewhere).
    return [
        f
        for f in findings
        if f.rule_id.startswith(SCHEDULE_RULES) and f.outcome is not Outcome.PASS
    ]


@pytest.fixture(scope="module")
def ecs37_command(rtds_dir, hexfile) -> bytes:
    path = rtds_dir / ECS37_DIR / "ECS37_6.18.1_SUCCESS_COMMAND_GBCS.HEX"
    if not path.is_file():
        missing_vectors("RTDS ECS37 command not in this subset")
    return hexfile(path)


def _mutate(command: bytes, change) -> tuple[bytes, int]:
    """Re-encode ``command`` with its schedule entries passed through ``change``."""
    msg = parse_message(command)
    request = decode_access(msg.content)
    entries = entries_from_data(request.data[0])
    new_entries = change(list(entries))
    request = attrs.evolve(request, data=(entries_to_data(new_entries),))
    new = attrs.evolve(msg, content=request.encode())
    return encode_message(new), new.content_offset


# --- The data tables. -------------------------------------------------------------------------


def test_template_entries_encode_as_the_46_octet_template():
    start, end = template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    assert len(start.to_bytes()) == 46
    assert start.to_bytes().hex().upper() == (
        "020A12000003FF090600000A8064FF12000109041100000012FFFF0407FE04000905000001FFFF0905FFFFFFFFFF"
    )
    assert end.script_selector == 2


def test_bundled_table_28d_is_the_stated_modelling_decision():
    base = load_table_28d()
    conflicting = {n for n, r in base.fields.items() if r.conflicts_with_template}
    assert conflicting == WEEK_AND_DATES
    for name in WEEK_AND_DATES:
        row = base.fields[name]
        assert row.kind == "unknown"
        assert row.provenance is Provenance.INFERRED
    for name in set(CONSTANT_FIELDS) - WEEK_AND_DATES:
        assert base.fields[name].kind == "template"
        assert base.fields[name].provenance is Provenance.ASSUMED
    assert "v3.2" in base.version
    prop = load_amendment().apply(base)
    for name in CONSTANT_FIELDS:
        assert prop.fields[name].kind == "template"
        # the MP131 page states the intent, not the rows: every post-MP131 row is inferred
        assert prop.fields[name].provenance is Provenance.INFERRED
    for name in WEEK_AND_DATES:  # the three constants the MP131 page quotes
        assert "quoted on the MP131 page (stated)" in prop.fields[name].source
    for table in (base, prop):
        for name in ("start_time", "end_time"):
            assert table.fields[name].kind == "unknown"
    assert set(base.rows_differing_from(prop)) == WEEK_AND_DATES
    assert "MP131" in prop.version
    assert base.fields["exec_weekdays"].kind == "unknown"  # the amendment never edits its base


def test_amendment_examples_are_illustrative():
    amendment = load_amendment()
    assert set(amendment.examples) >= WEEK_AND_DATES
    assert all("secrules scenario value" in src for _, src in amendment.examples.values())


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("missing_row", "fields.begin_date"),
        ("bad_date_value", "fields.begin_date.value"),
        ("unknown_row_key", "fields.exec_weekdays.example"),
        ("conflict_on_known_value", "fields.end_date.conflicts_with_template"),
        ("template_switch_time", "fields.start_time.value"),
        ("bad_provenance", "fields.enable.provenance"),
        ("unknown_row", "fields.weekday"),
        ("missing_version", "version"),
        ("wrong_value_type", "fields.validity_window.value"),
        ("not_toml", None),
    ],
)
def test_broken_table_28d_names_file_and_key(name, key):
    path = FIX / "broken" / f"{name}.toml"
    with pytest.raises(DataFileError) as info:
        load_table_28d(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    with pytest.raises(DataFileError):
        _model().with_table(path)
    with pytest.raises(DataFileError):
        check_payload(bytes.fromhex("1200"), table_28d=path)


def test_broken_template_is_a_data_file_error(tmp_path):
    text = (ROOT / "src/secrules/data/ecs37_template.toml").read_text(encoding="utf-8")
    broken = tmp_path / "template.toml"
    broken.write_text(text.replace('value = "000001FFFF"', 'value = "0001FF"'), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_template(broken)
    assert info.value.key == "field[8].value"


def test_broken_amendment_example_is_a_data_file_error(tmp_path):
    text = (ROOT / "src/secrules/data/dp131.toml").read_text(encoding="utf-8")
    old = 'value = "1111100"\nillustrative = true'
    assert text.count(old) == 1
    broken = tmp_path / "dp131.toml"
    broken.write_text(text.replace(old, 'value = "1111100"\nillustrative = false'), "utf-8")
    with pytest.raises(DataFileError) as info:
        load_amendment(broken)
    assert info.value.key == "example.exec_weekdays.illustrative"


def test_user_table_with_values_replaces_unknown():
    path = FIX / "table_28d_made_up_values.toml"
    table = load_table_28d(path)
    assert table.fields["exec_weekdays"].kind == "value"
    sets = _model().with_table(path).rulesets()
    mon_fri = (FIX / "schedule_entries_mon_fri.hex").read_text().strip()
    base = check_payload(mon_fri, regime="baseline", table_28d=path, default_configuration=True)
    rule = {f.rule_id: f for f in base if f.rule_id == "gbcs.table28d.exec_weekdays"}
    assert rule["gbcs.table28d.exec_weekdays"].outcome is Outcome.PASS
    assert "source: fixture" in rule["gbcs.table28d.exec_weekdays"].message
    assert sets["proposed"].parent is sets["baseline"]
    prop = check_payload(mon_fri, regime="proposed", table_28d=path, default_configuration=True)
    rule = {f.rule_id: f for f in prop if f.rule_id == "gbcs.table28d.exec_weekdays"}
    assert rule["gbcs.table28d.exec_weekdays"].outcome is Outcome.FAIL


# --- Rule sets. ---------------------------------------------------------------------------


def test_proposed_is_derived_from_the_domain_table_28d_rules():
    sets = rulesets()
    base, prop = sets["baseline"], sets["proposed"]
    assert base is t28d.rules()  # the rule set check applies to a default configuration
    assert prop.parent is base
    assert prop.lineage() == (prop.name, base.name)
    assert base.ids == prop.ids == tuple(f"gbcs.table28d.{f}" for f in TABLE_28D_FIELDS)
    changed = [rid for rid in base.ids if base.rule(rid) is not prop.rule(rid)]
    assert sorted(changed) == sorted(f"gbcs.table28d.{f}" for f in WEEK_AND_DATES)
    assert len(ecs37.rules()) == 9
    assert _model().rulesets()["proposed"] is prop


# --- The RTDS ECS37 command and mutated copies of it. -------------------------------------


@pytest.mark.parametrize("regime", ["baseline", "proposed"])
def test_rtds_ecs37_command_passes_every_template_rule(ecs37_command, regime):
    findings = check_payload(ecs37_command, regime=regime)
    assert findings[0].rule_id == "gbcs.decode"
    assert "ECS37" in findings[0].message
    rules = {f.rule_id for f in findings[1:] if f.rule_id.startswith(SCHEDULE_RULES)}
    assert rules == set(ecs37.rules().ids)
    assert _failures(findings) == []
    offsets = {f.path: f.offset for f in findings}
    assert offsets["entries"] == 66
    assert offsets["entries[0].enable"] == 73
    assert offsets["entries[0].begin_date"] == 100
    assert offsets["entries[1].switch_time"] == 132


def _byte_mutation(command: bytes, field: str, entry: int, skip: int, new: bytes):
    msg = parse_message(command)
    entries = entries_from_data(decode_access(msg.content).data[0])
    tag_at = msg.content_offset + entries[entry].offset_of(field)
    at = tag_at + skip
    return command[:at] + new + command[at + len(new) :], tag_at


@pytest.mark.parametrize(
    "case",
    [
        ("exec_weekdays", 2, b"\x7e", "gbcs.ecs37.exec_weekdays"),  # no Monday
        ("begin_date", 2, bytes.fromhex("FFFF01FFFF"), "gbcs.ecs37.begin_date"),
        ("end_date", 2, bytes.fromhex("07E40101FF"), "gbcs.ecs37.end_date"),
        ("enable", 1, b"\x00", "gbcs.ecs37.enable"),
        ("script_logical_name", 7, b"\xfe", "gbcs.ecs37.script_logical_name"),
        ("validity_window", 1, b"\x00\x3c", "gbcs.ecs37.validity_window"),
        ("switch_time", 2, b"\xff", "gbcs.ecs37.switch_time"),  # wildcard hour
        ("switch_time", 3, b"\x3c", "gbcs.ecs37.switch_time"),  # minute 60
        ("script_selector", 2, b"", "gbcs.ecs37.entries"),  # two starts or two ends
    ],
)
@pytest.mark.parametrize("entry", [0, 1])
def test_one_octet_mutations_fail_only_the_matching_rule(ecs37_command, case, entry):
    field, skip, new, rule = case
    if field == "script_selector":
        new = bytes([2 - entry])  # both entries then carry the same selector
    mutated, tag_at = _byte_mutation(ecs37_command, field, entry, skip, new)
    assert mutated != ecs37_command
    assert len(mutated) == len(ecs37_command)
    verdicts = {}
    for regime in ("baseline", "proposed"):
        failures = _failures(check_payload(mutated, regime=regime))
        assert failures
        assert {f.rule_id for f in failures} == {rule}
        verdicts[regime] = [_key(f) for f in failures]
        if rule != "gbcs.ecs37.entries":
            (failure,) = failures
            assert failure.path == f"entries[{entry}].{field}"
            assert failure.offset == tag_at
            assert failure.label == LABELS[Outcome.FAIL]
            assert "ECS37" in failure.clauses[0].clause or "template" in failure.clauses[0].clause
        else:
            assert failures[0].path == "entries"
            assert failures[0].offset == 66
    assert verdicts["baseline"] == verdicts["proposed"]


def test_enable_01_passes_like_ff(ecs37_command):
    mutated, _ = _byte_mutation(ecs37_command, "enable", 0, 1, b"\x01")
    assert _failures(check_payload(mutated)) == []


def test_index_and_order_are_not_constrained(ecs37_command):
    def renumber(entries):
        return [attrs.evolve(e, index=i + 1) for i, e in enumerate(entries)]

    def overnight(entries):
        start, end = entries
        return [
            attrs.evolve(start, switch_time=CosemTime(22, 0, 0, 0)),
            attrs.evolve(end, switch_time=CosemTime(6, 0, 0, 0)),
        ]

    def reversed_order(entries):
        return list(reversed(entries))

    for change in (renumber, overnight, reversed_order):
        mutated, _ = _mutate(ecs37_command, change)
        assert _failures(check_payload(mutated)) == [], change.__name__


@pytest.mark.parametrize(
    "change",
    [
        lambda es: es[:1],
        lambda es: [*es, es[1]],
        lambda es: [es[0], attrs.evolve(es[1], script_selector=3)],
    ],
    ids=["one entry", "three entries", "selector 3"],
)
def test_entry_count_and_selectors(ecs37_command, change):
    mutated, _ = _mutate(ecs37_command, change)
    failures = _failures(check_payload(mutated))
    assert {f.rule_id for f in failures} == {"gbcs.ecs37.entries"}


def test_structural_mutations_name_path_and_offset(ecs37_command):
    def specdays(entries):
        return [entries[0], attrs.evolve(entries[1], exec_specdays=BitString.from_bits([1]))]

    mutated, content_at = _mutate(ecs37_command, specdays)
    failures = _failures(check_payload(mutated))
    assert [(f.rule_id, f.path) for f in failures] == [
        ("gbcs.ecs37.exec_specdays", "entries[1].exec_specdays")
    ]
    entry = entries_from_data(decode_access(parse_message(mutated).content).data[0])[1]
    assert failures[0].offset == content_at + entry.offset_of("exec_specdays")


def test_every_rtds_message_same_verdicts_under_both_regimes(rtds_files, hexfile):
    schedules = 0
    for path in rtds_files:
        data = hexfile(path)
        base = check_payload(data, regime="baseline")
        prop = check_payload(data, regime="proposed")
        assert [_key(f) for f in base] == [_key(f) for f in prop], path.name
        if any(f.rule_id.startswith(SCHEDULE_RULES) for f in base):
            schedules += 1
            assert path.parent.name.endswith(("ECS37", "ECS18b")), path.name
    assert schedules >= 1


def test_rtds_schedules_as_defaults_differ_only_in_week_and_date_rows(rtds_files, hexfile):
    for path in rtds_files:
        if not path.parent.name.endswith(("ECS37", "ECS18b")):
            continue
        data = hexfile(path)
        base = check_payload(data, regime="baseline", default_configuration=True)
        prop = check_payload(data, regime="proposed", default_configuration=True)
        for b, p in zip(base, prop, strict=True):
            assert b.rule_id == p.rule_id
            if b.outcome is not p.outcome:
                assert b.rule_id.split(".")[-1] in WEEK_AND_DATES, (path.name, b.rule_id)


# --- Regime logic on default configurations. --------------------------------------------


def _default(entries):
    return schedule_subject(entries, default_configuration=True, where="default configuration")


def _table_findings(entries, regime):
    subject = _default(entries)
    return {
        (f.rule_id, f.path): f
        for f in rulesets()[regime].evaluate(subject)
        if f.rule_id.startswith("gbcs.table28d.")
    }


def test_template_default_conflicts_before_and_conforms_after():
    entries = template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    base = _table_findings(entries, "baseline")
    prop = _table_findings(entries, "proposed")
    for (rule_id, path), finding in base.items():
        field = rule_id.split(".")[-1]
        if field in WEEK_AND_DATES:
            assert finding.outcome is Outcome.FAIL, path
            assert "contradicts" in finding.message
        else:
            assert finding.outcome is Outcome.PASS, path
    assert all(f.outcome is Outcome.PASS for f in prop.values())


def test_unknown_conflicting_value_is_indeterminate_when_not_template():
    entries = [
        attrs.evolve(e, begin_date=CosemDate.from_bytes(bytes.fromhex("07E40101FF")))
        for e in template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    ]
    base = _table_findings(entries, "baseline")
    prop = _table_findings(entries, "proposed")
    assert base[("gbcs.table28d.begin_date", "entries[0].begin_date")].outcome is (
        Outcome.INDETERMINATE
    )
    assert prop[("gbcs.table28d.begin_date", "entries[0].begin_date")].outcome is Outcome.FAIL


def test_default_switch_times_only_need_no_wildcards():
    entries = template_entries(CosemTime(0xFF, 0, 0, 0), CosemTime(22, 0, 0, 0))
    for regime in ("baseline", "proposed"):
        found = _table_findings(entries, regime)
        assert found[("gbcs.table28d.start_time", "entries[0].switch_time")].outcome is (
            Outcome.FAIL
        )
        assert found[("gbcs.table28d.end_time", "entries[1].switch_time")].outcome is (Outcome.PASS)


def test_table_rules_do_not_apply_to_commands():
    entries = template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0))
    subject = schedule_subject(entries, where="ECS37 command")
    for regime in ("baseline", "proposed"):
        for f in rulesets()[regime].evaluate(subject):
            if f.rule_id.startswith("gbcs.table28d."):
                assert f.outcome is Outcome.NOT_APPLICABLE


_FIELD_VALUES = {
    "enable": st.sampled_from([Boolean(0), Boolean(1), Boolean(0xFF)]),
    "validity_window": st.sampled_from([0xFFFF, 0, 60]),
    "exec_weekdays": st.lists(st.booleans(), min_size=7, max_size=7).map(BitString.from_bits),
    "exec_specdays": st.sampled_from([BitString(0, b""), BitString.from_bits([1])]),
    "begin_date": st.sampled_from(["000001FFFF", "FFFF01FFFF", "07E40101FF"]).map(
        lambda h: CosemDate.from_bytes(bytes.fromhex(h))
    ),
    "end_date": st.sampled_from(["FFFFFFFFFF", "07ED0C1FFF"]).map(
        lambda h: CosemDate.from_bytes(bytes.fromhex(h))
    ),
    "switch_time": st.sampled_from([CosemTime(17, 0, 0, 0), CosemTime(0xFF, 0, 0, 0)]),
}


@st.composite
def default_configurations(draw):
    entries = list(template_entries(CosemTime(17, 0, 0, 0), CosemTime(22, 0, 0, 0)))
    for i, entry in enumerate(entries):
        fields = draw(st.sets(st.sampled_from(sorted(_FIELD_VALUES)), max_size=3))
        entries[i] = attrs.evolve(entry, **{f: draw(_FIELD_VALUES[f]) for f in sorted(fields)})
    return entries


@given(default_configurations())
def test_regimes_differ_only_in_week_and_date_rows(entries):
    """Impact property at rule level: only the three MP131 rows ever change verdict."""
    subject = _default(entries)
    base = rulesets()["baseline"].evaluate(subject)
    prop = rulesets()["proposed"].evaluate(subject)
    assert [(f.rule_id, f.path) for f in base] == [(f.rule_id, f.path) for f in prop]
    for b, p in zip(base, prop, strict=True):
        if b.verdict != p.verdict:
            assert b.rule_id in {f"gbcs.table28d.{f}" for f in WEEK_AND_DATES}
    command = schedule_subject(entries, where="ECS37 command")
    assert [_key(f) for f in rulesets()["baseline"].evaluate(command)] == [
        _key(f) for f in rulesets()["proposed"].evaluate(command)
    ]


# --- Impact. ------------------------------------------------------------------------------


def test_impact_report():
    report = secrules.impact("DP131")
    assert report.total == 32
    assert report.out_of_scope_changes == ()
    assert report.changed_count == 4
    for row in report.rows:
        assert row.baseline.verdict in set(LABELS.values())
        assert row.proposed.verdict in set(LABELS.values())
    changed = {
        (r.scenario["exec_weekdays"].split()[0], r.scenario["date_range"].split()[0])
        for r in report.changed_rows
    }
    assert changed == {("template", "template"), ("1111100", "2020-01-01..2029-12-31")}
    by_verdict = {(r.baseline.verdict, r.proposed.verdict) for r in report.changed_rows}
    assert by_verdict == {("conflicts", "conforms"), ("indeterminate", "conflicts")}


def test_impact_scope_property():
    report = secrules.impact("DP131")
    for row in report.rows:
        varies_only_window_or_switch = row.scenario["exec_weekdays"].startswith(
            "template"
        ) and row.scenario["date_range"].startswith("template")
        if row.changed:
            assert row.in_scope
        if varies_only_window_or_switch and not row.in_scope:
            assert not row.changed
    illustrative = [
        v for row in report.rows for _, v in row.scenario.params if "illustrative" in str(v)
    ]
    assert illustrative
    assert all("not the real Table 28d" in v for v in illustrative)


def test_model_metadata_and_assumptions():
    proposal = secrules.get_proposal("MP131")
    assert proposal.modelled
    model = proposal.require_model()
    assert proposal.model is model
    assert set(model.regimes) == {"baseline", "proposed"}
    assumptions = model.assumptions()
    ids = [a.id for a in assumptions]
    assert len(ids) == len(set(ids))
    assert {"A131-7", "A131-8"} <= set(ids)  # the [[assumption]] rows of dp131.toml
    assert any(a.provenance is Provenance.ASSUMED and "illustrative" in a.text for a in assumptions)
    assert any("unknown" in a.text for a in assumptions)
    with pytest.raises(RegimeError):
        model.evaluate(next(iter(model.scenarios())), "future")


def test_decided_finding_names_the_table_and_the_deciding_row():
    model = _model()
    template_default = next(
        s
        for s in model.scenarios()
        if s["exec_weekdays"].startswith("template") and model.in_scope(s)
    )
    base = model.evaluate(template_default, "baseline")
    prop = model.evaluate(template_default, "proposed")
    assert (base.verdict, prop.verdict) == ("conflicts", "conforms")
    assert base.message.startswith("conflicts under baseline Table 28d: exec_weekdays")
    assert base.rule_id == "gbcs.table28d.exec_weekdays"
    assert base.path == "entries[0].exec_weekdays"
    assert prop.message.startswith("conforms under proposed Table 28d")


def test_model_with_user_table():
    model = Dp131Model(FIX / "table_28d_made_up_values.toml")
    rows = [
        (s, model.evaluate(s, "baseline"), model.evaluate(s, "proposed")) for s in model.scenarios()
    ]
    assert len(rows) == 32
    changed = [r for r in rows if r[1].verdict != r[2].verdict]
    assert changed
    assert all(model.in_scope(s) for s, _, _ in changed)
    labels = {v for s, _, _ in rows for _, v in s.params}
    assert any("made_up_values" in str(v) for v in labels)
