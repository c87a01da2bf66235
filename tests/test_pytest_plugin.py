"""The pytest plugin (_secrules_pytestplugin), run in-process with pytester; the example harness.

The plugin is loaded through its ``pytest11`` entry point where the installed metadata has it
(any ``pip install`` of this tree); an older editable install lacks it, and there these runs
name the plugin with ``-p`` instead. Options are given as ``--opt=VALUE``: pytest picks its
rootdir before it knows plugin options, and would take a separate VALUE for a test path.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import secrules
from secrules.testing import describe_finding

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "harness"
MON_FRI = ROOT / "fixtures" / "dp131" / "schedule_entries_mon_fri.hex"
PLUGIN = "_secrules_pytestplugin"
INSTALLED = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
#: What a run needs to have the plugin: nothing when the entry point is installed.
PLUGIN_ARGS = () if INSTALLED else ("-p", PLUGIN)

FIXTURE_PROBE = """
import os
from secrules.gbcs import KeyStore

OPENED = []

def test_vectors(secrules_vectors):
    print("VECTORS=" + str(secrules_vectors))

def test_keystore(secrules_keystore):
    assert isinstance(secrules_keystore, KeyStore)
    OPENED.append(id(secrules_keystore))

def test_keystore_again(secrules_keystore):
    OPENED.append(id(secrules_keystore))
    assert len(set(OPENED)) == 1, "one key store per session"
"""


@pytest.fixture(scope="module", autouse=True)
def _every_secrules_module_imported():
    """Import all of secrules before any in-process run.

    pytester drops the modules first imported inside a run when it ends; a later import would
    then build second copies of their classes (enum members that no longer compare equal).
    """
    for info in pkgutil.walk_packages(secrules.__path__, "secrules."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    importlib.import_module(PLUGIN)


@pytest.fixture
def probe(pytester, monkeypatch):
    """A pytester folder holding the fixture probe, with neither environment variable set."""
    monkeypatch.delenv("SECRULES_VECTORS", raising=False)
    monkeypatch.delenv("SECRULES_KEYSTORE", raising=False)
    pytester.makepyfile(test_probe=FIXTURE_PROBE)
    (pytester.path / "vectors").mkdir()
    (pytester.path / "keys").mkdir()
    return pytester


def test_pyproject_declares_the_entry_point_and_the_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"secrules": PLUGIN}
    assert any(r.startswith("pytest") for r in project["optional-dependencies"]["pytest"])


@pytest.mark.skipif(
    not INSTALLED,
    reason="the installed secrules metadata predates the pytest11 entry point (pip install -e .)",
)
def test_the_entry_point_loads_the_plugin(pytester):
    result = pytester.runpytest("--trace-config", "--co")
    result.stdout.fnmatch_lines(
        [f"*PLUGIN registered: <module '{PLUGIN}'*", "secrules *: vectors=(not set)*"]
    )


def test_fixtures_skip_and_say_why_when_not_configured(probe):
    result = probe.runpytest(*PLUGIN_ARGS, "-rs")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        [
            (
                "*no secrules vectors folder configured: pass --secrules-vectors, set "
                "$SECRULES_VECTORS or the secrules_vectors ini value"
            ),
            (
                "*no secrules key store configured: pass --secrules-keystore, set "
                "$SECRULES_KEYSTORE or the secrules_keystore ini value"
            ),
        ]
    )


def test_options_give_the_fixtures(probe):
    result = probe.runpytest(
        *PLUGIN_ARGS, "-s", "--secrules-vectors=vectors", "--secrules-keystore=keys"
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"*VECTORS={probe.path / 'vectors'}*"])


def test_environment_variables_give_the_fixtures_and_options_win(probe, monkeypatch):
    (probe.path / "other").mkdir()
    monkeypatch.setenv("SECRULES_VECTORS", str(probe.path / "vectors"))
    monkeypatch.setenv("SECRULES_KEYSTORE", str(probe.path / "keys"))
    result = probe.runpytest(*PLUGIN_ARGS, "-s")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"*VECTORS={probe.path / 'vectors'}*"])
    result = probe.runpytest(*PLUGIN_ARGS, "-s", "--secrules-vectors=other", "-k", "vectors")
    result.stdout.fnmatch_lines([f"*VECTORS={probe.path / 'other'}*"])


def test_ini_values_count_from_the_ini_file(probe):
    probe.makeini("[pytest]\nsecrules_vectors = vectors\nsecrules_keystore = keys\n")
    sub = probe.mkdir("elsewhere")
    result = probe.runpytest_inprocess(*PLUGIN_ARGS, "-s", str(probe.path), "--rootdir", str(sub))
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"*VECTORS={probe.path / 'vectors'}*"])


def test_a_missing_folder_skips_and_a_broken_key_store_errors(probe):
    (probe.path / "broken.json").write_text("{not json", encoding="utf-8")
    result = probe.runpytest(
        *PLUGIN_ARGS, "-rs", "--secrules-vectors=nowhere", "--secrules-keystore=broken.json"
    )
    result.assert_outcomes(skipped=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            f"*secrules key store {probe.path / 'broken.json'} cannot be opened: *",
            (
                f"*secrules vectors folder not found at {probe.path / 'nowhere'} "
                "(from --secrules-vectors)"
            ),
        ]
    )


def test_a_failing_helper_prints_exactly_the_failed_findings(pytester):
    pytester.makepyfile(
        test_harness=f"""
        from pathlib import Path
        from secrules.testing import assert_conforms, assert_violates

        def test_conforms():
            assert_conforms(Path({str(MON_FRI)!r}))

        def test_violates():
            assert_violates(Path({str(MON_FRI)!r}), "gbcs.ecs37.enable")
        """
    )
    result = pytester.runpytest(*PLUGIN_ARGS, "--tb=short")
    result.assert_outcomes(failed=2)
    failed = [
        "  " + line
        for f in secrules.check(MON_FRI)
        if f.failed
        for line in describe_finding(f).splitlines()
    ]
    assert len(failed) == 4  # two findings, each with its clause line
    error_lines = [line[4:] for line in result.outlines if line.startswith("E   ")]
    assert error_lines == [
        (
            f"secrules.errors.ConformanceAssertionError: {MON_FRI} does not conform "
            "(proposed regime): 2 findings fail"
        ),
        *failed,
        (
            f"secrules.errors.ConformanceAssertionError: {MON_FRI}: expected gbcs.ecs37.enable to "
            "FAIL (proposed regime), but it gave PASS x2; 2 other findings failed:"
        ),
        *failed,
    ]
    # The helpers' own frames are hidden: the traceback points at the test's line.
    assert "testing.py" not in result.stdout.str()
    assert "PASS" not in "\n".join(failed)


def test_the_example_harness_runs(pytester, monkeypatch):
    """examples/harness, as docs/harness.md shows it, passes on the shared vectors."""
    monkeypatch.delenv("SECRULES_VECTORS", raising=False)
    monkeypatch.delenv("SECRULES_KEYSTORE", raising=False)
    for source in EXAMPLE.iterdir():
        if source.is_file():
            shutil.copy(source, pytester.path / source.name)
    vectors = ROOT.parent / "shared" / "vectors"
    args = [*PLUGIN_ARGS, "-rs"]
    if vectors.is_dir():
        args += [f"--secrules-vectors={vectors}"]
        args += [f"--secrules-keystore={vectors / 'rtds' / 'keystore'}"]
    result = pytester.runpytest(*args)
    if vectors.is_dir():
        result.assert_outcomes(passed=7)
    else:
        result.assert_outcomes(passed=4, skipped=3)
