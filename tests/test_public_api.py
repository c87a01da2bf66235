"""The public names that architecture.md fixes: test harnesses and the CLI rely on them."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from pathlib import Path

import pytest

import secrules
from secrules.errors import MissingDependencyError


def test_top_level_names():
    for name in (
        "__version__",
        "check",
        "Finding",
        "Outcome",
        "ClauseRef",
        "proposals",
        "get_proposal",
        "impact",
    ):
        assert hasattr(secrules, name), name
    assert secrules.__version__.count(".") == 2
    params = inspect.signature(secrules.check).parameters
    assert params["regime"].default == "proposed"
    assert params["regime"].kind is inspect.Parameter.KEYWORD_ONLY


def test_proposal_interface():
    proposal = secrules.get_proposal("DP133")
    for name in ("id", "title", "raised_by", "status", "scenarios", "evaluate"):
        assert hasattr(proposal, name), name
    scenario = proposal.scenarios()[0]
    assert proposal.evaluate(scenario, "baseline").outcome in secrules.Outcome
    report = secrules.impact("DP133")
    assert (report.changed_count, report.total) == (3, 1270)
    row = report.rows[0]
    for name in ("scenario", "baseline", "proposed", "changed"):
        assert hasattr(row, name), name


def test_domain_packages():
    from secrules.dlms import (  # noqa: F401
        BitString,
        CosemDate,
        CosemDateTime,
        CosemTime,
        Obis,
        decode_data,
        encode_data,
    )
    from secrules.dlms.schedule import ScheduleEntry
    from secrules.duis import parse_request  # noqa: F401
    from secrules.gbcs import parse_message, verify_message  # noqa: F401
    from secrules.gbcs.ecdsa import sign, verify  # noqa: F401
    from secrules.gbcs.keystore import DccBoxedKeyStore, DirectoryKeyStore  # noqa: F401
    from secrules.inventory import Device, DeviceStatus, EsmeVariant  # noqa: F401
    from secrules.sec import UserRole
    from secrules.sec.section_g import applicable_parts

    assert hasattr(ScheduleEntry, "from_data")
    assert hasattr(ScheduleEntry, "to_data")
    assert UserRole.parse("RSA") is UserRole.REGISTERED_SUPPLIER_AGENT
    mp133 = secrules.get_proposal("DP133").require_model().rulesets()["proposed"]
    assert "G10" in applicable_parts({"ES"}, rules=mp133)
    assert "G10" not in applicable_parts({"ES"})
    for field in (
        "cra_flag",
        "counter",
        "originator",
        "recipient",
        "message_code",
        "content",
        "signature",
        "signed_bytes",
        "mac",
    ):
        assert field in dir(secrules.gbcs.GbcsMessage), field


def test_check_returns_findings_for_hex_text(fixtures_dir):
    text = (fixtures_dir / "dp131" / "ecs37_command_own.hex").read_text(encoding="ascii")
    findings = secrules.check(text, regime="baseline")
    assert findings
    assert not any(f.failed for f in findings)


def test_strategies_module_is_importable():
    import secrules.strategies as st

    for name in (
        "role_sets",
        "dlms_values",
        "schedule_entries",
        "gbcs_messages",
        "p256_private_keys",
        "duis_request_xml",
    ):
        assert hasattr(st, name), name


def test_a_user_written_rule_needs_only_import_secrules():
    clause = secrules.ClauseRef("GBCS", "18.2 ECS37 template", "v3.2", "assumed")

    def even(value: int) -> secrules.Verdict:
        outcome = secrules.Outcome.PASS if value % 2 == 0 else secrules.Outcome.FAIL
        return secrules.Verdict(outcome, f"{value} is {'even' if value % 2 == 0 else 'odd'}")

    rule = secrules.Rule("user.even", "Values are even", (clause,), even)
    [finding] = secrules.RuleSet.of("user rules", [rule]).evaluate(3)
    assert finding.outcome is secrules.Outcome.FAIL
    assert secrules.failed([finding])
    assert issubclass(secrules.errors.DecodeError, secrules.SecrulesError)
    assert secrules.errors.SecrulesError is secrules.SecrulesError


def test_dir_secrules_shows_only_public_names_dunders_and_submodules():
    assert sorted(secrules.__all__) == sorted(set(secrules.__all__))
    for name in secrules.__all__:
        assert hasattr(secrules, name), name
    stray = {
        name
        for name in set(dir(secrules)) - set(secrules.__all__)
        if not (name.startswith("__") and name.endswith("__"))
        and not isinstance(getattr(secrules, name), types.ModuleType)
    }
    assert stray == set()
    assert {"Verdict", "SecrulesError", "errors"} <= set(secrules.__all__)
    assert "os" not in dir(secrules)
    assert "annotations" not in dir(secrules)


def test_strategies_without_hypothesis_name_the_extra(monkeypatch):
    for name in list(sys.modules):
        if name == "secrules.strategies" or name.startswith("secrules.strategies."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # what a missing package looks like
    with pytest.raises(ImportError) as excinfo:
        importlib.import_module("secrules.strategies")
    assert isinstance(excinfo.value, MissingDependencyError)
    assert isinstance(excinfo.value, secrules.SecrulesError)
    assert "pip install 'secrules[strategies]'" in str(excinfo.value)
    assert excinfo.value.name == "hypothesis"
    with pytest.raises(MissingDependencyError):
        importlib.import_module("secrules.strategies.sec")


def test_the_readme_names_the_strategies_extra_where_it_uses_them():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.index("from secrules.strategies import")
    assert "pip install 'secrules[strategies]'" in readme[example - 600 : example]
